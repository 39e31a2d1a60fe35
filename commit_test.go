package notify_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/cache/rediscache"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/stats/instrument"
	"github.com/notifykit/notify/store/gormstore"
	"github.com/notifykit/notify/store/memstore"
)

// hookStore is a gormstore on SQLite whose batch inserts a test can hold,
// watch and break.
type hookStore struct {
	*gormstore.Store

	mu      sync.Mutex
	batches [][]*notify.Notification // every batch asked for, in order
	singles int                      // CreateNotification calls

	// hold makes every batch announce itself on entered and wait for a
	// token on release before it runs.
	hold    atomic.Bool
	entered chan []*notify.Notification
	release chan struct{}

	// batchFault, when set, answers a batch instead of the database if it
	// returns non-nil.
	batchFault func(ns []*notify.Notification) []error
	// singleFault, when set, fails a single insert if it returns non-nil.
	singleFault func(n *notify.Notification) error
	// down makes Ping and every insert fail.
	down atomic.Bool
}

var (
	errStoreDown = errors.New("connection refused")
	errBadRow    = errors.New("a row the database refuses")
)

func newHookStore(t testing.TB) *hookStore {
	t.Helper()
	st, err := gormstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "notify.db"), gormstore.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return &hookStore{Store: st, entered: make(chan []*notify.Notification, 16), release: make(chan struct{})}
}

func (h *hookStore) CreateNotifications(ctx context.Context, ns []*notify.Notification) []error {
	h.mu.Lock()
	h.batches = append(h.batches, slices.Clone(ns))
	fault := h.batchFault
	h.mu.Unlock()
	if h.hold.Load() {
		h.entered <- ns
		<-h.release
	}
	if h.down.Load() {
		errs := make([]error, len(ns))
		for i := range errs {
			errs[i] = fmt.Errorf("store: %w", errStoreDown)
		}
		return errs
	}
	if fault != nil {
		if errs := fault(ns); errs != nil {
			return errs
		}
	}
	return h.Store.CreateNotifications(ctx, ns)
}

func (h *hookStore) CreateNotification(ctx context.Context, n *notify.Notification) error {
	h.mu.Lock()
	h.singles++
	fault := h.singleFault
	h.mu.Unlock()
	if h.down.Load() {
		return fmt.Errorf("store: %w", errStoreDown)
	}
	if fault != nil {
		if err := fault(n); err != nil {
			return err
		}
	}
	return h.Store.CreateNotification(ctx, n)
}

func (h *hookStore) Ping(ctx context.Context) error {
	if h.down.Load() {
		return fmt.Errorf("store: %w", errStoreDown)
	}
	return h.Store.Ping(ctx)
}

// batchSizes returns the size of every batch asked for.
func (h *hookStore) batchSizes() []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	sizes := make([]int, len(h.batches))
	for i, b := range h.batches {
		sizes[i] = len(b)
	}
	return sizes
}

func (h *hookStore) singleCalls() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.singles
}

// recQueue records the tasks it is given and drops them.
type recQueue struct {
	mu      sync.Mutex
	tasks   map[uuid.UUID]int // notification id: tasks
	batches int
}

func newRecQueue() *recQueue { return &recQueue{tasks: map[uuid.UUID]int{}} }

func (q *recQueue) Enqueue(_ context.Context, _ string, t notify.Task) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.tasks[t.NotificationID]++
	return nil
}

func (q *recQueue) Consume(ctx context.Context, _ string, _ notify.Handler) error {
	<-ctx.Done()
	return nil
}

func (q *recQueue) queued(id uuid.UUID) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.tasks[id]
}

func (q *recQueue) batchCalls() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.batches
}

func (q *recQueue) total() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for _, c := range q.tasks {
		n += c
	}
	return n
}

// recBatchQueue is a recQueue with EnqueueBatch.
type recBatchQueue struct{ *recQueue }

func (q recBatchQueue) EnqueueBatch(ctx context.Context, tasks []notify.QueuedTask) []error {
	q.mu.Lock()
	q.batches++
	q.mu.Unlock()
	for _, t := range tasks {
		_ = q.Enqueue(ctx, t.Queue, t.Task)
	}
	return nil
}

// commitEnv is a Notifier on a hookStore, a rediscache on miniredis (with
// reservations and releases) and a recording queue.
type commitEnv struct {
	n      *notify.Notifier
	store  *hookStore
	queue  *recQueue
	cache  *rediscache.Cache
	svc    *notify.Service
	caller *notify.Caller
	tpl    *notify.Template
}

func newCommitEnv(t *testing.T, limit int, cfg notify.Config) *commitEnv {
	t.Helper()
	e := &commitEnv{store: newHookStore(t), queue: newRecQueue()}
	mr := miniredis.RunT(t)
	client := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	e.cache = rediscache.New(client, rediscache.Options{})
	cfg.Store, cfg.Cache = e.store, e.cache
	if cfg.Queue == nil {
		cfg.Queue = recBatchQueue{e.queue}
	}
	cfg.SecretKey = testSecretKey
	cfg.Logger = slog.New(slog.DiscardHandler)
	n, err := notify.New(instrument.Config(cfg, ""))
	require.NoError(t, err)
	e.n = n
	e.svc, err = n.CreateService(ctx, notify.Service{Name: "Group commit", SMSMessageLimit: limit})
	require.NoError(t, err)
	e.tpl, err = n.CreateTemplate(ctx, notify.Template{ServiceID: e.svc.ID, Type: notify.SMS, Name: "t",
		Content: "Hello ((name))"})
	require.NoError(t, err)
	key, err := n.CreateAPIKey(ctx, e.svc.ID, "live", notify.KeyTypeLive)
	require.NoError(t, err)
	e.caller = &notify.Caller{Service: e.svc, Key: key}
	return e
}

// phone is the i-th of a range of UK mobiles none of which is simulated.
func phone(i int) string { return fmt.Sprintf("07700 %06d", 901000+i) }

// normalised is phone(i) as stored: E.164 without the "+".
func normalised(i int) string { return fmt.Sprintf("447700%06d", 901000+i) }

// send sends an SMS to phone(i) with the name "n{i}".
func (e *commitEnv) send(ctx context.Context, i int) (*notify.Notification, error) {
	return e.n.SendSMS(ctx, e.caller, &notify.SMSRequest{PhoneNumber: phone(i), TemplateID: e.tpl.ID,
		Personalisation: map[string]any{"name": fmt.Sprintf("n%d", i)}})
}

// sendAsync sends in a goroutine; the result arrives on the channel.
func (e *commitEnv) sendAsync(ctx context.Context, i int) <-chan sendResult {
	ch := make(chan sendResult, 1)
	go func() {
		n, err := e.send(ctx, i)
		ch <- sendResult{n, err}
	}()
	return ch
}

type sendResult struct {
	n   *notify.Notification
	err error
}

// stored counts the service's notifications in the store.
func (e *commitEnv) stored(t *testing.T) int {
	t.Helper()
	c, err := e.store.Store.CountNotifications(ctx, e.svc.ID, time.Now().Add(-time.Hour))
	require.NoError(t, err)
	return c
}

// counter is today's sms counter in the cache.
func (e *commitEnv) counter(t *testing.T) int64 {
	t.Helper()
	v, err := e.cache.Get(ctx, notify.DailyChannelCacheKey(e.svc.ID, notify.DailyLimitSMS, time.Now()))
	require.NoError(t, err)
	return v
}

// waitPending waits until want sends wait for a commit.
func (e *commitEnv) waitPending(t *testing.T, want int) {
	t.Helper()
	require.Eventually(t, func() bool { return notify.PendingCommits(e.n) == want }, 10*time.Second, time.Millisecond,
		"want %d sends waiting for a commit", want)
}

// recv returns a send's result, failing the test after a while.
func recv(t *testing.T, ch <-chan sendResult, what string) sendResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		require.FailNow(t, "no answer", what)
		return sendResult{}
	}
}

func TestGroupCommitConcurrentSendsShareCommits(t *testing.T) {
	t.Parallel()
	e := newCommitEnv(t, 1000, notify.Config{})
	e.store.hold.Store(true)
	const sends = 200
	results := make([]<-chan sendResult, sends)
	results[0] = e.sendAsync(ctx, 0)
	first := <-e.store.entered // the first send commits at once, alone
	require.Len(t, first, 1)
	for i := 1; i < sends; i++ {
		results[i] = e.sendAsync(ctx, i)
	}
	e.waitPending(t, sends-1)
	e.store.hold.Store(false)
	e.store.release <- struct{}{}

	ids := map[uuid.UUID]bool{}
	for i, ch := range results {
		r := recv(t, ch, fmt.Sprint("send ", i))
		require.NoError(t, r.err, "send %d", i)
		assert.Equal(t, phone(i), r.n.To, "send %d got another's notification", i)
		assert.Equal(t, fmt.Sprintf("Hello n%d", i), r.n.Body, "send %d got another's notification", i)
		assert.False(t, ids[r.n.ID], "notification id given twice")
		ids[r.n.ID] = true
		got, err := e.store.GetNotification(ctx, r.n.ID)
		require.NoError(t, err, "send %d answered before its notification was stored", i)
		assert.Equal(t, r.n.Body, got.Body)
		assert.Equal(t, 1, e.queue.queued(r.n.ID), "send %d: its task was queued once", i)
	}
	assert.Equal(t, []int{1, sends - 1}, e.store.batchSizes(), "the sends that waited went in one batch")
	assert.Zero(t, e.store.singleCalls(), "no notification was stored on its own")
	assert.Equal(t, sends, e.stored(t))
	assert.EqualValues(t, sends, e.counter(t))
	assert.Equal(t, 2, e.queue.batchCalls(), "one EnqueueBatch per commit")
}

func TestGroupCommitBatchesAreCapped(t *testing.T) {
	t.Parallel()
	e := newCommitEnv(t, 1000, notify.Config{GroupCommit: notify.GroupCommit{MaxBatch: 7}})
	e.store.hold.Store(true)
	results := []<-chan sendResult{e.sendAsync(ctx, 0)}
	<-e.store.entered
	for i := 1; i <= 20; i++ {
		results = append(results, e.sendAsync(ctx, i))
	}
	e.waitPending(t, 20)
	e.store.hold.Store(false)
	e.store.release <- struct{}{}
	for i, ch := range results {
		require.NoError(t, recv(t, ch, fmt.Sprint("send ", i)).err)
	}
	assert.Equal(t, []int{1, 7, 7, 6}, e.store.batchSizes())
}

func TestGroupCommitBadRowFailsAlone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// batchFault answers a batch holding the bad row.
		batchFault func(ns []*notify.Notification, bad int) []error
		// wantSingles says whether the batch is retried row by row.
		wantSingles bool
	}{
		{"the store names the row", func(ns []*notify.Notification, bad int) []error {
			errs := make([]error, len(ns))
			errs[bad] = fmt.Errorf("store: %w", notify.ErrDuplicate)
			return errs // the others are "stored" below
		}, false},
		{"the whole batch fails", func(ns []*notify.Notification, _ int) []error {
			errs := make([]error, len(ns))
			for i := range errs {
				errs[i] = fmt.Errorf("store: %w", errBadRow)
			}
			return errs
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newCommitEnv(t, 1000, notify.Config{})
			const sends, badSend = 10, 4
			badTo := normalised(badSend)
			e.store.batchFault = func(ns []*notify.Notification) []error {
				for i, n := range ns {
					if n.NormalisedTo == badTo {
						errs := tc.batchFault(ns, i)
						if !tc.wantSingles {
							// Store the others for real.
							others := slices.Delete(slices.Clone(ns), i, i+1)
							if errs := e.store.Store.CreateNotifications(ctx, others); errs != nil {
								panic(fmt.Sprint("store the others: ", errs))
							}
						}
						return errs
					}
				}
				return nil
			}
			e.store.singleFault = func(n *notify.Notification) error {
				if n.NormalisedTo == badTo {
					return fmt.Errorf("store: %w", errBadRow)
				}
				return nil
			}
			e.store.hold.Store(true)
			results := []<-chan sendResult{e.sendAsync(ctx, 0)}
			<-e.store.entered
			for i := 1; i < sends; i++ {
				results = append(results, e.sendAsync(ctx, i))
			}
			e.waitPending(t, sends-1)
			e.store.hold.Store(false)
			e.store.release <- struct{}{}
			for i, ch := range results {
				r := recv(t, ch, fmt.Sprint("send ", i))
				if i != badSend {
					require.NoError(t, r.err, "send %d failed with the bad row", i)
					assert.Equal(t, 1, e.queue.queued(r.n.ID))
					continue
				}
				require.Error(t, r.err)
				assert.Equal(t, http.StatusInternalServerError, notify.StatusOf(r.err), "a failed store is a 500")
				assert.Contains(t, r.err.Error(), "persist notification")
			}
			assert.Equal(t, []int{1, sends - 1}, e.store.batchSizes())
			if tc.wantSingles {
				assert.Equal(t, sends-1, e.store.singleCalls(), "the failed batch was retried row by row")
			} else {
				assert.Zero(t, e.store.singleCalls(), "a batch whose store named the bad row is not retried")
			}
			assert.Equal(t, sends-1, e.stored(t))
			assert.EqualValues(t, sends-1, e.counter(t), "the bad row's place was given back")
			assert.Equal(t, sends-1, e.queue.total(), "only stored notifications are queued")
		})
	}
}

func TestGroupCommitStoreOutageFailsTheBatchAndGivesPlacesBack(t *testing.T) {
	t.Parallel()
	const limit = 50
	e := newCommitEnv(t, limit, notify.Config{})
	e.store.down.Store(true)
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			_, err := e.send(ctx, i)
			if assert.Error(t, err) {
				assert.ErrorIs(t, err, errStoreDown, "the store's error is wrapped")
				assert.Equal(t, http.StatusInternalServerError, notify.StatusOf(err))
			}
		})
	}
	wg.Wait()
	assert.Zero(t, e.store.singleCalls(), "a store that does not answer is not retried row by row")
	assert.Zero(t, e.stored(t))
	assert.Zero(t, e.counter(t), "every place of a failed send was given back")

	e.store.down.Store(false)
	for i := range limit {
		_, err := e.send(ctx, 100+i)
		require.NoError(t, err, "send %d after the outage", i)
	}
	_, err := e.send(ctx, 200)
	requireRefusal(t, err, http.StatusTooManyRequests, notify.NameTooManyRequests, "Exceeded send limits (sms: 50) for today")
	assert.Equal(t, limit, e.stored(t))
}

// TestGroupCommitDailyLimitStaysExact: with a limit of 50, 200 concurrent
// sends of which the store refuses 10 leave the counter equal to what was
// stored, so the service can still send exactly its limit.
func TestGroupCommitDailyLimitStaysExact(t *testing.T) {
	t.Parallel()
	const limit, sends, failures = 50, 200, 10
	e := newCommitEnv(t, limit, notify.Config{})
	// The first 10 notifications to reach the store fail, alone, and keep
	// failing if the Notifier tries them again one by one.
	var seen atomic.Int32
	var refusedIDs sync.Map
	e.store.batchFault = func(ns []*notify.Notification) []error {
		var errs []error
		var good []*notify.Notification
		for i, n := range ns {
			if seen.Add(1) <= failures {
				if errs == nil {
					errs = make([]error, len(ns))
				}
				refusedIDs.Store(n.ID, true)
				errs[i] = fmt.Errorf("store: %w", notify.ErrDuplicate)
				continue
			}
			good = append(good, n)
		}
		if errs == nil {
			return nil
		}
		if errs := e.store.Store.CreateNotifications(ctx, good); errs != nil {
			panic(fmt.Sprint("store the others: ", errs))
		}
		return errs
	}
	e.store.singleFault = func(n *notify.Notification) error {
		if _, ok := refusedIDs.Load(n.ID); ok {
			return fmt.Errorf("store: %w", notify.ErrDuplicate)
		}
		return nil
	}
	var accepted, failed, refused atomic.Int32
	var wg sync.WaitGroup
	for i := range sends {
		wg.Go(func() {
			_, err := e.send(ctx, i)
			switch {
			case err == nil:
				accepted.Add(1)
			case notify.StatusOf(err) == http.StatusTooManyRequests:
				refused.Add(1)
			case errors.Is(err, notify.ErrDuplicate):
				failed.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	assert.EqualValues(t, failures, failed.Load())
	assert.EqualValues(t, sends, accepted.Load()+failed.Load()+refused.Load())
	assert.LessOrEqual(t, accepted.Load(), int32(limit))
	assert.Equal(t, int(accepted.Load()), e.stored(t))
	assert.EqualValues(t, accepted.Load(), e.counter(t), "the counter holds what was stored, no more")

	// The places of the failed sends are free again: the service sends
	// exactly its limit, then is refused.
	topUp := 0
	for i := range limit {
		if _, err := e.send(ctx, 1000+i); err != nil {
			requireRefusal(t, err, http.StatusTooManyRequests, notify.NameTooManyRequests, "Exceeded send limits (sms: 50) for today")
			break
		}
		topUp++
	}
	assert.Equal(t, limit, int(accepted.Load())+topUp)
	assert.Equal(t, limit, e.stored(t))
	assert.EqualValues(t, limit, e.counter(t))
}

// TestGroupCommitCancelledSends: a send whose context ends gets
// context.Canceled at once; the others of its batch are not affected; a
// notification already in a commit is still stored and queued, one still
// waiting is dropped and its place given back.
func TestGroupCommitCancelledSends(t *testing.T) {
	t.Parallel()
	e := newCommitEnv(t, 1000, notify.Config{})
	e.store.hold.Store(true)

	p := e.sendAsync(ctx, 0)
	require.Len(t, <-e.store.entered, 1) // batch 1: p, held

	ctxE, cancelE := context.WithCancel(ctx)
	defer cancelE()
	ctxC, cancelC := context.WithCancel(ctx)
	defer cancelC()
	sE := e.sendAsync(ctxE, 1) // the first of batch 2: its context lends values to the commit
	e.waitPending(t, 1)
	f := e.sendAsync(ctx, 2)
	e.waitPending(t, 2)
	g := e.sendAsync(ctx, 3)
	e.waitPending(t, 3)
	sC := e.sendAsync(ctxC, 4)
	e.waitPending(t, 4)

	// C gives up while waiting: dropped at once.
	cancelC()
	r := recv(t, sC, "cancelled while waiting")
	require.ErrorIs(t, r.err, context.Canceled)

	e.store.release <- struct{}{} // batch 1 commits
	batch2 := <-e.store.entered   // batch 2: E, F, G, held
	require.Len(t, batch2, 3, "the cancelled send was left out")
	eID := batch2[0].ID

	// E gives up while its notification is being stored.
	cancelE()
	r = recv(t, sE, "cancelled while committing")
	require.ErrorIs(t, r.err, context.Canceled)

	e.store.hold.Store(false)
	e.store.release <- struct{}{} // batch 2 commits all the same
	for _, ch := range []<-chan sendResult{p, f, g} {
		r := recv(t, ch, "the others")
		require.NoError(t, r.err)
		assert.Equal(t, 1, e.queue.queued(r.n.ID))
	}
	got, err := e.store.GetNotification(ctx, eID)
	require.NoError(t, err, "the notification of a send that gave up mid-commit is stored")
	assert.Equal(t, "Hello n1", got.Body)
	require.Eventually(t, func() bool { return e.queue.queued(eID) == 1 }, 5*time.Second, time.Millisecond,
		"and queued")
	assert.Equal(t, 4, e.stored(t), "p, E, F and G; not C")
	assert.EqualValues(t, 4, e.counter(t), "C's place was given back, E's kept")
	assert.Equal(t, []int{1, 3}, e.store.batchSizes())
}

func TestGroupCommitDisabledStoresOneByOne(t *testing.T) {
	t.Parallel()
	e := newCommitEnv(t, 1000, notify.Config{GroupCommit: notify.GroupCommit{Disabled: true}})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			n, err := e.send(ctx, i)
			if assert.NoError(t, err) {
				assert.Equal(t, 1, e.queue.queued(n.ID))
			}
		})
	}
	wg.Wait()
	assert.Empty(t, e.store.batchSizes())
	assert.Equal(t, 20, e.store.singleCalls())
	assert.Equal(t, 0, e.queue.batchCalls(), "tasks are queued one by one")
	assert.Equal(t, 20, e.stored(t))
}

func TestGroupCommitQueueWithoutBatches(t *testing.T) {
	t.Parallel()
	q := newRecQueue()
	e := newCommitEnv(t, 1000, notify.Config{Queue: q})
	e.queue = q
	e.store.hold.Store(true)
	results := []<-chan sendResult{e.sendAsync(ctx, 0)}
	<-e.store.entered
	for i := 1; i < 40; i++ {
		results = append(results, e.sendAsync(ctx, i))
	}
	e.waitPending(t, 39)
	e.store.hold.Store(false)
	e.store.release <- struct{}{}
	for i, ch := range results {
		r := recv(t, ch, fmt.Sprint("send ", i))
		require.NoError(t, r.err)
		assert.Equal(t, 1, q.queued(r.n.ID), "send %d: queued with Enqueue", i)
	}
	assert.Equal(t, []int{1, 39}, e.store.batchSizes())
}

// recStats records counter names.
type recStats struct {
	mu     sync.Mutex
	counts map[string]int
}

func (s *recStats) Incr(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[name]++
}

func (s *recStats) Timing(string, time.Duration) {}

func (s *recStats) count(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[name]
}

func TestGroupCommitThroughMetricsWrappers(t *testing.T) {
	t.Parallel()
	stats := &recStats{counts: map[string]int{}}
	e := newCommitEnv(t, 1000, notify.Config{Stats: stats})
	for i := range 3 {
		_, err := e.send(ctx, i)
		require.NoError(t, err)
	}
	assert.Equal(t, []int{1, 1, 1}, e.store.batchSizes(), "the metrics wrapper does not hide the ability")
	assert.Equal(t, 3, stats.count("dao.create_notifications"))
	assert.Equal(t, 3, stats.count("dao.create_notification"), "each notification counts as a create, as before")
	assert.Equal(t, 3, stats.count("queue.enqueue."+notify.QueueSendSMS))
	assert.Equal(t, 3, e.queue.batchCalls())
}

func TestGroupCommitConfigIsChecked(t *testing.T) {
	t.Parallel()
	for _, gc := range []notify.GroupCommit{{MaxBatch: -1}, {InFlight: -1}, {Timeout: -time.Second}} {
		_, err := notify.New(notify.Config{Store: memstore.New(), Queue: memqueue.New(memqueue.Options{}), SecretKey: testSecretKey, GroupCommit: gc})
		assert.Error(t, err, "%+v", gc)
	}
}
