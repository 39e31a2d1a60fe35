package notify_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
	"github.com/notifykit/notify/store/gormstore"
	"github.com/notifykit/notify/store/memstore"
)

const idemName = "IdempotencyError"

// stored lists the service's notifications in the store.
func (f *fixture) stored(t *testing.T) []notify.Notification {
	t.Helper()
	list, err := f.env.Store.ListNotifications(ctx, notify.NotificationFilter{ServiceID: f.svc.ID})
	require.NoError(t, err)
	return list
}

func (f *fixture) smsWithKey(key, name string) *notify.SMSRequest {
	return &notify.SMSRequest{PhoneNumber: teamPhone, TemplateID: f.sms.ID,
		Personalisation: map[string]any{"name": name}, IdempotencyKey: key}
}

func TestIdempotencyKeySendsOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{})
	n, team := f.env.Notifier, f.keys[notify.KeyTypeTeam]

	first, err := n.SendSMS(ctx, team, f.smsWithKey("order-1", "Jo"))
	require.NoError(t, err)
	again, err := n.SendSMS(ctx, team, f.smsWithKey("order-1", "Jo"))
	require.NoError(t, err)
	assert.Equal(t, first.ID, again.ID, "the retry gets the first notification")
	assert.Equal(t, first.Body, again.Body)
	assert.Equal(t, first.To, again.To)

	email := &notify.EmailRequest{EmailAddress: teamEmail, TemplateID: f.email.ID,
		Personalisation: map[string]any{"name": "Jo"}, IdempotencyKey: "order-2"}
	e1, err := n.SendEmail(ctx, team, email)
	require.NoError(t, err)
	e2, err := n.SendEmail(ctx, team, email)
	require.NoError(t, err)
	assert.Equal(t, e1.ID, e2.ID)
	assert.Equal(t, e1.Subject, e2.Subject)

	require.Len(t, f.stored(t), 2, "one notification per key")
	f.env.WaitFinal(t, first.ID, e1.ID)
	assert.Len(t, f.env.Sandbox.Sent(), 2, "one delivery per key")
}

func TestIdempotencyKeyRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{})
	n, team := f.env.Notifier, f.keys[notify.KeyTypeTeam]
	_, err := n.SendSMS(ctx, team, f.smsWithKey("k", "Jo"))
	require.NoError(t, err)

	t.Run("another request with the key", func(t *testing.T) {
		_, err := n.SendSMS(ctx, team, f.smsWithKey("k", "Ann"))
		requireRefusal(t, err, 409, idemName, notify.MsgIdempotencyMismatch)
		assert.ErrorIs(t, err, notify.ErrIdempotencyMismatch)
		assert.Equal(t, notify.CodeIdempotencyMismatch, notify.CodeOf(err))
		_, err = n.SendEmail(ctx, team, &notify.EmailRequest{EmailAddress: teamEmail, TemplateID: f.email.ID,
			Personalisation: map[string]any{"name": "Jo"}, IdempotencyKey: "k"})
		assert.ErrorIs(t, err, notify.ErrIdempotencyMismatch, "the key of a text message used for an email")
	})
	t.Run("invalid keys", func(t *testing.T) {
		for _, key := range []string{strings.Repeat("x", 256), "a\nb", "tab\there", "del\x7f", "\xff\xfe", "c1\u0085"} {
			_, err := n.SendSMS(ctx, team, f.smsWithKey(key, "Jo"))
			assert.ErrorIs(t, err, &notify.Error{Code: notify.CodeIdempotencyKeyInvalid}, "%q", key)
			assert.Equal(t, 400, notify.StatusOf(err), "%q", key)
		}
		_, err := n.SendSMS(ctx, team, f.smsWithKey(strings.Repeat("é", 127), "Jo"))
		assert.NoError(t, err, "254 bytes of UTF-8 are a key")
	})
	t.Run("a refusal does not use the key up", func(t *testing.T) {
		req := f.smsWithKey("fix-me", "Jo")
		req.PhoneNumber = strangerSMS
		_, err := n.SendSMS(ctx, team, req)
		requireRefusal(t, err, 400, "BadRequestError", teamMsg)
		req.PhoneNumber = teamPhone
		_, err = n.SendSMS(ctx, team, req)
		assert.NoError(t, err, "the corrected request is sent under the same key")
	})
	assert.Len(t, f.stored(t), 3)
}

func TestIdempotencyKeysArePerService(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{})
	other := f.env.Service(t, notify.Service{})
	f.env.TeamMember(t, other, teamEmail, teamPhone)
	tpl := f.env.Template(t, other, notify.SMS, "", "Hello ((name))")
	a, err := f.env.Notifier.SendSMS(ctx, f.keys[notify.KeyTypeTeam], f.smsWithKey("shared", "Jo"))
	require.NoError(t, err)
	b, err := f.env.Notifier.SendSMS(ctx, f.env.Key(t, other, notify.KeyTypeTeam), &notify.SMSRequest{PhoneNumber: teamPhone,
		TemplateID: tpl.ID, Personalisation: map[string]any{"name": "Jo"}, IdempotencyKey: "shared"})
	require.NoError(t, err)
	assert.NotEqual(t, a.ID, b.ID)
	assert.Equal(t, other.ID, b.ServiceID)
}

func TestIdempotencyKeySimulatedRecipient(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{})
	req := f.smsWithKey("sim", "Jo")
	req.PhoneNumber = notify.DefaultSimulatedNumbers[0]
	a, err := f.env.Notifier.SendSMS(ctx, f.keys[notify.KeyTypeLive], req)
	require.NoError(t, err)
	b, err := f.env.Notifier.SendSMS(ctx, f.keys[notify.KeyTypeLive], req)
	require.NoError(t, err)
	assert.Equal(t, a.ID, b.ID, "the same answer though nothing was stored")
	assert.Empty(t, f.stored(t))
}

// clock is a settable Config.Clock, safe for concurrent use.
type clock struct{ ns atomic.Int64 }

// newClock starts at the real time, except in the last ten minutes of a
// UTC day, when it starts fifteen minutes earlier: tests that advance it by
// a few minutes and count today's sends must not cross midnight.
func newClock() *clock {
	c := &clock{}
	now := time.Now().UTC()
	if midnight := now.Truncate(24 * time.Hour).Add(24 * time.Hour); midnight.Sub(now) < 10*time.Minute {
		now = now.Add(-15 * time.Minute)
	}
	c.ns.Store(now.UnixNano())
	return c
}
func (c *clock) now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// gateStore holds the first GetTemplate until gate is closed, as a process
// stalled (or dead) in the middle of a send.
type gateStore struct {
	notify.Store
	entered chan struct{}
	gate    chan struct{}
	once    sync.Once
}

func (s *gateStore) Unwrap() notify.Store { return s.Store }

func (s *gateStore) GetTemplate(ctx context.Context, serviceID, id uuid.UUID) (*notify.Template, error) {
	first := false
	s.once.Do(func() { first = true })
	if first {
		close(s.entered)
		select {
		case <-s.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return s.Store.GetTemplate(ctx, serviceID, id)
}

// Two Notifiers sharing a store, as two processes: a retry on the second
// while the first is stalled mid-send waits for the lease, then takes the
// key over; the first, when it wakes up, finds the notification the
// second stored under the same id. One notification in all.
func TestIdempotencyKeyAcrossProcessesAndLeases(t *testing.T) {
	t.Parallel()
	shared := memstore.New()
	clk := newClock()
	onShared := notifytest.WithConfig(func(c *notify.Config) { c.Store = shared; c.Clock = clk.now })
	f := newFixture(t, notify.Service{}, onShared)
	gate := &gateStore{Store: shared, entered: make(chan struct{}), gate: make(chan struct{})}
	stalled := notifytest.New(t, notifytest.WithConfig(func(c *notify.Config) { c.Store = gate; c.Clock = clk.now })).Notifier
	team := f.keys[notify.KeyTypeTeam]

	type result struct {
		nt  *notify.Notification
		err error
	}
	first := make(chan result, 1)
	go func() {
		nt, err := stalled.SendSMS(ctx, team, f.smsWithKey("retry-me", "Jo"))
		first <- result{nt, err}
	}()
	<-gate.entered // the key is reserved; the send is stalled

	_, err := f.env.Notifier.SendSMS(ctx, team, f.smsWithKey("retry-me", "Jo"))
	requireRefusal(t, err, 409, idemName, notify.MsgIdempotencyInFlight)
	assert.ErrorIs(t, err, notify.ErrIdempotencyInFlight)
	_, err = f.env.Notifier.SendSMS(ctx, team, f.smsWithKey("retry-me", "Ann"))
	assert.ErrorIs(t, err, notify.ErrIdempotencyMismatch, "another request is refused even while the first runs")

	clk.advance(notify.IdempotencyLease + time.Second)
	retried, err := f.env.Notifier.SendSMS(ctx, team, f.smsWithKey("retry-me", "Jo"))
	require.NoError(t, err, "the lease ended: the retry takes the key over")

	close(gate.gate)
	r := <-first
	require.NoError(t, r.err, "the stalled send finds the notification stored under its id")
	assert.Equal(t, retried.ID, r.nt.ID)
	assert.Len(t, f.stored(t), 1, "one notification")

	again, err := stalled.SendSMS(ctx, team, f.smsWithKey("retry-me", "Jo"))
	require.NoError(t, err)
	assert.Equal(t, retried.ID, again.ID)
}

// Many retries at once on two processes: one notification, and every
// success has its id.
func TestIdempotencyKeyConcurrentRetries(t *testing.T) {
	t.Parallel()
	shared := memstore.New()
	onShared := notifytest.WithConfig(func(c *notify.Config) { c.Store = shared })
	f := newFixture(t, notify.Service{}, onShared)
	other := notifytest.New(t, onShared).Notifier
	team := f.keys[notify.KeyTypeTeam]
	const n = 16
	ids := make([]uuid.UUID, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			nf := f.env.Notifier
			if i%2 == 1 {
				nf = other
			}
			nt, err := nf.SendSMS(ctx, team, f.smsWithKey("burst", "Jo"))
			errs[i] = err
			if err == nil {
				ids[i] = nt.ID
			}
		})
	}
	wg.Wait()
	stored := f.stored(t)
	require.Len(t, stored, 1)
	for i := range n {
		if errs[i] != nil {
			assert.ErrorIs(t, errs[i], notify.ErrIdempotencyInFlight)
			continue
		}
		assert.Equal(t, stored[0].ID, ids[i])
	}
	nt, err := other.SendSMS(ctx, team, f.smsWithKey("burst", "Jo"))
	require.NoError(t, err)
	assert.Equal(t, stored[0].ID, nt.ID)
}

// lossyStore fails CreateNotification once, before or after storing.
type lossyStore struct {
	notify.Store
	after  bool // store, then report a failure (the answer was lost)
	failed atomic.Bool
}

func (s *lossyStore) Unwrap() notify.Store { return s.Store }

func (s *lossyStore) CreateNotification(ctx context.Context, n *notify.Notification) error {
	if s.failed.CompareAndSwap(false, true) {
		if s.after {
			if err := s.Store.CreateNotification(ctx, n); err != nil {
				return err
			}
		}
		return errors.New("connection reset by peer")
	}
	return s.Store.CreateNotification(ctx, n)
}

// A failed commit leaves it unknown whether the notification was stored:
// a retry straight away returns the stored one, or stores it, with the
// id the key reserved.
func TestIdempotencyKeyAfterAFailedCommit(t *testing.T) {
	t.Parallel()
	for _, after := range []bool{false, true} {
		name := map[bool]string{false: "not stored", true: "stored, answer lost"}[after]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			lossy := &lossyStore{Store: memstore.New(), after: after}
			f := newFixture(t, notify.Service{}, notifytest.WithConfig(func(c *notify.Config) {
				c.Store = lossy
				c.GroupCommit.Disabled = true
			}))
			team := f.keys[notify.KeyTypeTeam]
			_, err := f.env.Notifier.SendSMS(ctx, team, f.smsWithKey("flaky", "Jo"))
			require.Error(t, err)
			assert.Equal(t, notify.CodeInternal, notify.CodeOf(err))
			nt, err := f.env.Notifier.SendSMS(ctx, team, f.smsWithKey("flaky", "Jo"))
			require.NoError(t, err, "the retry is not blocked")
			stored := f.stored(t)
			require.Len(t, stored, 1)
			assert.Equal(t, stored[0].ID, nt.ID)
		})
	}
}

func TestIdempotencyKeysExpireAndArePurged(t *testing.T) {
	t.Parallel()
	clk := newClock()
	f := newFixture(t, notify.Service{}, notifytest.WithConfig(func(c *notify.Config) { c.Clock = clk.now }))
	n, team := f.env.Notifier, f.keys[notify.KeyTypeTeam]
	a, err := n.SendSMS(ctx, team, f.smsWithKey("daily", "Jo"))
	require.NoError(t, err)
	purged, err := n.PurgeIdempotencyKeys(ctx)
	require.NoError(t, err)
	assert.Zero(t, purged, "the key has a day to live")

	clk.advance(notify.IdempotencyKeyTTL)
	purged, err = n.PurgeIdempotencyKeys(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, purged)
	b, err := n.SendSMS(ctx, team, f.smsWithKey("daily", "Ann"))
	require.NoError(t, err, "an expired key is free for a new request")
	assert.NotEqual(t, a.ID, b.ID)
}

// gauges records the gauges of a pass.
type gauges struct {
	notify.DiscardStats
	mu sync.Mutex
	g  map[string]float64
}

func (g *gauges) Gauge(name string, v float64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.g[name] = v
}

func (g *gauges) get(name string) (float64, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	v, ok := g.g[name]
	return v, ok
}

func TestRunRetentionPurgesIdempotencyKeys(t *testing.T) {
	t.Parallel()
	clk := newClock()
	st := memstore.New()
	g := &gauges{g: map[string]float64{}}
	f := newFixture(t, notify.Service{}, notifytest.WithConfig(func(c *notify.Config) {
		c.Clock, c.Store, c.Stats = clk.now, st, g
	}))
	n, team := f.env.Notifier, f.keys[notify.KeyTypeTeam]
	_, err := n.SendSMS(ctx, team, f.smsWithKey("old", "Jo"))
	require.NoError(t, err)
	clk.advance(notify.IdempotencyKeyTTL + time.Minute)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- n.RunRetention(rctx, time.Hour) }()
	assert.Eventually(t, func() bool {
		v, ok := g.get("idempotency.purged")
		return ok && v == 1
	}, 5*time.Second, 5*time.Millisecond, "the retention pass deleted the expired key")
	cancel()
	require.NoError(t, <-done)
	left, err := st.DeleteExpiredIdempotencyKeys(ctx, clk.now(), 0)
	require.NoError(t, err)
	assert.Zero(t, left, "no expired key is left")
}

// hidingStore hides every optional ability of the store it wraps.
type hidingStore struct{ notify.Store }

func TestIdempotencyKeyNeedsTheAbility(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{}, notifytest.WithConfig(func(c *notify.Config) { c.Store = hidingStore{memstore.New()} }))
	_, err := f.env.Notifier.SendSMS(ctx, f.keys[notify.KeyTypeTeam], f.smsWithKey("k", "Jo"))
	assert.ErrorIs(t, err, notify.ErrUnsupported)
	assert.Empty(t, f.stored(t), "nothing sent without a place to keep the key")
}

// RunIdempotent is the mechanism for any create-once operation. After a
// take-over, a refusal keeps the key's id: the attempt it was taken from
// may still create under it, so no later retry may use another id.
func TestRunIdempotentKeepsTheIDAfterATakeOver(t *testing.T) {
	t.Parallel()
	clk := newClock()
	f := newFixture(t, notify.Service{}, notifytest.WithConfig(func(c *notify.Config) { c.Clock = clk.now }))
	n := f.env.Notifier
	created := map[uuid.UUID]int{}
	var mu sync.Mutex
	call := func(create func(ctx context.Context, id uuid.UUID) error) notify.IdempotentCall {
		return notify.IdempotentCall{ServiceID: f.svc.ID, Key: "job-1", Request: []byte("POST /jobs\n{}"),
			Create: create,
			Find: func(_ context.Context, id uuid.UUID) error {
				mu.Lock()
				defer mu.Unlock()
				if created[id] == 0 {
					return notify.ErrNotFound
				}
				return nil
			}}
	}
	stalled, release := make(chan uuid.UUID, 1), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, _, err := n.RunIdempotent(ctx, call(func(_ context.Context, id uuid.UUID) error {
			stalled <- id
			<-release
			return errors.New("the stalled attempt never finished")
		}))
		done <- err
	}()
	first := <-stalled
	clk.advance(notify.IdempotencyLease)
	_, _, err := n.RunIdempotent(ctx, call(func(_ context.Context, id uuid.UUID) error {
		assert.Equal(t, first, id, "a take-over keeps the id")
		return notify.BadRequest("", "refused")
	}))
	requireRefusal(t, err, 400, "BadRequestError", "refused")

	id, replayed, err := n.RunIdempotent(ctx, call(func(_ context.Context, id uuid.UUID) error {
		mu.Lock()
		defer mu.Unlock()
		created[id]++
		return nil
	}))
	require.NoError(t, err, "the refusal ended the lease: the next retry runs at once")
	assert.False(t, replayed)
	assert.Equal(t, first, id, "still the first attempt's id")

	id, replayed, err = n.RunIdempotent(ctx, call(func(context.Context, uuid.UUID) error {
		t.Error("a completed key does not run again")
		return nil
	}))
	require.NoError(t, err)
	assert.True(t, replayed)
	assert.Equal(t, first, id)
	close(release)
	require.Error(t, <-done)
	assert.Equal(t, map[uuid.UUID]int{first: 1}, created)
}

// Two Notifiers on two connections to one SQLite file, as two server
// processes: concurrent retries on both send once.
func TestIdempotencyKeyAcrossProcessesOnSQLite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "notify.db")
	open := func() *gormstore.Store {
		st, err := gormstore.OpenSQLite(ctx, path, gormstore.Options{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = st.Close() })
		return st
	}
	a, b := open(), open()
	f := newFixture(t, notify.Service{}, notifytest.WithConfig(func(c *notify.Config) { c.Store = a }))
	other := notifytest.New(t, notifytest.WithConfig(func(c *notify.Config) { c.Store = b })).Notifier
	team := f.keys[notify.KeyTypeTeam]
	const n = 8
	ids := make([]uuid.UUID, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			nf := f.env.Notifier
			if i%2 == 1 {
				nf = other
			}
			nt, err := nf.SendSMS(ctx, team, f.smsWithKey("two-processes", "Jo"))
			if err != nil {
				assert.ErrorIs(t, err, notify.ErrIdempotencyInFlight)
				return
			}
			ids[i] = nt.ID
		})
	}
	wg.Wait()
	stored := f.stored(t)
	require.Len(t, stored, 1)
	for _, id := range ids {
		if id != uuid.Nil {
			assert.Equal(t, stored[0].ID, id)
		}
	}
	nt, err := other.SendSMS(ctx, team, f.smsWithKey("two-processes", "Jo"))
	require.NoError(t, err)
	assert.Equal(t, stored[0].ID, nt.ID)
}
