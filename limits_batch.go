package notify

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Fewer round trips to a shared cache per send: the rate-limit token and
// the daily counts read together before the body is looked at, and the
// daily places of a whole group commit reserved together (or, with a
// BatchAdmitter, tokens and places taken together with the rows: see
// limits_admit.go).

// CachedCount is one counter read by TakeTokenAndGet: its value, or Found
// false when the key holds nothing.
type CachedCount struct {
	Value int64
	Found bool
}

// TokenCountReader is an optional Cache ability beside TokenBucket: the
// first checks of a send in one round trip. The Notifier takes the
// caller's rate-limit token and reads the daily counters it checks before
// the request body in a single call. cache/cachetest checks it when a Cache
// has it.
type TokenCountReader interface {
	// TakeTokenAndGet runs TakeToken(ctx, bucket, now, p) and Get on each
	// of keys, in one round trip where it can, and returns the tokens left
	// and one CachedCount per key, in order. The token is taken as
	// TakeToken takes it; the reads are reads, as Get's (they need not be
	// atomic with the token). A missing counter is Found false, not an
	// error; any other failure (a value that is not an integer, a cache
	// that does not answer, params that fail p.Validate) is an error, and
	// then it is unknown whether the token was taken.
	TakeTokenAndGet(ctx context.Context, bucket string, now time.Time, p BucketParams, keys []string) (int64, []CachedCount, error)
}

// LimitPlace is one daily-limit place to reserve: the counter's key and
// the limit it must stay at or below.
type LimitPlace struct {
	Key   string
	Limit int64
}

// LimitResult is what IncrBelowBatch did with one LimitPlace: what
// IncrBelow would return for it.
type LimitResult struct {
	Value int64
	Added bool
	Err   error
}

// BatchLimitCache is an optional Cache ability beside LimitCache and
// LimitReleaser: the daily-limit places of a whole group commit reserved,
// and given back, in one round trip each. cache/cachetest checks it when
// a Cache has it.
type BatchLimitCache interface {
	// IncrBelowBatch runs IncrBelow(ctx, p.Key, p.Limit) for each of
	// places, in order, in as few round trips as it can, and returns one
	// LimitResult per place. Each increment is atomic on its own, as
	// IncrBelow's, and places on the same key are taken in order; the
	// batch as a whole need not be atomic. A missing key is not created:
	// its Err wraps ErrCacheMiss.
	IncrBelowBatch(ctx context.Context, places []LimitPlace) []LimitResult
	// DecrIfPositiveBatch runs DecrIfPositive on each of keys (a key may
	// appear more than once: it is decremented as often) in as few round
	// trips as it can and returns one error per key, nil for one given
	// back or already at zero.
	DecrIfPositiveBatch(ctx context.Context, keys []string) []error
}

// checkLimits takes the caller's rate-limit token and then checks the
// daily limit of typ (SMS or Email; any other type is checked for the rate
// limit only), as checkRateLimit and checkDailyLimit one after the other
// would, with one call when the Cache is a TokenCountReader.
func (n *Notifier) checkLimits(ctx context.Context, c *Caller, typ NotificationType) error {
	daily := typ == SMS || typ == Email
	tc, ok := n.cache.(TokenCountReader)
	if !ok {
		if err := n.checkRateLimit(ctx, c); err != nil {
			return err
		}
		if !daily {
			return nil
		}
		return n.checkDailyLimit(ctx, c, typ)
	}
	limit, p, bucket := rateLimitOf(c)
	var cs []dailyCounter
	if daily {
		cs = n.dailyCounters(c, typ, false, n.now())
	}
	var keys []string
	if len(cs) > 0 {
		keys = make([]string, len(cs))
		for i, d := range cs {
			keys[i] = d.key
		}
	}
	now := n.cfg.Clock()
	left, counts, err := tc.TakeTokenAndGet(ctx, bucket, now, p, keys)
	if err == nil && len(counts) != len(keys) {
		err = errors.New("notify: rate limit: the cache answered the wrong number of counters")
	}
	if err != nil {
		if n.buckets.warnDue(now) && !errors.Is(err, context.Canceled) {
			n.log.WarnContext(ctx, "rate limit: cache failed; counting in this process until it answers",
				slog.String("key", bucket), slog.Any("error", err))
		}
		if n.buckets.take(bucket, now, p) < 1 {
			return RateLimitError(c.Key.KeyType, limit)
		}
		return n.checkDailyCounters(ctx, c, cs, 1)
	}
	if left < 1 {
		return RateLimitError(c.Key.KeyType, limit)
	}
	for i, d := range cs {
		count := counts[i].Value
		if !counts[i].Found {
			if count, err = n.todaysCount(ctx, c.Service.ID, d); err != nil {
				return err
			}
		}
		if count+1 > int64(d.limit) {
			return d.refusal()
		}
	}
	return nil
}

// reserveBatch takes the daily-limit places of the rows of a group commit
// that hold none yet, in one IncrBelowBatch call for the rows that count
// against a single limit; rows with two limits (a text message abroad) and
// rows whose counter is missing go through reserveDailySlot, one by one.
// A row refused for a limit gets its 429 in refused; a cache that fails
// leaves its rows without places, counted once stored as without a
// LimitCache.
func (m *committer) reserveBatch(ctx context.Context, batch []*commitRow) {
	var places []LimitPlace
	var rows []*commitRow
	var counters []dailyCounter
	for _, r := range batch {
		if r.reserved || r.admit {
			continue
		}
		cs := m.n.countersOf(r.c, r.nt)
		switch len(cs) {
		case 0:
			continue
		case 1:
			places = append(places, LimitPlace{Key: cs[0].key, Limit: int64(cs[0].limit)})
			rows = append(rows, r)
			counters = append(counters, cs[0])
		default:
			m.reserveOne(ctx, r)
		}
	}
	if len(places) == 0 {
		return
	}
	res := m.limits.IncrBelowBatch(ctx, places)
	if len(res) != len(places) {
		m.n.log.WarnContext(ctx, "daily limit: cache batch reserve answered the wrong number of places; the store count stands",
			slog.Int("places", len(places)), slog.Int("results", len(res)))
		return
	}
	warned := false
	for i, r := range rows {
		switch res[i].Err {
		case nil:
			if res[i].Added {
				r.reserved = true
			} else {
				r.refused = counters[i].refusal()
			}
		default:
			if errors.Is(res[i].Err, ErrCacheMiss) {
				m.reserveOne(ctx, r) // counts from the Store, then tries again
				continue
			}
			if !warned {
				warned = true
				m.n.log.WarnContext(ctx, "daily limit: cache batch reserve failed; the store count stands",
					slog.String("service_id", r.c.Service.ID.String()), slog.Any("error", res[i].Err))
			}
		}
	}
}

// reserveOne reserves r's places on their own.
func (m *committer) reserveOne(ctx context.Context, r *commitRow) {
	// An error is a 429, or the Store failing to count: either way the
	// send fails with it, as it would without group commit.
	r.reserved, r.refused = m.n.reserveDailySlot(ctx, r.c, r.nt)
}

// reserveBeforeCommit is reserveDailySlot for a send about to be persisted,
// except when the committer reserves the places of its batches itself
// (reserveBatch): then it takes nothing.
func (n *Notifier) reserveBeforeCommit(ctx context.Context, c *Caller, nt *Notification) (bool, error) {
	if n.commit != nil && n.commit.limits != nil {
		return false, nil
	}
	return n.reserveDailySlot(ctx, c, nt)
}

// releaseBatch gives back, in one call, the places held by the rows of
// batch that were not stored (errs[i] != nil). A failure is logged: the
// counter is re-counted from the Store once it expires.
func (m *committer) releaseBatch(ctx context.Context, batch []*commitRow, errs []error) {
	var keys []string
	var owners []*commitRow
	for i, r := range batch {
		if errs[i] == nil || !r.reserved {
			continue
		}
		for _, d := range m.n.countersOf(r.c, r.nt) {
			keys = append(keys, d.key)
			owners = append(owners, r)
		}
	}
	if len(keys) == 0 {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	res := m.limits.DecrIfPositiveBatch(rctx, keys)
	for i, err := range res {
		if i >= len(keys) {
			break
		}
		if err != nil && !errors.Is(err, ErrCacheMiss) {
			r := owners[i]
			m.n.log.WarnContext(ctx, "daily limit: cache release failed; the place stays taken until the counter expires",
				slog.String("service_id", r.c.Service.ID.String()), slog.String("notification_id", r.nt.ID.String()),
				slog.String("key", keys[i]), slog.Any("error", err))
		}
	}
}

// limitsOf returns the Cache's BatchLimitCache when it also has the
// LimitCache and LimitReleaser abilities the batch stands in for.
func limitsOf(c Cache) BatchLimitCache {
	b, ok := c.(BatchLimitCache)
	if !ok {
		return nil
	}
	if _, ok := c.(LimitCache); !ok {
		return nil
	}
	if _, ok := c.(LimitReleaser); !ok {
		return nil
	}
	return b
}
