package notify_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
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
	"github.com/notifykit/notify/provider/sandbox"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/store/memstore"
)

const (
	teamPhone   = "07700 900123"
	teamEmail   = "team@example.gov.uk"
	guestPhone  = "07700 900456"
	guestEmail  = "guest@example.gov.uk"
	strangerSMS = "07700 900789"
	strangerEm  = "stranger@example.com"
	trialMsg    = "Can’t send to this recipient when service is in trial mode – see https://www.notifications.service.gov.uk/trial-mode"
	teamMsg     = "Can’t send to this recipient using a team-only API key"
)

var ctx = context.Background()

type fixture struct {
	env   *notifytest.Env
	svc   *notify.Service
	keys  map[notify.KeyType]*notify.Caller
	sms   *notify.Template
	email *notify.Template
}

func newFixture(t *testing.T, svc notify.Service, opts ...notifytest.Option) *fixture {
	t.Helper()
	env := notifytest.New(t, opts...)
	f := &fixture{env: env, keys: map[notify.KeyType]*notify.Caller{}}
	f.svc = env.Service(t, svc)
	env.TeamMember(t, f.svc, teamEmail, teamPhone)
	env.Guest(t, f.svc, guestPhone)
	env.Guest(t, f.svc, guestEmail)
	for _, kt := range []notify.KeyType{notify.KeyTypeLive, notify.KeyTypeTeam, notify.KeyTypeSimulate} {
		f.keys[kt] = env.Key(t, f.svc, kt)
	}
	f.sms = env.Template(t, f.svc, notify.SMS, "", "Hello ((name))")
	f.email = env.Template(t, f.svc, notify.Email, "Hi ((name))", "Hello ((name))\nThis is an email")
	return f
}

func (f *fixture) sendSMS(kt notify.KeyType, to string) (*notify.Notification, error) {
	return f.env.Notifier.SendSMS(ctx, f.keys[kt], &notify.SMSRequest{PhoneNumber: to, TemplateID: f.sms.ID,
		Personalisation: map[string]any{"name": "Jo"}})
}

func (f *fixture) sendEmail(kt notify.KeyType, to string) (*notify.Notification, error) {
	return f.env.Notifier.SendEmail(ctx, f.keys[kt], &notify.EmailRequest{EmailAddress: to, TemplateID: f.email.ID,
		Personalisation: map[string]any{"name": "Jo"}})
}

func requireRefusal(t *testing.T, err error, status int, name, msg string) {
	t.Helper()
	require.Error(t, err)
	var e *notify.Error
	require.True(t, errors.As(err, &e), "want *notify.Error, got %T: %v", err, err)
	assert.Equal(t, status, e.Status)
	assert.Equal(t, name, e.Name)
	assert.Equal(t, msg, e.Message)
}

func TestWhoMayReceive(t *testing.T) {
	t.Parallel()
	type want struct {
		ok  bool
		msg string
	}
	recipients := []struct {
		name       string
		sms, email string
	}{
		{"team member", "+44 7700 900123", "TEAM@example.gov.uk"},
		{"guest", "07700900456", "guest@example.gov.uk"},
		{"stranger", strangerSMS, strangerEm},
	}
	cases := []struct {
		restricted bool
		kt         notify.KeyType
		want       map[string]want
	}{
		{true, notify.KeyTypeLive, map[string]want{"team member": {true, ""}, "guest": {true, ""}, "stranger": {false, trialMsg}}},
		{true, notify.KeyTypeTeam, map[string]want{"team member": {true, ""}, "guest": {true, ""}, "stranger": {false, teamMsg}}},
		{true, notify.KeyTypeSimulate, map[string]want{"team member": {true, ""}, "guest": {true, ""}, "stranger": {true, ""}}},
		{false, notify.KeyTypeLive, map[string]want{"team member": {true, ""}, "guest": {true, ""}, "stranger": {true, ""}}},
		{false, notify.KeyTypeTeam, map[string]want{"team member": {true, ""}, "guest": {true, ""}, "stranger": {false, teamMsg}}},
		{false, notify.KeyTypeSimulate, map[string]want{"team member": {true, ""}, "guest": {true, ""}, "stranger": {true, ""}}},
	}
	for _, c := range cases {
		mode := "live"
		if c.restricted {
			mode = "trial"
		}
		for _, r := range recipients {
			for _, typ := range []notify.NotificationType{notify.SMS, notify.Email} {
				t.Run(mode+"/"+string(c.kt)+"/"+r.name+"/"+string(typ), func(t *testing.T) {
					t.Parallel()
					f := newFixture(t, notify.Service{Restricted: c.restricted})
					var nt *notify.Notification
					var err error
					if typ == notify.SMS {
						nt, err = f.sendSMS(c.kt, r.sms)
					} else {
						nt, err = f.sendEmail(c.kt, r.email)
					}
					w := c.want[r.name]
					if !w.ok {
						requireRefusal(t, err, http.StatusBadRequest, notify.NameBadRequest, w.msg)
						assert.Equal(t, notify.FieldTo, notify.ErrorList(err)[0].Field)
						return
					}
					require.NoError(t, err)
					stored := f.env.Get(t, nt.ID)
					assert.Equal(t, c.kt, stored.KeyType)
					assert.Equal(t, notify.StatusCreated, stored.Status)
				})
			}
		}
	}
}

func TestSimulatedRecipientsAreNotStoredCountedOrQueued(t *testing.T) {
	t.Parallel()
	cases := []struct {
		typ notify.NotificationType
		to  string
	}{
		{notify.SMS, "07700 900000"}, {notify.SMS, "+447700900111"}, {notify.SMS, "07700900222"},
		{notify.Email, "simulate-delivered@notifications.service.gov.uk"},
		{notify.Email, "Simulate-Delivered-2@notifications.service.gov.uk"},
		{notify.Email, "simulate-delivered-3@notifications.service.gov.uk"},
	}
	for _, c := range cases {
		t.Run(c.to, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, notify.Service{Restricted: false, SMSMessageLimit: 1, EmailMessageLimit: 1})
			var nt *notify.Notification
			var err error
			for range 3 { // more than the limit: none is counted
				if c.typ == notify.SMS {
					nt, err = f.sendSMS(notify.KeyTypeLive, c.to)
				} else {
					nt, err = f.sendEmail(notify.KeyTypeLive, c.to)
				}
				require.NoError(t, err)
				assert.NotEqual(t, uuid.Nil, nt.ID)
				assert.Equal(t, "Hello Jo", strings.Split(nt.Body, "\n")[0])
			}
			_, err = f.env.Notifier.Get(ctx, f.keys[notify.KeyTypeLive], nt.ID)
			requireRefusal(t, err, http.StatusNotFound, notify.NameNoResultFound, "No result found")
			n, err := f.env.Store.CountNotifications(ctx, f.svc.ID, time.Now().Add(-time.Hour))
			require.NoError(t, err)
			assert.Zero(t, n)
			for _, q := range notify.DeliveryQueues {
				assert.Zero(t, f.env.Queue.Len(q), q)
			}
		})
	}
	t.Run("still checks trial mode", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, notify.Service{Restricted: true})
		_, err := f.sendSMS(notify.KeyTypeLive, "07700 900000")
		requireRefusal(t, err, http.StatusBadRequest, notify.NameBadRequest, trialMsg)
	})
}

func TestTotalDailyLimit(t *testing.T) {
	t.Parallel()
	// The seed's model: one total for every channel, trial services only.
	total := notifytest.WithConfig(func(c *notify.Config) { c.DailyLimitModel = notify.TotalDailyLimit })
	t.Run("exactly message_limit are accepted", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, notify.Service{Restricted: true, MessageLimit: 3}, total)
		for i := range 3 {
			_, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
			require.NoError(t, err, "send %d", i+1)
		}
		_, err := f.sendEmail(notify.KeyTypeTeam, teamEmail)
		requireRefusal(t, err, http.StatusTooManyRequests, notify.NameTooManyRequests, "Exceeded send limits (3) for today")
		// Simulate keys are neither checked nor counted.
		for range 5 {
			_, err := f.sendSMS(notify.KeyTypeSimulate, strangerSMS)
			require.NoError(t, err)
		}
	})
	t.Run("refused before the request is validated", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, notify.Service{Restricted: true, MessageLimit: 1}, total)
		_, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
		require.NoError(t, err)
		_, err = f.env.Notifier.SendJSON(ctx, f.keys[notify.KeyTypeLive], notify.SMS, []byte("not json"))
		requireRefusal(t, err, http.StatusTooManyRequests, notify.NameTooManyRequests, "Exceeded send limits (1) for today")
	})
	t.Run("refusals are not counted", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, notify.Service{Restricted: true, MessageLimit: 2}, total)
		for range 5 {
			_, err := f.sendSMS(notify.KeyTypeLive, strangerSMS)
			require.Error(t, err)
		}
		for range 2 {
			_, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
			require.NoError(t, err)
		}
	})
	t.Run("live services are not checked unless configured", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, notify.Service{Restricted: false, MessageLimit: 1}, total)
		for range 3 {
			_, err := f.sendSMS(notify.KeyTypeLive, strangerSMS)
			require.NoError(t, err)
		}
		g := newFixture(t, notify.Service{Restricted: false, MessageLimit: 1}, total,
			notifytest.WithConfig(func(c *notify.Config) { c.CheckLiveServiceLimits = true }))
		_, err := g.sendSMS(notify.KeyTypeLive, strangerSMS)
		require.NoError(t, err)
		_, err = g.sendSMS(notify.KeyTypeLive, strangerSMS)
		requireRefusal(t, err, http.StatusTooManyRequests, notify.NameTooManyRequests, "Exceeded send limits (1) for today")
	})
	t.Run("cache hit is used and incremented", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, notify.Service{Restricted: true, MessageLimit: 10}, total)
		key := notify.DailyLimitCacheKey(f.svc.ID, time.Now())
		_, err := f.sendSMS(notify.KeyTypeLive, teamPhone) // miss: counts 0, caches 0, then increments to 1
		require.NoError(t, err)
		v, err := f.env.Cache.Get(ctx, key)
		require.NoError(t, err)
		assert.EqualValues(t, 1, v)
		require.NoError(t, f.env.Cache.Set(ctx, key, 10, time.Hour))
		_, err = f.sendSMS(notify.KeyTypeLive, teamPhone)
		requireRefusal(t, err, http.StatusTooManyRequests, notify.NameTooManyRequests, "Exceeded send limits (10) for today")
	})
	t.Run("a failing cache never fails a request and the store enforces the limit", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, notify.Service{Restricted: true, MessageLimit: 2}, total,
			notifytest.WithConfig(func(c *notify.Config) { c.Cache = brokenCache{} }))
		for range 2 {
			_, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
			require.NoError(t, err)
		}
		_, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
		requireRefusal(t, err, http.StatusTooManyRequests, notify.NameTooManyRequests, "Exceeded send limits (2) for today")
	})
}

type brokenCache struct{}

var errCacheDown = errors.New("cache down")

func (brokenCache) Get(context.Context, string) (int64, error)              { return 0, errCacheDown }
func (brokenCache) Set(context.Context, string, int64, time.Duration) error { return errCacheDown }
func (brokenCache) Incr(context.Context, string) (int64, error)             { return 0, errCacheDown }

// withRealSMS gives the fixture a real-looking SMS provider that accepts
// everything and sends no receipts, so tests can apply receipts themselves
// (the sandbox applies its fake ones at once).
func withRealSMS(p *stuckProvider) notifytest.Option {
	return notifytest.WithConfig(func(c *notify.Config) { c.Providers = []notify.Provider{p} })
}

// failingQueue refuses every Enqueue until healed.
type failingQueue struct {
	notify.Queue
	healed atomic.Bool
}

func (q *failingQueue) Enqueue(ctx context.Context, name string, t notify.Task) error {
	if !q.healed.Load() {
		return errors.New("queue down")
	}
	return q.Queue.Enqueue(ctx, name, t)
}

func TestPersistFirstThenSweep(t *testing.T) {
	t.Parallel()
	now := time.Now()
	var clock atomic.Pointer[time.Time]
	clock.Store(&now)
	inner := memqueue.New(memqueue.Options{Backoff: func(int) time.Duration { return time.Millisecond }})
	t.Cleanup(func() { _ = inner.Close() })
	q := &failingQueue{Queue: inner}
	f := newFixture(t, notify.Service{Restricted: false}, notifytest.WithConfig(func(c *notify.Config) {
		c.Queue = q
		c.Clock = func() time.Time { return *clock.Load() }
		c.SweepAfter = time.Minute
	}))
	nt, err := f.sendSMS(notify.KeyTypeLive, strangerSMS)
	require.NoError(t, err, "a persisted notification is accepted even if queuing fails")
	assert.Equal(t, notify.StatusCreated, f.env.Get(t, nt.ID).Status)

	q.healed.Store(true)
	n, err := f.env.Notifier.Sweep(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "too young to sweep")

	later := now.Add(2 * time.Minute)
	clock.Store(&later)
	n, err = f.env.Notifier.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, 1, inner.Len(notify.QueueSendSMS))
	final := f.env.WaitFinal(t, nt.ID)[0]
	assert.Equal(t, notify.StatusDelivered, final.Status)
	assert.Len(t, f.env.Sandbox.SentTo("447700900789"), 1)
}

func TestDuplicateDeliveryJobsSendOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{})
	nt, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
	require.NoError(t, err)
	task := notify.Task{Name: notify.TaskDeliverSMS, NotificationID: nt.ID, Attempt: 1}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { assert.NoError(t, f.env.Notifier.Deliver(ctx, task)) })
	}
	wg.Wait()
	require.NoError(t, f.env.Notifier.Deliver(ctx, task))
	assert.Len(t, f.env.Sandbox.Sent(), 1)
	got := f.env.Get(t, nt.ID)
	assert.Equal(t, notify.StatusDelivered, got.Status, "sent once, then the sandbox's receipt")
	assert.Equal(t, notify.SandboxName, got.SentBy)
	assert.Equal(t, 1, got.BillableUnits)
	assert.NotNil(t, got.SentAt)
}

// stuckProvider accepts every message and never sends a receipt.
type stuckProvider struct{ calls atomic.Int32 }

func (p *stuckProvider) Name() string                  { return "stuck" }
func (p *stuckProvider) Type() notify.NotificationType { return notify.SMS }
func (p *stuckProvider) Send(ctx context.Context, m notify.Message) (string, error) {
	p.calls.Add(1)
	return "ref-" + m.NotificationID.String(), nil
}

func TestExpiredClaimIsTakenOver(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	var clock atomic.Pointer[time.Time]
	clock.Store(&now)
	p := &stuckProvider{}
	f := newFixture(t, notify.Service{}, notifytest.WithConfig(func(c *notify.Config) {
		c.Clock = func() time.Time { return *clock.Load() }
		c.Providers = []notify.Provider{p}
		c.ClaimLease = time.Minute
		c.SweepAfter = time.Minute
	}))
	nt, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
	require.NoError(t, err)
	// A worker claims it and dies before calling the provider.
	_, err = f.env.Store.ClaimNotification(ctx, nt.ID, now, now.Add(time.Minute))
	require.NoError(t, err)
	task := notify.Task{Name: notify.TaskDeliverSMS, NotificationID: nt.ID, Attempt: 1}
	require.NoError(t, f.env.Notifier.Deliver(ctx, task))
	assert.Zero(t, p.calls.Load(), "the lease is held: a duplicate task does nothing")
	n, err := f.env.Notifier.Sweep(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "the sweeper leaves leased notifications alone")

	later := now.Add(90 * time.Second)
	clock.Store(&later)
	n, err = f.env.Notifier.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "an expired lease is swept")
	require.NoError(t, f.env.Notifier.Deliver(ctx, task))
	assert.EqualValues(t, 1, p.calls.Load())
	got := f.env.Get(t, nt.ID)
	assert.Equal(t, notify.StatusSending, got.Status)
	assert.Equal(t, "stuck", got.SentBy)
	assert.Equal(t, "ref-"+nt.ID.String(), got.ProviderReference)
}

func TestReceipts(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{}, withRealSMS(&stuckProvider{}))
	nt, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
	require.NoError(t, err)
	require.NoError(t, f.env.Notifier.Deliver(ctx, notify.Task{NotificationID: nt.ID, Attempt: 1}))
	r := notify.Receipt{Provider: "stuck", NotificationID: nt.ID}
	r.Status = notify.StatusPending
	require.NoError(t, f.env.Notifier.ApplyReceipt(ctx, r))
	assert.Equal(t, notify.StatusPending, f.env.Get(t, nt.ID).Status)
	r.Status = notify.StatusDelivered
	require.NoError(t, f.env.Notifier.ApplyReceipt(ctx, r))
	got := f.env.Get(t, nt.ID)
	assert.Equal(t, notify.StatusDelivered, got.Status)
	assert.NotNil(t, got.UpdatedAt)
	// After a final status, receipts are ignored.
	r.Status = notify.StatusPermanentFailure
	require.NoError(t, f.env.Notifier.ApplyReceipt(ctx, r))
	assert.Equal(t, notify.StatusDelivered, f.env.Get(t, nt.ID).Status)
	// By provider reference.
	nt2, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
	require.NoError(t, err)
	require.NoError(t, f.env.Notifier.Deliver(ctx, notify.Task{NotificationID: nt2.ID, Attempt: 1}))
	sent := f.env.Get(t, nt2.ID)
	require.NoError(t, f.env.Notifier.ApplyReceipt(ctx, notify.Receipt{Provider: "stuck",
		ProviderReference: sent.ProviderReference, Status: notify.StatusTemporaryFailure}))
	assert.Equal(t, notify.StatusTemporaryFailure, f.env.Get(t, nt2.ID).Status)
	// Unknown notification.
	err = f.env.Notifier.ApplyReceipt(ctx, notify.Receipt{Provider: "mmg", NotificationID: uuid.New(), Status: notify.StatusDelivered})
	assert.ErrorIs(t, err, notify.ErrNotFound)
}

func TestSimulateKeyGetsFakeReceipts(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{Restricted: true})
	cases := []struct {
		typ  notify.NotificationType
		to   string
		want notify.Status
	}{
		{notify.SMS, "07700900003", notify.StatusTemporaryFailure},
		{notify.SMS, "07700900002", notify.StatusPermanentFailure},
		{notify.SMS, "07700900001", notify.StatusDelivered},
		{notify.Email, "temp-fail@simulator.notify", notify.StatusTemporaryFailure},
		{notify.Email, "perm-fail@simulator.notify", notify.StatusPermanentFailure},
		{notify.Email, "delivered@simulator.notify", notify.StatusDelivered},
	}
	var ids []uuid.UUID
	for _, c := range cases {
		var nt *notify.Notification
		var err error
		if c.typ == notify.SMS {
			nt, err = f.sendSMS(notify.KeyTypeSimulate, c.to)
		} else {
			nt, err = f.sendEmail(notify.KeyTypeSimulate, c.to)
		}
		require.NoError(t, err)
		assert.Equal(t, notify.QueueResearchMode, nt.Queue)
		ids = append(ids, nt.ID)
	}
	got := f.env.WaitFinal(t, ids...)
	for i, c := range cases {
		assert.Equal(t, c.want, got[i].Status, c.to)
		assert.Equal(t, notify.SandboxName, got[i].SentBy)
	}
	// Listed only to simulate keys.
	live, err := f.env.Notifier.List(ctx, f.keys[notify.KeyTypeLive], nil)
	require.NoError(t, err)
	assert.Empty(t, live)
	test, err := f.env.Notifier.List(ctx, f.keys[notify.KeyTypeSimulate], nil)
	require.NoError(t, err)
	assert.Len(t, test, len(cases))
}

func TestResearchModeServiceIsSimulated(t *testing.T) {
	t.Parallel()
	real := &stuckProvider{}
	f := newFixture(t, notify.Service{ResearchMode: true, Restricted: true, MessageLimit: 1},
		notifytest.WithConfig(func(c *notify.Config) { c.Providers = []notify.Provider{real} }))
	var ids []uuid.UUID
	for range 3 { // not counted against the limit
		nt, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
		require.NoError(t, err)
		assert.Equal(t, notify.QueueResearchMode, nt.Queue)
		ids = append(ids, nt.ID)
	}
	for _, n := range f.env.WaitFinal(t, ids...) {
		assert.Equal(t, notify.StatusDelivered, n.Status)
	}
	assert.Zero(t, real.calls.Load(), "research mode never reaches a real provider")
}

func TestProviderFailures(t *testing.T) {
	t.Parallel()
	t.Run("retryable failures are retried until delivered", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, notify.Service{}, notifytest.WithSandbox(sandbox.Options{FailRate: 0.5, Seed: 7}),
			notifytest.WithConfig(func(c *notify.Config) { c.MaxDeliveryAttempts = 20 }))
		var ids []uuid.UUID
		for range 20 {
			nt, err := f.sendSMS(notify.KeyTypeLive, strangerSMS)
			require.NoError(t, err)
			ids = append(ids, nt.ID)
		}
		for _, n := range f.env.WaitFinal(t, ids...) {
			assert.Equal(t, notify.StatusDelivered, n.Status)
		}
		assert.Len(t, f.env.Sandbox.Sent(), 20, "each is sent exactly once")
		assert.Greater(t, f.env.Sandbox.Attempts(), 20, "some were retried")
	})
	t.Run("permanent failure is technical-failure at once", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, notify.Service{}, notifytest.WithSandbox(sandbox.Options{
			FailPermanently: func(m notify.Message) bool { return true }}))
		nt, err := f.sendEmail(notify.KeyTypeLive, strangerEm)
		require.NoError(t, err)
		assert.Equal(t, notify.StatusTechnicalFailure, f.env.WaitFinal(t, nt.ID)[0].Status)
		assert.Equal(t, 1, f.env.Sandbox.Attempts())
	})
	t.Run("the last attempt gives technical-failure", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, notify.Service{}, notifytest.WithSandbox(sandbox.Options{FailRate: 1}),
			notifytest.WithConfig(func(c *notify.Config) { c.MaxDeliveryAttempts = 3 }))
		nt, err := f.sendSMS(notify.KeyTypeLive, strangerSMS)
		require.NoError(t, err)
		assert.Equal(t, notify.StatusTechnicalFailure, f.env.WaitFinal(t, nt.ID)[0].Status)
		assert.Equal(t, 3, f.env.Sandbox.Attempts())
	})
}

func TestSendRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{Permissions: []notify.Permission{notify.PermissionSMS}})
	live := f.keys[notify.KeyTypeLive]
	n := f.env.Notifier
	long := f.env.Template(t, f.svc, notify.SMS, "", strings.Repeat("a", 919))
	empty := f.env.Template(t, f.svc, notify.SMS, "", "((p))")
	cases := []struct {
		name   string
		req    *notify.SMSRequest
		status int
		ename  string
		msg    string
	}{
		{"unknown template", &notify.SMSRequest{PhoneNumber: teamPhone, TemplateID: uuid.New()}, 400, notify.NameBadRequest, "Template not found"},
		{"wrong template type", &notify.SMSRequest{PhoneNumber: teamPhone, TemplateID: f.email.ID}, 400, notify.NameBadRequest, "email template is not suitable for sms notification"},
		{"missing personalisation", &notify.SMSRequest{PhoneNumber: teamPhone, TemplateID: f.sms.ID}, 400, notify.NameBadRequest, "Missing personalisation: name"},
		{"null personalisation is missing", &notify.SMSRequest{PhoneNumber: teamPhone, TemplateID: f.sms.ID, Personalisation: map[string]any{"name": nil}}, 400, notify.NameBadRequest, "Missing personalisation: name"},
		{"empty message", &notify.SMSRequest{PhoneNumber: teamPhone, TemplateID: empty.ID, Personalisation: map[string]any{"p": ""}}, 400, notify.NameBadRequest, "Your message is empty."},
		{"too long", &notify.SMSRequest{PhoneNumber: teamPhone, TemplateID: long.ID}, 400, notify.NameBadRequest, "Your message is too long. Text messages cannot be longer than 918 characters. Your message is 919 characters long."},
		{"international without permission", &notify.SMSRequest{PhoneNumber: "+14158961600", TemplateID: f.sms.ID, Personalisation: map[string]any{"name": "x"}}, 400, notify.NameBadRequest, "Cannot send to international mobile numbers"},
		{"landline without permission", &notify.SMSRequest{PhoneNumber: "01709510122", TemplateID: f.sms.ID, Personalisation: map[string]any{"name": "x"}}, 400, notify.NameInvalidPhone, "Not a UK mobile number"},
		{"invalid number", &notify.SMSRequest{PhoneNumber: "08515111111", TemplateID: f.sms.ID}, 400, notify.NameValidation, "phone_number Number is not valid – double check the phone number you entered"},
		{"sender id", &notify.SMSRequest{PhoneNumber: teamPhone, TemplateID: f.sms.ID, Personalisation: map[string]any{"name": "x"}, SMSSenderID: &f.svc.ID}, 400, notify.NameBadRequest,
			"sms_sender_id " + f.svc.ID.String() + " does not exist in database for service id " + f.svc.ID.String()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := n.SendSMS(ctx, live, c.req)
			requireRefusal(t, err, c.status, c.ename, c.msg)
		})
	}
	t.Run("no email permission", func(t *testing.T) {
		_, err := f.sendEmail(notify.KeyTypeLive, teamEmail)
		requireRefusal(t, err, 400, notify.NameBadRequest, "Service is not allowed to send emails")
	})
	t.Run("team key to an international number is a team refusal first", func(t *testing.T) {
		g := newFixture(t, notify.Service{Permissions: []notify.Permission{notify.PermissionSMS, notify.PermissionInternationalSMS}})
		_, err := g.sendSMS(notify.KeyTypeTeam, "+3225484211")
		requireRefusal(t, err, 400, notify.NameBadRequest, teamMsg)
	})
	t.Run("nothing refused was stored", func(t *testing.T) {
		c, err := f.env.Store.CountNotifications(ctx, f.svc.ID, time.Now().Add(-time.Hour))
		require.NoError(t, err)
		assert.Zero(t, c)
	})
}

func TestSendStoresWhatTheAPINeeds(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{Name: "Passport Office", Permissions: []notify.Permission{
		notify.PermissionSMS, notify.PermissionEmail, notify.PermissionInternationalSMS, notify.PermissionUKLandlines}},
		withRealSMS(&stuckProvider{}))
	ref := "my-ref"
	nt, err := f.env.Notifier.SendSMS(ctx, f.keys[notify.KeyTypeLive], &notify.SMSRequest{
		PhoneNumber: "  +(44) 77009-00855\n", TemplateID: f.sms.ID, Reference: &ref,
		Personalisation: map[string]any{"NAME": "Jo"}})
	require.NoError(t, err)
	got := f.env.Get(t, nt.ID)
	assert.Equal(t, "+(44) 77009-00855", got.To)
	assert.Equal(t, "447700900855", got.NormalisedTo)
	assert.Equal(t, "Hello Jo", got.Body)
	assert.Equal(t, "notify", got.From)
	assert.Equal(t, &ref, got.ClientReference)
	assert.Equal(t, f.sms.Version, got.TemplateVersion)
	assert.Equal(t, notify.QueueSendSMS, got.Queue)

	em, err := f.sendEmail(notify.KeyTypeLive, " Someone@Example.COM ")
	require.NoError(t, err)
	got = f.env.Get(t, em.ID)
	assert.Equal(t, "Someone@Example.COM", got.To)
	assert.Equal(t, "someone@example.com", got.NormalisedTo)
	assert.Equal(t, "Hi Jo", got.Subject)
	assert.Equal(t, "passport.office@notifications.service.gov.uk", got.From)

	intl, err := f.sendSMS(notify.KeyTypeLive, "20-12-1234-1234")
	require.NoError(t, err)
	assert.True(t, intl.International)
	assert.Equal(t, "20", intl.PhonePrefix)
	require.NoError(t, f.env.Notifier.Deliver(ctx, notify.Task{Name: notify.TaskDeliverSMS, NotificationID: intl.ID, Attempt: 1}))
	assert.Equal(t, notify.StatusSent, f.env.Get(t, intl.ID).Status, "international SMS is sent, not sending")

	land, err := f.sendSMS(notify.KeyTypeLive, "01709510122")
	require.NoError(t, err)
	assert.Equal(t, "01709510122", land.To)
}

func TestTemplateVersionsAndPriority(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{})
	tpl := *f.sms
	nt1, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
	require.NoError(t, err)
	tpl.Content = "Bye ((name))"
	tpl.ProcessType = notify.ProcessPriority
	updated, err := f.env.Notifier.UpdateTemplate(ctx, tpl)
	require.NoError(t, err)
	assert.Equal(t, 2, updated.Version)
	nt2, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
	require.NoError(t, err)
	assert.Equal(t, 1, nt1.TemplateVersion)
	assert.Equal(t, 2, nt2.TemplateVersion)
	assert.Equal(t, "Bye Jo", nt2.Body)
	assert.Equal(t, notify.QueuePriority, nt2.Queue)
	v1, err := f.env.Notifier.TemplateVersion(ctx, f.keys[notify.KeyTypeLive], tpl.ID, 1)
	require.NoError(t, err)
	assert.Equal(t, "Hello ((name))", v1.Content)
	for _, n := range f.env.WaitFinal(t, nt1.ID, nt2.ID) {
		assert.Equal(t, notify.StatusDelivered, n.Status)
	}
}

func TestGetAndList(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{})
	other := newFixture(t, notify.Service{})
	nt, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
	require.NoError(t, err)
	got, err := f.env.Notifier.Get(ctx, f.keys[notify.KeyTypeTeam], nt.ID)
	require.NoError(t, err, "any key type of the service may read it")
	assert.Equal(t, nt.ID, got.ID)
	_, err = other.env.Notifier.Get(ctx, other.keys[notify.KeyTypeLive], nt.ID)
	requireRefusal(t, err, 404, notify.NameNoResultFound, "No result found")

	var ids []uuid.UUID
	for range 5 {
		n, err := f.sendEmail(notify.KeyTypeLive, teamEmail)
		require.NoError(t, err)
		ids = append(ids, n.ID)
	}
	_, err = f.sendEmail(notify.KeyTypeTeam, teamEmail)
	require.NoError(t, err)
	list, err := f.env.Notifier.List(ctx, f.keys[notify.KeyTypeLive], &notify.ListQuery{TemplateTypes: []notify.NotificationType{notify.Email}})
	require.NoError(t, err)
	require.Len(t, list, 5)
	assert.Equal(t, ids[4], list[0].ID, "newest first")
	older := list[1].ID
	page, err := f.env.Notifier.List(ctx, f.keys[notify.KeyTypeLive], &notify.ListQuery{OlderThan: &older})
	require.NoError(t, err)
	require.Len(t, page, 4, "3 emails and 1 sms older than the 4th email")
	team, err := f.env.Notifier.List(ctx, f.keys[notify.KeyTypeTeam], nil)
	require.NoError(t, err)
	assert.Len(t, team, 1)
}

func TestNewRequiresAStoreAndAQueue(t *testing.T) {
	t.Parallel()
	q := memqueue.New(memqueue.Options{})
	t.Cleanup(func() { _ = q.Close() })
	_, err := notify.New(notify.Config{Queue: q})
	require.ErrorContains(t, err, "notify: Config.Store is required: use memstore.New() for memory, gormstore.OpenPostgres or OpenSQLite for a database")
	_, err = notify.New(notify.Config{Store: memstore.New()})
	require.ErrorContains(t, err, "notify: Config.Queue is required: use memqueue.New(memqueue.Options{}) in a single process, redisqueue.New to share one between processes")
}

func TestNewDefaultsTheOptionalAdapters(t *testing.T) {
	t.Parallel()
	q := memqueue.New(memqueue.Options{})
	t.Cleanup(func() { _ = q.Close() })
	n, err := notify.New(notify.Config{Store: memstore.New(), Queue: q, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	svc, err := n.CreateService(ctx, notify.Service{Name: "Defaults", Restricted: true, SMSMessageLimit: 1})
	require.NoError(t, err)
	require.NoError(t, n.AddTeamMember(ctx, notify.TeamMember{ServiceID: svc.ID, MobileNumber: teamPhone}))
	key, err := n.CreateAPIKey(ctx, svc.ID, "k", notify.KeyTypeLive)
	require.NoError(t, err)
	tpl, err := n.CreateTemplate(ctx, notify.Template{ServiceID: svc.ID, Type: notify.SMS, Name: "t", Content: "Hi"})
	require.NoError(t, err)
	c := &notify.Caller{Service: svc, Key: key}
	nt, err := n.SendSMS(ctx, c, &notify.SMSRequest{PhoneNumber: teamPhone, TemplateID: tpl.ID})
	require.NoError(t, err)
	_, err = n.SendSMS(ctx, c, &notify.SMSRequest{PhoneNumber: teamPhone, TemplateID: tpl.ID})
	requireRefusal(t, err, http.StatusTooManyRequests, notify.NameTooManyRequests, "Exceeded send limits (sms: 1) for today")

	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- n.Run(runCtx) }()
	require.Eventually(t, func() bool {
		got, err := n.Get(ctx, c, nt.ID)
		return err == nil && got.Status == notify.StatusDelivered
	}, 10*time.Second, 5*time.Millisecond, "the built-in sandbox delivers")
	cancel()
	require.NoError(t, <-done)

	_, err = notify.New(notify.Config{Store: memstore.New(), Queue: q, ClaimLease: -time.Second})
	assert.Error(t, err, "negative durations are refused")
}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	q := memqueue.New(memqueue.Options{})
	t.Cleanup(func() { _ = q.Close() })
	base := func() notify.Config {
		return notify.Config{Store: memstore.New(), Queue: q, SecretKey: testSecretKey, Logger: slog.New(slog.DiscardHandler)}
	}
	tests := []struct {
		name string
		set  func(*notify.Config)
		want string
	}{
		{"DailyLimitCacheTTL", func(c *notify.Config) { c.DailyLimitCacheTTL = -time.Second }, "notify: Config.DailyLimitCacheTTL must not be negative"},
		{"DailyLimitModel", func(c *notify.Config) { c.DailyLimitModel = 7 }, "notify: Config.DailyLimitModel 7 is neither PerChannelDailyLimits nor TotalDailyLimit"},
		{"PageSize", func(c *notify.Config) { c.PageSize = -1 }, "notify: Config.PageSize must not be negative"},
		{"ClaimLease", func(c *notify.Config) { c.ClaimLease = -time.Second }, "notify: Config.ClaimLease must not be negative"},
		{"SweepAfter", func(c *notify.Config) { c.SweepAfter = -time.Second }, "notify: Config.SweepAfter must not be negative"},
		{"SweepBatch", func(c *notify.Config) { c.SweepBatch = -1 }, "notify: Config.SweepBatch must not be negative"},
		{"MaxDeliveryAttempts", func(c *notify.Config) { c.MaxDeliveryAttempts = -1 }, "notify: Config.MaxDeliveryAttempts must not be negative"},
		{"SendingTimeout", func(c *notify.Config) { c.SendingTimeout = -time.Hour }, "notify: Config.SendingTimeout must not be negative"},
		{"ErrorThreshold", func(c *notify.Config) { c.ProviderChoice.ErrorThreshold = -1 }, "notify: Config.ProviderChoice.ErrorThreshold must not be negative"},
		{"ErrorWindow", func(c *notify.Config) { c.ProviderChoice.ErrorWindow = -time.Second }, "notify: Config.ProviderChoice.ErrorWindow must not be negative"},
		{"Recovery", func(c *notify.Config) { c.ProviderChoice.Recovery = -time.Second }, "notify: Config.ProviderChoice.Recovery must not be negative"},
		{"nil provider", func(c *notify.Config) { c.Providers = []notify.Provider{nil} }, "notify: Config.Providers[0] is nil"},
		{"provider of no channel", func(c *notify.Config) { c.Providers = []notify.Provider{sandbox.New(sandbox.Options{})} },
			`notify: provider "sandbox": Type must be sms or email, not ""`},
		{"simulated number", func(c *notify.Config) { c.SimulatedNumbers = []string{"not a number"} }, `notify: Config.SimulatedNumbers: "not a number"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := base()
			tc.set(&cfg)
			_, err := notify.New(cfg)
			require.ErrorContains(t, err, tc.want)
		})
	}

	_, err := notify.New(notify.Config{PageSize: -1, SweepBatch: -1})
	require.Error(t, err)
	for _, want := range []string{"Config.Store is required", "Config.Queue is required", "Config.PageSize", "Config.SweepBatch"} {
		assert.ErrorContains(t, err, want, "every problem is reported at once")
	}

	n, err := notify.New(base())
	require.NoError(t, err)
	assert.Equal(t, notify.DefaultPageSize, n.PageSize(), "zero takes the default")
}

func TestDevelopmentSecretKeyIsSharedThroughTheStore(t *testing.T) {
	t.Parallel()
	store := memstore.New()
	q := memqueue.New(memqueue.Options{})
	t.Cleanup(func() { _ = q.Close() })
	a, err := notify.New(notify.Config{Store: store, Queue: q, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	b, err := notify.New(notify.Config{Store: store, Queue: q, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	svc, err := a.CreateService(ctx, notify.Service{Name: "S"})
	require.NoError(t, err)
	key, err := a.CreateAPIKey(ctx, svc.ID, "k", notify.KeyTypeLive)
	require.NoError(t, err)
	token, err := notify.NewToken(svc.ID, key.Secret, time.Now())
	require.NoError(t, err)
	c, err := b.Authenticate(ctx, "Bearer "+token)
	require.NoError(t, err, "a second process decrypts secrets sealed by the first")
	assert.Equal(t, key.ID, c.Key.ID)
	keys, err := store.ListAPIKeys(ctx, svc.ID)
	require.NoError(t, err)
	assert.NotContains(t, string(keys[0].EncryptedSecret), key.Secret, "secrets are encrypted at rest")
	assert.Empty(t, keys[0].Secret)
}

func TestFiretextFailureWhilePendingIsTemporary(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{}, withRealSMS(&stuckProvider{}))
	send := func() uuid.UUID {
		nt, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
		require.NoError(t, err)
		require.NoError(t, f.env.Notifier.Deliver(ctx, notify.Task{NotificationID: nt.ID, Attempt: 1}))
		return nt.ID
	}
	pending := send()
	require.NoError(t, f.env.Notifier.ApplyReceipt(ctx, notify.Receipt{Provider: "stuck", NotificationID: pending, Status: notify.StatusPending}))
	require.NoError(t, f.env.Notifier.ApplyReceipt(ctx, notify.Receipt{Provider: "stuck", NotificationID: pending,
		Status: notify.StatusPermanentFailure, TemporaryIfPending: true}))
	assert.Equal(t, notify.StatusTemporaryFailure, f.env.Get(t, pending).Status)

	sending := send()
	require.NoError(t, f.env.Notifier.ApplyReceipt(ctx, notify.Receipt{Provider: "stuck", NotificationID: sending,
		Status: notify.StatusPermanentFailure, TemporaryIfPending: true}))
	assert.Equal(t, notify.StatusPermanentFailure, f.env.Get(t, sending).Status, "only a pending notification is softened")
}

// downProvider fails every send retryably.
type downProvider struct{ calls atomic.Int32 }

func (p *downProvider) Name() string                  { return "down" }
func (p *downProvider) Type() notify.NotificationType { return notify.SMS }
func (p *downProvider) Send(context.Context, notify.Message) (string, error) {
	p.calls.Add(1)
	return "", errors.New("503 service unavailable")
}

func TestProviderFailoverWithinOneAttempt(t *testing.T) {
	t.Parallel()
	down, up := &downProvider{}, &stuckProvider{}
	f := newFixture(t, notify.Service{}, notifytest.WithConfig(func(c *notify.Config) {
		c.Providers = []notify.Provider{down, up}
		// The failing provider is by far the likelier choice, so it fails
		// often enough to be lowered whatever the random draws.
		c.ProviderChoice = notify.ProviderChoice{ErrorThreshold: 5, Priorities: map[string]int{"down": 100, "stuck": 10}}
	}))
	for range 20 {
		nt, err := f.sendSMS(notify.KeyTypeLive, strangerSMS)
		require.NoError(t, err)
		require.NoError(t, f.env.Notifier.Deliver(ctx, notify.Task{Name: notify.TaskDeliverSMS, NotificationID: nt.ID, Attempt: 1}))
		got := f.env.Get(t, nt.ID)
		assert.Equal(t, notify.StatusSending, got.Status, "delivered on the first attempt")
		assert.Equal(t, "stuck", got.SentBy)
	}
	assert.EqualValues(t, 20, up.calls.Load())
	assert.Positive(t, down.calls.Load())
	prio := f.env.Notifier.ProviderPriorities(notify.SMS)
	assert.Less(t, prio["down"], 100.0, "errors lowered the failing provider's priority")
	assert.Equal(t, 10.0, prio["stuck"])
}

func TestDailyLimitIsExactUnderConcurrency(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{Restricted: true, MessageLimit: 50})
	var wg sync.WaitGroup
	var accepted, refused atomic.Int32
	for range 200 {
		wg.Go(func() {
			_, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
			switch {
			case err == nil:
				accepted.Add(1)
			case notify.StatusOf(err) == http.StatusTooManyRequests:
				refused.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	assert.EqualValues(t, 50, accepted.Load(), "exactly message_limit accepted")
	assert.EqualValues(t, 150, refused.Load())
	n, err := f.env.Store.CountNotifications(ctx, f.svc.ID, time.Now().Add(-time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 50, n)
}

func TestQueuedSandboxReceiptIsApplied(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{})
	nt, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
	require.NoError(t, err)
	_, err = f.env.Store.TransitionNotification(ctx, nt.ID, []notify.Status{notify.StatusCreated},
		notify.NotificationUpdate{Status: notify.StatusSending, SentBy: notify.SandboxName, UpdatedAt: time.Now()})
	require.NoError(t, err)
	task := notify.Task{Name: notify.TaskSandboxReceipt, NotificationID: nt.ID,
		Payload: []byte(`{"provider":"sandbox","status":"permanent-failure"}`), Attempt: 1}
	require.NoError(t, f.env.Notifier.Handle(ctx, task))
	assert.Equal(t, notify.StatusPermanentFailure, f.env.Get(t, nt.ID).Status)
	err = f.env.Notifier.Handle(ctx, notify.Task{Name: notify.TaskSandboxReceipt, NotificationID: nt.ID, Payload: []byte("{")})
	assert.True(t, notify.IsPermanent(err), "an unreadable payload is not retried")
	err = f.env.Notifier.Handle(ctx, notify.Task{Name: "no_such_task"})
	assert.True(t, notify.IsPermanent(err))
}

func TestSweepRecoversLostSandboxReceiptsAndTimesOutSilentOnes(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	var clock atomic.Pointer[time.Time]
	clock.Store(&now)
	real := &stuckProvider{}
	f := newFixture(t, notify.Service{}, withRealSMS(real), notifytest.WithConfig(func(c *notify.Config) {
		c.Clock = func() time.Time { return *clock.Load() }
		c.SweepAfter = time.Minute
	}))
	// A simulate-key notification whose worker died after recording the
	// send: sending, sent by the sandbox, no receipt.
	sim, err := f.sendSMS(notify.KeyTypeSimulate, "07700900002")
	require.NoError(t, err)
	sentAt := now
	_, err = f.env.Store.TransitionNotification(ctx, sim.ID, []notify.Status{notify.StatusCreated},
		notify.NotificationUpdate{Status: notify.StatusSending, SentBy: notify.SandboxName, SentAt: &sentAt, UpdatedAt: now})
	require.NoError(t, err)
	// A real provider's notification that never gets a receipt.
	live, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
	require.NoError(t, err)
	require.NoError(t, f.env.Notifier.Deliver(ctx, notify.Task{NotificationID: live.ID, Attempt: 1}))

	_, err = f.env.Notifier.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, notify.StatusSending, f.env.Get(t, sim.ID).Status, "too early")

	later := now.Add(2 * time.Minute)
	clock.Store(&later)
	_, err = f.env.Notifier.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, notify.StatusPermanentFailure, f.env.Get(t, sim.ID).Status, "the lost fake receipt is applied again")
	assert.Equal(t, notify.StatusSending, f.env.Get(t, live.ID).Status, "a real provider's receipt may still come")

	muchLater := now.Add(73 * time.Hour)
	clock.Store(&muchLater)
	_, err = f.env.Notifier.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, notify.StatusTemporaryFailure, f.env.Get(t, live.ID).Status, "no receipt within 3 days")
}

// acceptingProvider accepts every message, then runs after (if set) before
// returning, to model what happens around the provider's answer.
type acceptingProvider struct {
	calls atomic.Int32
	after func()
	block bool
}

func (p *acceptingProvider) Name() string                  { return "accepting" }
func (p *acceptingProvider) Type() notify.NotificationType { return notify.SMS }
func (p *acceptingProvider) Send(ctx context.Context, m notify.Message) (string, error) {
	p.calls.Add(1)
	if p.block {
		<-ctx.Done()
		return "", ctx.Err()
	}
	if p.after != nil {
		p.after()
	}
	return "ref-" + m.NotificationID.String(), nil
}

func TestSendIsRecordedEvenIfTheWorkerIsStopping(t *testing.T) {
	t.Parallel()
	workCtx, stop := context.WithCancel(ctx)
	p := &acceptingProvider{after: stop} // shutdown arrives while the provider answers
	f := newFixture(t, notify.Service{}, notifytest.WithConfig(func(c *notify.Config) { c.Providers = []notify.Provider{p} }))
	nt, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
	require.NoError(t, err)
	require.NoError(t, f.env.Notifier.Deliver(workCtx, notify.Task{NotificationID: nt.ID, Attempt: 1}))
	got := f.env.Get(t, nt.ID)
	assert.Equal(t, notify.StatusSending, got.Status, "recorded despite the cancelled context: no second send later")
	assert.Equal(t, "ref-"+nt.ID.String(), got.ProviderReference)
}

func TestReceiptBeforeTheSendIsRecordedWaitsForIt(t *testing.T) {
	t.Parallel()
	var f *fixture
	var id uuid.UUID
	p := &acceptingProvider{}
	p.after = func() { // the provider's receipt overtakes the worker
		err := f.env.Notifier.ApplyReceipt(ctx, notify.Receipt{Provider: "accepting", NotificationID: id, Status: notify.StatusDelivered})
		require.ErrorIs(t, err, notify.ErrNotSentYet, "refused, for the provider to send again")
	}
	f = newFixture(t, notify.Service{}, notifytest.WithConfig(func(c *notify.Config) { c.Providers = []notify.Provider{p} }))
	nt, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
	require.NoError(t, err)
	id = nt.ID
	require.NoError(t, f.env.Notifier.Deliver(ctx, notify.Task{NotificationID: nt.ID, Attempt: 1}))
	got := f.env.Get(t, nt.ID)
	assert.Equal(t, notify.StatusSending, got.Status, "the early receipt changed nothing")
	require.NoError(t, f.env.Notifier.ApplyReceipt(ctx, notify.Receipt{Provider: "accepting", NotificationID: id, Status: notify.StatusDelivered}))
	got = f.env.Get(t, nt.ID)
	assert.Equal(t, notify.StatusDelivered, got.Status, "the receipt sent again applies")
	assert.Equal(t, "accepting", got.SentBy)
	assert.NotNil(t, got.SentAt)
	assert.Equal(t, 1, got.BillableUnits)
	assert.Equal(t, "ref-"+nt.ID.String(), got.ProviderReference)
}

func TestProviderCallsEndBeforeTheLease(t *testing.T) {
	t.Parallel()
	p := &acceptingProvider{block: true} // hangs until its context ends
	f := newFixture(t, notify.Service{}, notifytest.WithConfig(func(c *notify.Config) {
		c.Providers = []notify.Provider{p}
		c.ClaimLease = 300 * time.Millisecond
	}))
	nt, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
	require.NoError(t, err)
	start := time.Now()
	err = f.env.Notifier.Deliver(ctx, notify.Task{NotificationID: nt.ID, Attempt: 1})
	require.Error(t, err, "a hanging provider is a retryable failure")
	assert.False(t, notify.IsPermanent(err))
	assert.Less(t, time.Since(start), 300*time.Millisecond, "given up before the lease expired")
	assert.Equal(t, notify.StatusCreated, f.env.Get(t, nt.ID).Status)
}

func TestRunStopsWhenAConsumerStops(t *testing.T) {
	t.Parallel()
	q := memqueue.New(memqueue.Options{})
	n, err := notify.New(notify.Config{Store: memstore.New(), Queue: q, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	time.Sleep(50 * time.Millisecond)
	require.NoError(t, q.Close())
	select {
	case err := <-done:
		require.Error(t, err, "a queue that stops being consumed is reported")
	case <-time.After(10 * time.Second):
		t.Fatal("Run kept going without its consumers")
	}
}

func TestAttemptsAreCountedPerNotificationNotPerTask(t *testing.T) {
	t.Parallel()
	// The queue gives up after 2 tries, the Notifier after 4 attempts: the
	// sweeper's tasks carry on the same budget and the notification ends
	// technical-failure after exactly 4 provider calls.
	now := time.Now().UTC()
	var clock atomic.Pointer[time.Time]
	clock.Store(&now)
	q := memqueue.New(memqueue.Options{MaxAttempts: 2, Backoff: func(int) time.Duration { return time.Millisecond }})
	t.Cleanup(func() { _ = q.Close() })
	f := newFixture(t, notify.Service{}, notifytest.WithSandbox(sandbox.Options{FailRate: 1}),
		notifytest.WithConfig(func(c *notify.Config) {
			c.Queue = q
			c.MaxDeliveryAttempts = 4
			c.Clock = func() time.Time { return *clock.Load() }
		}))
	nt, err := f.sendSMS(notify.KeyTypeLive, strangerSMS)
	require.NoError(t, err)
	handle := func() {
		for q.Len(notify.QueueSendSMS) > 0 {
			runCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
			_ = q.Consume(runCtx, notify.QueueSendSMS, f.env.Notifier.Handle)
			cancel()
		}
	}
	for step := 1; step <= 5 && !f.env.Get(t, nt.ID).Status.Final(); step++ {
		handle()
		later := clock.Load().Add(2 * time.Minute)
		clock.Store(&later)
		_, err := f.env.Notifier.Sweep(ctx)
		require.NoError(t, err)
	}
	got := f.env.Get(t, nt.ID)
	assert.Equal(t, notify.StatusTechnicalFailure, got.Status)
	assert.Equal(t, 4, got.DeliveryAttempts)
	assert.Equal(t, 4, f.env.Sandbox.Attempts(), "one budget for every task")
}

func TestResearchModeSendsNeverCountTowardsTheLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{ResearchMode: true, Restricted: true, SMSMessageLimit: 2},
		notifytest.WithConfig(func(c *notify.Config) { c.Cache = nil })) // no cache: count from the Store
	for range 3 {
		_, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
		require.NoError(t, err)
	}
	svc, err := f.env.Store.GetService(ctx, f.svc.ID)
	require.NoError(t, err)
	svc.ResearchMode = false
	require.NoError(t, f.env.Store.UpdateService(ctx, svc))
	live := &notify.Caller{Service: svc, Key: f.keys[notify.KeyTypeLive].Key}
	for range 2 {
		_, err := f.env.Notifier.SendSMS(ctx, live, &notify.SMSRequest{PhoneNumber: teamPhone, TemplateID: f.sms.ID,
			Personalisation: map[string]any{"name": "Jo"}})
		require.NoError(t, err, "research-mode sends of the day are not counted")
	}
	_, err = f.env.Notifier.SendSMS(ctx, live, &notify.SMSRequest{PhoneNumber: teamPhone, TemplateID: f.sms.ID,
		Personalisation: map[string]any{"name": "Jo"}})
	requireRefusal(t, err, http.StatusTooManyRequests, notify.NameTooManyRequests, "Exceeded send limits (sms: 2) for today")
}

func TestTypedRequestsFollowTheScheduledForWindow(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{})
	send := func(at time.Time) error {
		_, err := f.env.Notifier.SendSMS(ctx, f.keys[notify.KeyTypeLive], &notify.SMSRequest{PhoneNumber: teamPhone,
			TemplateID: f.sms.ID, Personalisation: map[string]any{"name": "Jo"}, ScheduledFor: &at})
		return err
	}
	requireRefusal(t, send(time.Now().Add(-time.Second)), 400, notify.NameValidation, "scheduled_for datetime can not be in the past")
	requireRefusal(t, send(time.Now().Add(25*time.Hour)), 400, notify.NameValidation, "scheduled_for datetime can only be 24 hours in the future")
	require.NoError(t, send(time.Now().Add(time.Hour)))
}
