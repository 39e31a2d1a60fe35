package notify_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
	"github.com/notifykit/notify/queue/redisqueue"
	"github.com/notifykit/notify/stats/instrument"
	"github.com/notifykit/notify/store/gormstore"
	"github.com/notifykit/notify/store/memstore"
)

// chanBatchQueue is a small in-process queue with the BatchConsumer ability:
// each named queue is a channel that four handler calls serve; a failed task comes back after a few
// milliseconds with its attempt counted, one that failed permanently is
// dropped. It records the size of every batch it hands over.
type chanBatchQueue struct {
	mu      sync.Mutex
	queues  map[string]chan notify.Task
	batches []int
}

var (
	_ notify.Queue         = (*chanBatchQueue)(nil)
	_ notify.BatchConsumer = (*chanBatchQueue)(nil)
)

func newChanBatchQueue() *chanBatchQueue {
	return &chanBatchQueue{queues: map[string]chan notify.Task{}}
}

func (q *chanBatchQueue) ch(name string) chan notify.Task {
	q.mu.Lock()
	defer q.mu.Unlock()
	c, ok := q.queues[name]
	if !ok {
		c = make(chan notify.Task, 100_000)
		q.queues[name] = c
	}
	return c
}

// Enqueue adds t to the named queue as its first attempt.
func (q *chanBatchQueue) Enqueue(ctx context.Context, name string, t notify.Task) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t.Attempt = 1
	q.ch(name) <- t
	return nil
}

// Consume hands tasks over one at a time.
func (q *chanBatchQueue) Consume(ctx context.Context, name string, h notify.Handler) error {
	return q.ConsumeBatch(ctx, name, 1, func(ctx context.Context, ts []notify.Task) []error {
		return []error{h(ctx, ts[0])}
	})
}

// ConsumeBatch hands over what is waiting, up to size tasks a call, to
// four handler calls at once.
func (q *chanBatchQueue) ConsumeBatch(ctx context.Context, name string, size int, h notify.BatchHandler) error {
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { q.serve(ctx, q.ch(name), size, h) })
	}
	wg.Wait()
	return nil
}

// serve runs h on batches from c until ctx is done.
func (q *chanBatchQueue) serve(ctx context.Context, c chan notify.Task, size int, h notify.BatchHandler) {
	for {
		var batch []notify.Task
		select {
		case <-ctx.Done():
			return
		case t := <-c:
			batch = append(batch, t)
		}
	fill:
		for len(batch) < size {
			select {
			case t := <-c:
				batch = append(batch, t)
			default:
				break fill
			}
		}
		q.mu.Lock()
		q.batches = append(q.batches, len(batch))
		q.mu.Unlock()
		for i, err := range h(ctx, batch) {
			if err != nil && !notify.IsPermanent(err) {
				t := batch[i]
				t.Attempt++
				time.AfterFunc(5*time.Millisecond, func() { c <- t })
			}
		}
	}
}

// largestBatch returns the size of the largest batch handed over.
func (q *chanBatchQueue) largestBatch() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	largest := 0
	for _, n := range q.batches {
		largest = max(largest, n)
	}
	return largest
}

// deliveryStats counts every metric it receives.
type deliveryStats struct {
	mu     sync.Mutex
	counts map[string]int
}

func newDeliveryStats() *deliveryStats { return &deliveryStats{counts: map[string]int{}} }

func (s *deliveryStats) Incr(name string) {
	s.mu.Lock()
	s.counts[name]++
	s.mu.Unlock()
}

func (s *deliveryStats) Timing(string, time.Duration) {}

func (s *deliveryStats) count(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[name]
}

// deliverySQLite opens a gormstore on a fresh SQLite file, closed when the
// test ends.
func deliverySQLite(t testing.TB) *gormstore.Store {
	t.Helper()
	st, err := gormstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "notify.db"), gormstore.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// withStoreAndQueue gives a fixture its store and queue.
func withStoreAndQueue(s notify.Store, q notify.Queue) notifytest.Option {
	return notifytest.WithConfig(func(c *notify.Config) { c.Store, c.Queue = s, q })
}

// sendMany sends count SMS to strangers of an unrestricted service and
// returns their ids.
func (f *fixture) sendMany(t *testing.T, count int, to func(i int) string) []uuid.UUID {
	t.Helper()
	ids := make([]uuid.UUID, count)
	for i := range ids {
		nt, err := f.env.Notifier.SendSMS(ctx, f.keys[notify.KeyTypeLive], &notify.SMSRequest{PhoneNumber: to(i), TemplateID: f.sms.ID,
			Personalisation: map[string]any{"name": "Jo"}})
		require.NoError(t, err)
		ids[i] = nt.ID
	}
	return ids
}

// waitAll starts the workers and waits until done holds for every
// notification of ids (a minute at most: SQLite is slow under the race
// detector), then returns them.
func (f *fixture) waitAll(t *testing.T, ids []uuid.UUID, done func(*notify.Notification) bool) []*notify.Notification {
	t.Helper()
	f.env.Start()
	got := make([]*notify.Notification, len(ids))
	deadline := time.Now().Add(time.Minute)
	for i, id := range ids {
		for got[i] = f.env.Get(t, id); !done(got[i]); got[i] = f.env.Get(t, id) {
			require.True(t, time.Now().Before(deadline), "notification %s still %s after a minute", id, got[i].Status)
			time.Sleep(5 * time.Millisecond)
		}
	}
	return got
}

func TestBatchDeliveryThroughTheSandbox(t *testing.T) {
	t.Parallel()
	mr := miniredis.RunT(t)
	client := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	q := redisqueue.New(client, redisqueue.Options{Logger: slog.New(slog.DiscardHandler), Block: 50 * time.Millisecond})
	t.Cleanup(func() { _ = q.Close() })
	stats := newDeliveryStats()
	f := newFixture(t, notify.Service{Restricted: false}, withStoreAndQueue(deliverySQLite(t), q),
		notifytest.WithConfig(func(c *notify.Config) {
			c.Stats = instrument.Prefix(stats, instrument.DefaultPrefix)
			c.Store = instrument.Store(c.Store, c.Stats)
			c.Queue = instrument.Queue(c.Queue, c.Stats)
		}))

	const total = 500
	ids := f.sendMany(t, total, func(i int) string { return fmt.Sprintf("07723 4%05d", i) })
	for _, nt := range f.waitAll(t, ids, func(nt *notify.Notification) bool { return nt.Status.Final() }) {
		assert.Equal(t, notify.StatusDelivered, nt.Status)
		assert.Equal(t, notify.SandboxName, nt.SentBy)
		assert.Equal(t, 1, nt.BillableUnits)
		assert.NotEmpty(t, nt.ProviderReference)
		assert.Equal(t, 1, nt.DeliveryAttempts)
	}
	assert.Len(t, f.env.Sandbox.Sent(), total, "each notification sent once")
	const p = instrument.DefaultPrefix
	assert.Equal(t, total, stats.count(p+"callback.sandbox.delivered"), "one receipt metric per notification")
	assert.Equal(t, total, stats.count(p+"tasks.deliver_sms"), "one task metric per task")
	assert.Positive(t, stats.count(p+"dao.claim_notifications"), "claims made in batches")
	assert.Less(t, stats.count(p+"dao.claim_notifications")+stats.count(p+"dao.claim_notification"), total/2,
		"batches of more than two on average")
	assert.Positive(t, stats.count(p+"dao.transition_notifications"))
}

// pickyProvider is a real SMS provider that refuses some recipients: those
// ending in 1 retryably, those ending in 2 permanently. It sends no
// receipts.
type pickyProvider struct {
	mu    sync.Mutex
	calls map[string]int
}

func (p *pickyProvider) Name() string                  { return "picky" }
func (p *pickyProvider) Type() notify.NotificationType { return notify.SMS }
func (p *pickyProvider) Send(ctx context.Context, m notify.Message) (string, error) {
	p.mu.Lock()
	p.calls[m.To]++
	p.mu.Unlock()
	switch {
	case strings.HasSuffix(m.To, "1"):
		return "", errors.New("503 service unavailable")
	case strings.HasSuffix(m.To, "2"):
		return "", notify.Permanent(errors.New("400 invalid recipient"))
	}
	return "ref-" + m.NotificationID.String(), nil
}

func (p *pickyProvider) callsTo(to string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[to]
}

func TestBatchDeliveryFailsOnlyTheFailingSends(t *testing.T) {
	t.Parallel()
	p := &pickyProvider{calls: map[string]int{}}
	q := newChanBatchQueue()
	f := newFixture(t, notify.Service{Restricted: false}, withStoreAndQueue(deliverySQLite(t), q),
		notifytest.WithConfig(func(c *notify.Config) {
			c.Providers = []notify.Provider{p}
			c.MaxDeliveryAttempts = 3
		}))
	// Enqueued before the workers start, so that they come in batches.
	const total = 30
	to := func(i int) string { return fmt.Sprintf("+4477234%05d", i) }
	ids := f.sendMany(t, total, to)
	got := f.waitAll(t, ids, func(nt *notify.Notification) bool { return nt.Status != notify.StatusCreated })
	for i, nt := range got {
		recipient := strings.TrimPrefix(to(i), "+")
		switch i % 10 {
		case 1:
			assert.Equal(t, notify.StatusTechnicalFailure, nt.Status, "retried, then failed for good")
			assert.Equal(t, 3, nt.DeliveryAttempts)
			assert.Equal(t, 3, p.callsTo(recipient), "one call per attempt")
		case 2:
			assert.Equal(t, notify.StatusTechnicalFailure, nt.Status, "failed for good at once")
			assert.Equal(t, 1, p.callsTo(recipient))
		default:
			assert.Equal(t, notify.StatusSending, nt.Status, "its neighbours' failures do not touch it")
			assert.Equal(t, "picky", nt.SentBy)
			assert.Equal(t, "ref-"+nt.ID.String(), nt.ProviderReference)
			assert.Equal(t, 1, nt.DeliveryAttempts)
			assert.Equal(t, 1, p.callsTo(recipient), "sent once")
		}
	}
	assert.Greater(t, q.largestBatch(), 1, "delivered in batches")
}

func TestBatchDeliveryAcknowledgesWhatIsClaimedElsewhere(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		store func(t *testing.T) notify.Store
	}{
		{"batch store", func(t *testing.T) notify.Store { return deliverySQLite(t) }},
		{"store without batches", func(*testing.T) notify.Store { return memstore.New() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := &stuckProvider{}
			f := newFixture(t, notify.Service{Restricted: false}, withStoreAndQueue(tc.store(t), discardQueue{}),
				notifytest.WithConfig(func(c *notify.Config) { c.Providers = []notify.Provider{p} }))
			ids := f.sendMany(t, 5, func(i int) string { return fmt.Sprintf("07723 40000%d", i) })
			now := time.Now()
			// Another worker holds the first two.
			for _, id := range ids[:2] {
				_, err := f.env.Notifier.Store().ClaimNotification(ctx, id, now, now.Add(time.Minute))
				require.NoError(t, err)
			}
			var tasks []notify.Task
			for _, id := range append(ids, ids[4], uuid.New()) { // a duplicate task and an unknown notification
				tasks = append(tasks, notify.Task{Name: notify.TaskDeliverSMS, NotificationID: id, Attempt: 1})
			}
			errs := f.env.Notifier.DeliverBatch(ctx, tasks)
			require.Len(t, errs, len(tasks))
			for i, err := range errs {
				assert.NoError(t, err, "task %d is acknowledged", i)
			}
			assert.EqualValues(t, 3, p.calls.Load(), "only the unclaimed notifications are sent, once each")
			for i, id := range ids {
				got := f.env.Get(t, id)
				if i < 2 {
					assert.Equal(t, notify.StatusCreated, got.Status, "left to the worker holding it")
					assert.NotNil(t, got.ClaimedUntil)
					continue
				}
				assert.Equal(t, notify.StatusSending, got.Status)
			}
		})
	}
}

func TestBatchedSendsAreRecordedEvenIfTheWorkerIsStopping(t *testing.T) {
	t.Parallel()
	workCtx, stop := context.WithCancel(ctx)
	var once sync.Once
	p := &acceptingProvider{after: func() { once.Do(stop) }} // shutdown arrives while the provider answers
	f := newFixture(t, notify.Service{Restricted: false}, withStoreAndQueue(deliverySQLite(t), discardQueue{}),
		notifytest.WithConfig(func(c *notify.Config) {
			c.Providers = []notify.Provider{p}
			c.DeliveryConcurrency = 1 // one call at a time: the others see the shutdown
		}))
	ids := f.sendMany(t, 4, func(i int) string { return fmt.Sprintf("07723 40000%d", i) })
	var tasks []notify.Task
	for _, id := range ids {
		tasks = append(tasks, notify.Task{Name: notify.TaskDeliverSMS, NotificationID: id, Attempt: 1})
	}
	errs := f.env.Notifier.DeliverBatch(workCtx, tasks)
	accepted := 0
	for i, id := range ids {
		got := f.env.Get(t, id)
		if errs[i] == nil {
			accepted++
			assert.Equal(t, notify.StatusSending, got.Status, "recorded despite the cancelled context: no second send later")
			assert.Equal(t, "ref-"+id.String(), got.ProviderReference)
			continue
		}
		assert.False(t, notify.IsPermanent(errs[i]), "an interrupted send is retried")
		assert.Equal(t, notify.StatusCreated, got.Status)
	}
	assert.Positive(t, accepted)
	assert.EqualValues(t, accepted, p.calls.Load(), "every send the provider accepted is recorded")
}

// hangingProvider hangs until its context ends and records when the last
// call returned.
// hangingProvider never answers: it waits for its context to end. For every
// call it records how far before the notification's lease the context's
// deadline falls, read from the store while the call is in flight.
type hangingProvider struct {
	lease func(id uuid.UUID) (time.Time, bool)
	mu    sync.Mutex
	calls int
	early []time.Duration // lease end minus the call's deadline, per call
}

func (p *hangingProvider) Name() string                  { return "hanging" }
func (p *hangingProvider) Type() notify.NotificationType { return notify.SMS }
func (p *hangingProvider) Send(ctx context.Context, m notify.Message) (string, error) {
	deadline, hasDeadline := ctx.Deadline()
	leaseEnd, leased := p.lease(m.NotificationID)
	p.mu.Lock()
	p.calls++
	if hasDeadline && leased {
		p.early = append(p.early, leaseEnd.Sub(deadline))
	}
	p.mu.Unlock()
	<-ctx.Done()
	return "", ctx.Err()
}

// TestBatchedProviderCallsEndBeforeTheLease checks that a provider call in a
// batch is given up before the notification's lease ends, so that no other
// worker can claim it while the call may still succeed. The comparison is
// between the call's deadline and the lease stored for the notification, so
// it holds however slowly the machine runs.
func TestBatchedProviderCallsEndBeforeTheLease(t *testing.T) {
	t.Parallel()
	p := &hangingProvider{}
	f := newFixture(t, notify.Service{Restricted: false}, withStoreAndQueue(deliverySQLite(t), discardQueue{}),
		notifytest.WithConfig(func(c *notify.Config) {
			c.Providers = []notify.Provider{p}
			c.ClaimLease = 300 * time.Millisecond
		}))
	p.lease = func(id uuid.UUID) (time.Time, bool) {
		nt, err := f.env.Store.GetNotification(context.Background(), id)
		if err != nil || nt.ClaimedUntil == nil {
			return time.Time{}, false
		}
		return *nt.ClaimedUntil, true
	}
	ids := f.sendMany(t, 5, func(i int) string { return fmt.Sprintf("07723 40000%d", i) })
	var tasks []notify.Task
	for _, id := range ids {
		tasks = append(tasks, notify.Task{Name: notify.TaskDeliverSMS, NotificationID: id, Attempt: 1})
	}
	errs := f.env.Notifier.DeliverBatch(ctx, tasks)
	p.mu.Lock()
	assert.Equal(t, len(ids), p.calls, "every notification reached the provider")
	require.Len(t, p.early, len(ids), "every call had a deadline while its lease was held")
	for _, d := range p.early {
		assert.Positive(t, d, "a provider call may outlive its lease")
	}
	p.mu.Unlock()
	for i, err := range errs {
		require.Error(t, err, "a hanging provider is a retryable failure")
		assert.False(t, notify.IsPermanent(err))
		got := f.env.Get(t, ids[i])
		assert.Equal(t, notify.StatusCreated, got.Status)
		assert.Nil(t, got.ClaimedUntil, "the claim is released for the retry")
	}
}

func TestHandleBatchRunsOtherTasksBesideDeliveries(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{Restricted: false}, withStoreAndQueue(deliverySQLite(t), discardQueue{}))
	ids := f.sendMany(t, 3, func(i int) string { return fmt.Sprintf("07723 40000%d", i) })
	tasks := []notify.Task{
		{Name: notify.TaskDeliverSMS, NotificationID: ids[0], Attempt: 1},
		{Name: "no_such_task", Attempt: 1},
		{Name: notify.TaskDeliverSMS, NotificationID: ids[1], Attempt: 1},
	}
	errs := f.env.Notifier.HandleBatch(ctx, tasks)
	require.Len(t, errs, 3)
	assert.NoError(t, errs[0])
	assert.True(t, notify.IsPermanent(errs[1]), "an unknown task is refused as Handle refuses it")
	assert.NoError(t, errs[2])
	for _, id := range ids[:2] {
		assert.Equal(t, notify.StatusDelivered, f.env.Get(t, id).Status)
	}
	assert.Equal(t, notify.StatusCreated, f.env.Get(t, ids[2]).Status, "not in the batch")
}
