package notify

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Limits taken with the row: when the committer can take a send's
// rate-limit token and its daily place in the one cache call of its batch
// (BatchAdmitter), a send does not check its limits before its body. The
// answers stay those of checkLimits first: the limits are checked on
// their own at the first refusal, before the costly or lasting steps (the
// international count of a text abroad, the files of an email, which are
// decoded and stored) and at the end of a send that stored nothing, and a
// 429 then replaces any other refusal, as upstream orders them. A caller
// refused at its commit, and every caller for a while after an admission
// failed, checks its limits first, as without a BatchAdmitter.

// Admission is one send's rate-limit token and daily-limit place, taken
// together by BatchAdmitter.AdmitBatch.
type Admission struct {
	// Bucket and Params name the token bucket, as TakeToken's key and p.
	Bucket string
	Params BucketParams
	// Place is the daily-limit place taken when a token was left; an empty
	// Key means none.
	Place LimitPlace
}

// AdmitResult is what AdmitBatch did with one Admission.
type AdmitResult struct {
	// Left is the tokens left after the take, as TakeToken's answer: the
	// send goes ahead when at least one is.
	Left int64
	// Place is the place's result, as IncrBelowBatch's (Err wraps
	// ErrCacheMiss for a missing counter, which is not created), when a
	// token was left and the Admission had a place; zero otherwise.
	Place LimitResult
	// Err is a failure of the Admission as a whole (params that fail
	// Validate, a counter that is not an integer, a cache that does not
	// answer): then nothing of it was taken, unless the cache cannot tell,
	// as TakeToken's own failures.
	Err error
}

// BatchAdmitter is an optional Cache ability beside BatchLimitCache and
// TokenBucket: the rate-limit tokens and daily-limit places of a whole
// group commit taken in one call, so that a send makes no cache call of
// its own. cache/cachetest checks it when a Cache has it.
type BatchAdmitter interface {
	// AdmitBatch takes, for each Admission in order, a token from its
	// bucket at time now, as TakeToken does, and then, only when at least
	// one token is left, its Place, as IncrBelow does; each Admission is
	// atomic on its own, in as few round trips as the cache can. It
	// returns one AdmitResult per Admission.
	AdmitBatch(ctx context.Context, now time.Time, as []Admission) []AdmitResult
}

// admitterOf returns the Cache's BatchAdmitter when its places are also
// reserved in batches (limitsOf) and it keeps the rate limit (TokenBucket).
func admitterOf(c Cache) BatchAdmitter {
	a, ok := c.(BatchAdmitter)
	if !ok || limitsOf(c) == nil {
		return nil
	}
	if _, ok := c.(TokenBucket); !ok {
		return nil
	}
	return a
}

// limitGate is a send's limits (checkLimits of typ) held back until the
// send either hands them to the committer with its row or checks them on
// its own.
type limitGate struct {
	typ     NotificationType
	pending bool
}

// sendWithLimits runs send with the caller's limits for typ held back
// when the committer takes them with the row, else after checking them,
// as before the body. A send that ends without handing them over (a
// refusal, a simulated recipient) checks them then: their refusal wins.
func (n *Notifier) sendWithLimits(ctx context.Context, c *Caller, typ NotificationType, send func(*limitGate) (*Notification, error)) (*Notification, error) {
	if n.commit == nil || n.commit.admit == nil || !n.commit.admitting(c, n.cfg.Clock()) {
		if err := n.checkLimits(ctx, c, typ); err != nil {
			return nil, err
		}
		return send(nil)
	}
	g := &limitGate{typ: typ, pending: true}
	nt, err := send(g)
	if g.pending && ctx.Err() == nil {
		if lerr := n.openGate(ctx, c, g); lerr != nil {
			return nil, lerr
		}
	}
	return nt, err
}

// openGate checks the limits g holds back, once.
func (n *Notifier) openGate(ctx context.Context, c *Caller, g *limitGate) error {
	if g == nil || !g.pending {
		return nil
	}
	g.pending = false
	return n.checkLimits(ctx, c, g.typ)
}

// admitWithRow reports whether the committer takes the limits of a send
// about to be persisted with its row: when g holds them and the row has
// at most one daily place (a text abroad has two) and no files. Both kinds
// have opened their gate earlier in send; the check keeps admitRows's
// one place a row true whatever send does. Otherwise it checks them now.
func (n *Notifier) admitWithRow(ctx context.Context, d *draft, nt *Notification) (bool, error) {
	g := d.gate
	if g == nil || !g.pending {
		return false, nil
	}
	if len(d.docs) == 0 && !internationalSMS(nt) {
		g.pending = false
		return true, nil
	}
	return false, n.openGate(ctx, d.c, g)
}

// admitRows takes, in one AdmitBatch call, the tokens and places of the
// rows of batch that hand their limits to the committer. A row refused
// gets its 429 in refused.
func (m *committer) admitRows(ctx context.Context, batch []*commitRow) {
	var rows []*commitRow
	var as []Admission
	var counters [][]dailyCounter
	var limits []int
	for _, r := range batch {
		if !r.admit {
			continue
		}
		limit, p, bucket := rateLimitOf(r.c)
		a := Admission{Bucket: bucket, Params: p}
		cs := m.n.countersOf(r.c, r.nt)
		if len(cs) == 1 {
			a.Place = LimitPlace{Key: cs[0].key, Limit: int64(cs[0].limit)}
		}
		rows, as, counters, limits = append(rows, r), append(as, a), append(counters, cs), append(limits, limit)
	}
	if len(rows) == 0 {
		return
	}
	now := m.n.cfg.Clock()
	res := m.admit.AdmitBatch(ctx, now, as)
	if len(res) != len(as) {
		err := errors.New("notify: limits: the cache answered the wrong number of admissions")
		res = make([]AdmitResult, len(as))
		for i := range res {
			res[i].Err = err
		}
	}
	for _, r := range res {
		if r.Err != nil {
			m.admitFailed.Store(now.Add(throttledFor).UnixNano())
			break
		}
	}
	for i, r := range rows {
		m.admitted(ctx, r, counters[i], limits[i], res[i], now)
	}
}

// Rows whose admission the cache failed go back to their sends, which
// check what is left on their own, each under its own context and side by
// side, as without a BatchAdmitter (a cache that fails never fails a
// send), and hand their rows over again.
var (
	errAdmitAgain = errors.New("notify: limits: admission failed; check them in the send") // nothing taken
	errPlaceAgain = errors.New("notify: limits: daily place failed; check it in the send") // the token taken
)

// handedBack reports whether err hands a row back to its send.
func handedBack(err error) bool {
	return errors.Is(err, errAdmitAgain) || errors.Is(err, errPlaceAgain)
}

// admitted settles row r, whose rate limit is limit, by its AdmitResult
// at now: a 429 when no token or no place was left; a place taken; or,
// when the cache failed, the row back to its send (errAdmitAgain,
// errPlaceAgain).
func (m *committer) admitted(ctx context.Context, r *commitRow, cs []dailyCounter, limit int, res AdmitResult, now time.Time) {
	if res.Err != nil {
		r.refused = errAdmitAgain
		return
	}
	if res.Left < 1 {
		r.refused = RateLimitError(r.c.Key.KeyType, limit)
		m.throttled.mark(r.c, now)
		return
	}
	if len(cs) == 0 {
		return
	}
	switch err := res.Place.Err; {
	case err == nil && res.Place.Added:
		r.reserved = true
	case err == nil:
		r.refused = cs[0].refusal()
		m.throttled.mark(r.c, now)
	case errors.Is(err, ErrCacheMiss):
		m.reserveOne(ctx, r) // counts from the Store, then tries again
	default:
		m.n.log.WarnContext(ctx, "daily limit: cache batch reserve failed; the store count stands",
			slog.String("service_id", r.c.Service.ID.String()), slog.Any("error", err))
		r.refused = errPlaceAgain
	}
}

// admitAgain finishes, in the send, the checks of a row whose admission
// the cache failed (err is errAdmitAgain or errPlaceAgain): the limits
// left, as checkLimits falls back to when the cache fails, then the row
// goes to the committer again, checked.
func (m *committer) admitAgain(ctx context.Context, c *Caller, nt *Notification, err error) (*Notification, error) {
	if errors.Is(err, errAdmitAgain) {
		err = m.n.checkLimits(ctx, c, nt.Type)
	} else {
		err = m.n.checkDailyLimit(ctx, c, nt.Type)
	}
	if err != nil {
		return nil, err
	}
	return m.persistAndQueue(ctx, c, nt, false, false)
}

// admitting reports whether c's next send may hand its limits to the
// committer: not while c is throttled, nor for throttledFor after an
// admission failed (a cache that fails makes each send wait for it: its
// sends check their limits first, as without a BatchAdmitter, rather than
// wait for the batch call to fail and then for their own).
func (m *committer) admitting(c *Caller, now time.Time) bool {
	return now.UnixNano() >= m.admitFailed.Load() && !m.throttled.has(c, now)
}

// throttledFor is how long a caller refused for a limit at its commit
// checks its limits first, before its body, and how long sends do so
// after an admission failed.
const throttledFor = time.Second

// throttledMax bounds the callers remembered; past it the expired ones go,
// and if none has expired, nobody new is remembered until some do.
const throttledMax = 4096

// throttledCallers remembers the callers (service and key type) whose
// sends the committer refused for a limit in the last throttledFor: their
// next sends check their limits before the body, as without a
// BatchAdmitter, so that a client over its limit costs one cache call a
// request and not a whole send (template, team and guest list reads,
// rendering) before its 429. The zero value is empty and ready.
type throttledCallers struct {
	mu    sync.Mutex
	until map[throttleKey]time.Time
}

type throttleKey struct {
	service uuid.UUID
	keyType KeyType
}

// mark remembers c's refusal at now.
func (t *throttledCallers) mark(c *Caller, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.until == nil {
		t.until = map[throttleKey]time.Time{}
	}
	k := throttleKey{c.Service.ID, c.Key.KeyType}
	if _, ok := t.until[k]; !ok && len(t.until) >= throttledMax {
		for k, u := range t.until {
			if !now.Before(u) {
				delete(t.until, k)
			}
		}
		if len(t.until) >= throttledMax {
			return
		}
	}
	t.until[k] = now.Add(throttledFor)
}

// has reports whether c was refused within throttledFor of now.
func (t *throttledCallers) has(c *Caller, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.until[throttleKey{c.Service.ID, c.Key.KeyType}]
	return ok && now.Before(u)
}
