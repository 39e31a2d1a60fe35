package notify_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/stats/instrument"
	"github.com/notifykit/notify/store/memstore"
)

// rcStore counts the Store reads the read cache stands in front of, and can
// fail, hold or slow them.
type rcStore struct {
	notify.Store
	delay time.Duration // added to every counted call, as a database round trip

	mu    sync.Mutex
	calls map[string]int
	fail  map[string]error // returned once by the named method
	hold  chan struct{}    // when set, GetService waits for it to close after reading
}

func newRCStore() *rcStore {
	return &rcStore{Store: memstore.New(), calls: map[string]int{}, fail: map[string]error{}}
}

func (s *rcStore) count(ctx context.Context, method string) error {
	s.mu.Lock()
	s.calls[method]++
	err := s.fail[method]
	delete(s.fail, method)
	s.mu.Unlock()
	if s.delay > 0 {
		time.Sleep(s.delay)
	}
	return err
}

// holdGetService makes GetService calls wait, once they have read, until
// the returned channel is closed.
func (s *rcStore) holdGetService() chan struct{} {
	h := make(chan struct{})
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = h
	return h
}

// wait blocks, once GetService has read, until hold is closed.
func (s *rcStore) wait(ctx context.Context) error {
	s.mu.Lock()
	hold := s.hold
	s.mu.Unlock()
	if hold == nil {
		return nil
	}
	select {
	case <-hold:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *rcStore) n(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

func (s *rcStore) failOnce(method string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[method] = err
}

func (s *rcStore) GetService(ctx context.Context, id uuid.UUID) (*notify.Service, error) {
	if err := s.count(ctx, "GetService"); err != nil {
		return nil, err
	}
	svc, err := s.Store.GetService(ctx, id)
	if werr := s.wait(ctx); werr != nil {
		return nil, werr
	}
	return svc, err
}

func (s *rcStore) ListAPIKeys(ctx context.Context, serviceID uuid.UUID) ([]notify.APIKey, error) {
	if err := s.count(ctx, "ListAPIKeys"); err != nil {
		return nil, err
	}
	return s.Store.ListAPIKeys(ctx, serviceID)
}

func (s *rcStore) GetTemplate(ctx context.Context, serviceID, id uuid.UUID) (*notify.Template, error) {
	if err := s.count(ctx, "GetTemplate"); err != nil {
		return nil, err
	}
	return s.Store.GetTemplate(ctx, serviceID, id)
}

func (s *rcStore) GetTemplateVersion(ctx context.Context, serviceID, id uuid.UUID, version int) (*notify.Template, error) {
	if err := s.count(ctx, "GetTemplateVersion"); err != nil {
		return nil, err
	}
	return s.Store.GetTemplateVersion(ctx, serviceID, id, version)
}

func (s *rcStore) ListTeamMembers(ctx context.Context, serviceID uuid.UUID) ([]notify.TeamMember, error) {
	if err := s.count(ctx, "ListTeamMembers"); err != nil {
		return nil, err
	}
	return s.Store.ListTeamMembers(ctx, serviceID)
}

func (s *rcStore) ListGuestList(ctx context.Context, serviceID uuid.UUID) ([]notify.GuestListEntry, error) {
	if err := s.count(ctx, "ListGuestList"); err != nil {
		return nil, err
	}
	return s.Store.ListGuestList(ctx, serviceID)
}

func (s *rcStore) CreateNotification(ctx context.Context, nt *notify.Notification) error {
	if err := s.count(ctx, "CreateNotification"); err != nil {
		return err
	}
	return s.Store.CreateNotification(ctx, nt)
}

// rcStats counts metrics by name.
type rcStats struct {
	mu sync.Mutex
	n  map[string]int
}

func (s *rcStats) Incr(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n[name]++
}

func (s *rcStats) Timing(string, time.Duration) {}

func (s *rcStats) get(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n[name]
}

// rcClock is a clock the test moves.
type rcClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *rcClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *rcClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// rcEnv is a Notifier on a counting store with a fake clock, a trial
// service with one team member, a live key and an SMS template.
type rcEnv struct {
	store *rcStore
	stats *rcStats
	clock *rcClock
	n     *notify.Notifier
	svc   *notify.Service
	key   *notify.APIKey
	tpl   *notify.Template
}

const rcTeamPhone = "07700 900123"

func newRCEnv(t testing.TB, configure func(*notify.Config)) *rcEnv {
	t.Helper()
	e := &rcEnv{store: newRCStore(), stats: &rcStats{n: map[string]int{}},
		clock: &rcClock{now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}}
	cfg := notify.Config{Store: e.store, Queue: memqueue.New(memqueue.Options{}), Stats: e.stats, Clock: e.clock.Now,
		SecretKey: testSecretKey, Logger: slog.New(slog.DiscardHandler)}
	if configure != nil {
		configure(&cfg)
	}
	n, err := notify.New(instrument.Config(cfg, ""))
	require.NoError(t, err)
	e.n = n
	ctx := context.Background()
	e.svc, err = n.CreateService(ctx, notify.Service{Name: "Cached", Restricted: true, MessageLimit: 1 << 30,
		SMSMessageLimit: 1 << 30, RateLimit: 1 << 30})
	require.NoError(t, err)
	require.NoError(t, n.AddTeamMember(ctx, notify.TeamMember{ServiceID: e.svc.ID, MobileNumber: rcTeamPhone}))
	e.key, err = n.CreateAPIKey(ctx, e.svc.ID, "live", notify.KeyTypeLive)
	require.NoError(t, err)
	e.tpl, err = n.CreateTemplate(ctx, notify.Template{ServiceID: e.svc.ID, Type: notify.SMS, Name: "t", Content: "Hello ((name))"})
	require.NoError(t, err)
	return e
}

// auth authenticates with key, signed at the fake clock's time.
func (e *rcEnv) auth(t testing.TB, key *notify.APIKey) (*notify.Caller, error) {
	t.Helper()
	token, err := notify.NewToken(key.ServiceID, key.Secret, e.clock.Now())
	require.NoError(t, err)
	return e.n.Authenticate(context.Background(), "Bearer "+token)
}

// send authenticates with e.key and sends e.tpl to to.
func (e *rcEnv) send(t testing.TB, to string) (*notify.Notification, error) {
	t.Helper()
	c, err := e.auth(t, e.key)
	if err != nil {
		return nil, err
	}
	return e.n.SendSMS(context.Background(), c, &notify.SMSRequest{PhoneNumber: to, TemplateID: e.tpl.ID,
		Personalisation: map[string]any{"name": "Jo"}})
}

// reads returns the store calls the cache stands in front of.
func (e *rcEnv) reads() map[string]int {
	out := map[string]int{}
	for _, m := range []string{"GetService", "ListAPIKeys", "GetTemplate", "ListTeamMembers", "ListGuestList"} {
		out[m] = e.store.n(m)
	}
	return out
}

func TestReadCacheHitsAvoidTheStore(t *testing.T) {
	t.Parallel()
	e := newRCEnv(t, nil)
	_, err := e.send(t, rcTeamPhone)
	require.NoError(t, err)
	first := e.reads()
	assert.Equal(t, map[string]int{"GetService": 1, "ListAPIKeys": 1, "GetTemplate": 1, "ListTeamMembers": 1, "ListGuestList": 1}, first)

	for range 3 {
		nt, err := e.send(t, rcTeamPhone)
		require.NoError(t, err)
		assert.Equal(t, "Hello Jo", nt.Body)
	}
	assert.Equal(t, first, e.reads(), "a second send within the TTL reads nothing but the INSERT")
	assert.Equal(t, 4, e.store.n("CreateNotification"))
	// Each send reads the service and the keys twice, both from the cache
	// but the first time: to authenticate, and to check the caller again.
	hits := map[string]int{"service": 7, "api_keys": 7, "template": 3, "team_members": 3, "guest_list": 3}
	for kind, want := range hits {
		assert.Equal(t, 1, e.stats.get("readcache."+kind+".miss"), kind)
		assert.Equal(t, want, e.stats.get("readcache."+kind+".hit"), kind)
	}
	// Cached reads are not Store calls: the dao metrics count only those.
	assert.Equal(t, 1, e.stats.get("dao.get_service"))
}

func TestReadCacheCachesTemplateVersions(t *testing.T) {
	t.Parallel()
	e := newRCEnv(t, nil)
	st := e.n.Store()
	for range 3 {
		tpl, err := st.GetTemplateVersion(t.Context(), e.svc.ID, e.tpl.ID, 1)
		require.NoError(t, err)
		assert.Equal(t, "Hello ((name))", tpl.Content)
	}
	assert.Equal(t, 1, e.store.n("GetTemplateVersion"))
	_, err := st.GetTemplateVersion(t.Context(), e.svc.ID, e.tpl.ID, 2)
	require.ErrorIs(t, err, notify.ErrNotFound)
}

func TestReadCacheEntriesExpireAfterTheTTL(t *testing.T) {
	t.Parallel()
	e := newRCEnv(t, nil)
	_, err := e.auth(t, e.key)
	require.NoError(t, err)
	// Another process archives the service: it writes to the Store, not
	// through this Notifier.
	svc, err := e.store.Store.GetService(t.Context(), e.svc.ID)
	require.NoError(t, err)
	svc.Archived = true
	require.NoError(t, e.store.Store.UpdateService(t.Context(), svc))

	e.clock.Advance(notify.DefaultReadCacheTTL - time.Millisecond)
	_, err = e.auth(t, e.key)
	require.NoError(t, err, "within the TTL the cached service answers")
	assert.Equal(t, 1, e.store.n("GetService"))

	e.clock.Advance(time.Millisecond)
	_, err = e.auth(t, e.key)
	requireRefusal(t, err, http.StatusForbidden, notify.NameAuth, notify.MsgServiceArchived)
	assert.Equal(t, 2, e.store.n("GetService"))
}

func TestReadCacheTTLIsConfigurable(t *testing.T) {
	t.Parallel()
	e := newRCEnv(t, func(c *notify.Config) { c.ReadCacheTTL = time.Minute })
	st := e.n.Store()
	_, err := st.GetService(t.Context(), e.svc.ID)
	require.NoError(t, err)
	e.clock.Advance(59 * time.Second)
	_, err = st.GetService(t.Context(), e.svc.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, e.store.n("GetService"))
	e.clock.Advance(time.Second)
	_, err = st.GetService(t.Context(), e.svc.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, e.store.n("GetService"))
}

func TestReadCacheChangesThroughTheNotifierApplyAtOnce(t *testing.T) {
	t.Parallel()
	ctx := t.Context()

	t.Run("revoked key", func(t *testing.T) {
		t.Parallel()
		e := newRCEnv(t, nil)
		_, err := e.auth(t, e.key)
		require.NoError(t, err)
		require.NoError(t, e.n.RevokeAPIKey(ctx, e.svc.ID, e.key.ID))
		_, err = e.auth(t, e.key)
		requireRefusal(t, err, http.StatusForbidden, notify.NameAuth, notify.MsgKeyRevoked)
	})
	t.Run("new key", func(t *testing.T) {
		t.Parallel()
		e := newRCEnv(t, nil)
		_, err := e.auth(t, e.key)
		require.NoError(t, err)
		fresh, err := e.n.CreateAPIKey(ctx, e.svc.ID, "fresh", notify.KeyTypeTeam)
		require.NoError(t, err)
		c, err := e.auth(t, fresh)
		require.NoError(t, err)
		assert.Equal(t, fresh.ID, c.Key.ID)
	})
	t.Run("updated template", func(t *testing.T) {
		t.Parallel()
		e := newRCEnv(t, nil)
		_, err := e.send(t, rcTeamPhone)
		require.NoError(t, err)
		upd := *e.tpl
		upd.Content = "Goodbye ((name))"
		_, err = e.n.UpdateTemplate(ctx, upd)
		require.NoError(t, err)
		nt, err := e.send(t, rcTeamPhone)
		require.NoError(t, err)
		assert.Equal(t, "Goodbye Jo", nt.Body)
		assert.Equal(t, 2, nt.TemplateVersion)
	})
	t.Run("team member and guest", func(t *testing.T) {
		t.Parallel()
		e := newRCEnv(t, nil)
		const member, guest = "07700 900111", "07700 900222"
		_, err := e.send(t, member)
		requireRefusal(t, err, http.StatusBadRequest, notify.NameBadRequest, trialMsg)
		_, err = e.send(t, guest)
		requireRefusal(t, err, http.StatusBadRequest, notify.NameBadRequest, trialMsg)
		require.NoError(t, e.n.AddTeamMember(ctx, notify.TeamMember{ServiceID: e.svc.ID, MobileNumber: member}))
		require.NoError(t, e.n.AddGuestListEntry(ctx, notify.GuestListEntry{ServiceID: e.svc.ID, Recipient: guest}))
		_, err = e.send(t, member)
		require.NoError(t, err)
		_, err = e.send(t, guest)
		require.NoError(t, err)
	})
	t.Run("service callback", func(t *testing.T) {
		t.Parallel()
		e := newRCEnv(t, nil)
		_, err := e.n.Store().GetService(ctx, e.svc.ID)
		require.NoError(t, err)
		require.NoError(t, e.n.SetServiceCallback(ctx, e.svc.ID, "https://example.com/cb", "a-long-enough-token"))
		u, err := e.n.ServiceCallbackURL(ctx, e.svc.ID)
		require.NoError(t, err)
		assert.Equal(t, "https://example.com/cb", u)
	})
	t.Run("service updated through Store()", func(t *testing.T) {
		t.Parallel()
		e := newRCEnv(t, nil)
		_, err := e.auth(t, e.key)
		require.NoError(t, err)
		svc, err := e.n.Store().GetService(ctx, e.svc.ID)
		require.NoError(t, err)
		svc.Archived = true
		require.NoError(t, e.n.Store().UpdateService(ctx, svc))
		_, err = e.auth(t, e.key)
		requireRefusal(t, err, http.StatusForbidden, notify.NameAuth, notify.MsgServiceArchived)
	})
}

func TestReadCacheKeepsNoFailure(t *testing.T) {
	t.Parallel()
	e := newRCEnv(t, nil)
	down := errors.New("database down")
	e.store.failOnce("GetService", down)
	_, err := e.auth(t, e.key)
	require.ErrorIs(t, err, down)
	_, err = e.auth(t, e.key)
	require.NoError(t, err, "the failure was not cached")
	assert.Equal(t, 2, e.store.n("GetService"))

	// Not found is not cached either: a service another process creates
	// authenticates at once.
	other := notify.Service{ID: uuid.New(), Name: "Other", MessageLimit: 50, Permissions: []notify.Permission{notify.PermissionSMS}}
	key := &notify.APIKey{ServiceID: other.ID, Secret: uuid.NewString()}
	_, err = e.auth(t, key)
	requireRefusal(t, err, http.StatusForbidden, notify.NameAuth, notify.MsgServiceNotFound)
	require.NoError(t, e.store.Store.CreateService(t.Context(), &other))
	_, err = e.n.Store().GetService(t.Context(), other.ID)
	require.NoError(t, err)
}

func TestReadCacheEvictsTheLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	e := newRCEnv(t, func(c *notify.Config) { c.ReadCacheSize = 2 })
	ctx := t.Context()
	st := e.n.Store()
	var ids []uuid.UUID
	for _, name := range []string{"A", "B", "C"} {
		svc, err := e.n.CreateService(ctx, notify.Service{Name: name})
		require.NoError(t, err)
		ids = append(ids, svc.ID)
	}
	get := func(i int) {
		t.Helper()
		svc, err := st.GetService(ctx, ids[i])
		require.NoError(t, err)
		require.Equal(t, ids[i], svc.ID)
	}
	get(0)
	get(1)
	get(0) // A is now the most recent
	assert.Equal(t, 2, e.store.n("GetService"))
	get(2) // evicts B
	get(0)
	get(2)
	assert.Equal(t, 3, e.store.n("GetService"), "A and C stayed")
	get(1)
	assert.Equal(t, 4, e.store.n("GetService"), "B was evicted")
}

// rcWaitFor polls cond until it holds or a few seconds have passed.
func rcWaitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestReadCacheCoalescesConcurrentMisses(t *testing.T) {
	t.Parallel()
	e := newRCEnv(t, nil)
	hold := e.store.holdGetService()

	const callers = 16
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Go(func() {
			svc, err := e.n.Store().GetService(context.Background(), e.svc.ID)
			if err == nil && svc.ID != e.svc.ID {
				err = errors.New("wrong service")
			}
			errs <- err
		})
	}
	// A miss is counted once its caller waits on the shared load.
	rcWaitFor(t, func() bool { return e.stats.get("readcache.service.miss") == callers })
	close(hold)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, 1, e.store.n("GetService"), "one load for every caller")
}

func TestReadCacheLoadsRacingAWriteCacheNothingStale(t *testing.T) {
	t.Parallel()
	e := newRCEnv(t, nil)
	st := e.n.Store()
	load := func() chan *notify.Service {
		out := make(chan *notify.Service, 1)
		go func() {
			svc, err := st.GetService(context.Background(), e.svc.ID)
			assert.NoError(t, err)
			out <- svc
		}()
		return out
	}
	setArchived := func(archived bool) {
		svc, err := e.store.Store.GetService(t.Context(), e.svc.ID)
		require.NoError(t, err)
		svc.Archived = archived
		require.NoError(t, st.UpdateService(t.Context(), svc))
	}

	// A load reads the service and is slow to return; meanwhile the
	// service is archived through this process. What the load read is
	// not cached.
	h := e.store.holdGetService()
	before := load()
	rcWaitFor(t, func() bool { return e.store.n("GetService") == 1 })
	setArchived(true)
	close(h)
	assert.False(t, (<-before).Archived, "read before the write")
	got, err := st.GetService(t.Context(), e.svc.ID)
	require.NoError(t, err)
	assert.True(t, got.Archived, "the older load left nothing in the cache")
	assert.Equal(t, 2, e.store.n("GetService"))

	// A read that starts after a write does not share a load that started
	// before it.
	e.clock.Advance(notify.DefaultReadCacheTTL)
	h = e.store.holdGetService()
	before = load()
	rcWaitFor(t, func() bool { return e.store.n("GetService") == 3 })
	setArchived(false)
	after := load()
	rcWaitFor(t, func() bool { return e.store.n("GetService") == 4 })
	close(h)
	assert.True(t, (<-before).Archived)
	assert.False(t, (<-after).Archived, "read after the write")
}

func TestReadCacheWaiterOutlivesACancelledLeader(t *testing.T) {
	t.Parallel()
	e := newRCEnv(t, nil)
	hold := e.store.holdGetService()

	leaderCtx, cancel := context.WithCancel(context.Background())
	leaderErr := make(chan error, 1)
	go func() {
		_, err := e.n.Store().GetService(leaderCtx, e.svc.ID)
		leaderErr <- err
	}()
	rcWaitFor(t, func() bool { return e.stats.get("readcache.service.miss") == 1 })
	waiterErr := make(chan error, 1)
	go func() {
		_, err := e.n.Store().GetService(context.Background(), e.svc.ID)
		waiterErr <- err
	}()
	rcWaitFor(t, func() bool { return e.stats.get("readcache.service.miss") == 2 })
	cancel()
	require.ErrorIs(t, <-leaderErr, context.Canceled)
	close(hold)
	require.NoError(t, <-waiterErr, "the waiter loads again with its own context")
	assert.Equal(t, 2, e.store.n("GetService"))
}

func TestReadCacheHandsOutCopies(t *testing.T) {
	t.Parallel()
	e := newRCEnv(t, nil)
	ctx := t.Context()
	st := e.n.Store()
	require.NoError(t, e.n.RevokeAPIKey(ctx, e.svc.ID, e.key.ID))
	_, err := e.n.CreateAPIKey(ctx, e.svc.ID, "second", notify.KeyTypeTeam)
	require.NoError(t, err)
	upd := *e.tpl
	upd.Content = "v2 ((name))"
	_, err = e.n.UpdateTemplate(ctx, upd)
	require.NoError(t, err)

	svc, err := st.GetService(ctx, e.svc.ID)
	require.NoError(t, err)
	keys, err := st.ListAPIKeys(ctx, e.svc.ID)
	require.NoError(t, err)
	require.Len(t, keys, 2)
	tpl, err := st.GetTemplate(ctx, e.svc.ID, e.tpl.ID)
	require.NoError(t, err)
	require.NotNil(t, tpl.UpdatedAt)
	team, err := st.ListTeamMembers(ctx, e.svc.ID)
	require.NoError(t, err)
	wantSvc, wantKeys, wantTpl, wantTeam := *svc, cloneKeys(keys), *tpl, team[0]
	wantSvc.Permissions = append([]notify.Permission(nil), svc.Permissions...)
	wantUpdated := *tpl.UpdatedAt

	// Growing one key's secret leaves the next one's alone.
	second := append([]byte(nil), keys[1].EncryptedSecret...)
	keys[0].EncryptedSecret = append(keys[0].EncryptedSecret, 0xee)
	assert.Equal(t, second, keys[1].EncryptedSecret)

	// Scribble over everything handed out.
	svc.Name, svc.Permissions[0] = "changed", "changed"
	for i := range keys {
		keys[i].EncryptedSecret[0] ^= 0xff
		keys[i].EncryptedSecret = append(keys[i].EncryptedSecret, 1)
		if keys[i].ExpiryDate != nil {
			*keys[i].ExpiryDate = time.Time{}
		}
	}
	*tpl.UpdatedAt = time.Time{}
	tpl.Content = "changed"
	team[0].MobileNumber = "changed"

	svc2, err := st.GetService(ctx, e.svc.ID)
	require.NoError(t, err)
	assert.Equal(t, wantSvc, *svc2)
	keys2, err := st.ListAPIKeys(ctx, e.svc.ID)
	require.NoError(t, err)
	assert.Equal(t, wantKeys, keys2)
	tpl2, err := st.GetTemplate(ctx, e.svc.ID, e.tpl.ID)
	require.NoError(t, err)
	assert.Equal(t, wantUpdated, *tpl2.UpdatedAt)
	tpl2.UpdatedAt, wantTpl.UpdatedAt = nil, nil
	assert.Equal(t, wantTpl, *tpl2)
	team2, err := st.ListTeamMembers(ctx, e.svc.ID)
	require.NoError(t, err)
	assert.Equal(t, wantTeam, team2[0])
	assert.Equal(t, 1, e.store.n("GetService"), "the second reads were hits")
	assert.Equal(t, 1, e.store.n("ListAPIKeys"))
}

func cloneKeys(keys []notify.APIKey) []notify.APIKey {
	out := make([]notify.APIKey, len(keys))
	for i, k := range keys {
		out[i] = k
		out[i].EncryptedSecret = append([]byte(nil), k.EncryptedSecret...)
		if k.ExpiryDate != nil {
			d := *k.ExpiryDate
			out[i].ExpiryDate = &d
		}
	}
	return out
}

func TestReadCacheCanBeDisabled(t *testing.T) {
	t.Parallel()
	e := newRCEnv(t, func(c *notify.Config) { c.ReadCacheTTL = -1; c.Stats = nil })
	assert.Same(t, e.store, e.n.Store(), "no cache in front of the store")
	for range 3 {
		_, err := e.send(t, rcTeamPhone)
		require.NoError(t, err)
	}
	// The service and the keys are read to authenticate, then to check the
	// caller again.
	assert.Equal(t, map[string]int{"GetService": 6, "ListAPIKeys": 6, "GetTemplate": 3, "ListTeamMembers": 3, "ListGuestList": 3}, e.reads())
}

func TestReadCacheSizeMustNotBeNegative(t *testing.T) {
	t.Parallel()
	_, err := notify.New(notify.Config{ReadCacheSize: -1, SecretKey: testSecretKey})
	require.ErrorContains(t, err, "ReadCacheSize")
}

// rcClosingStore is a store with Close.
type rcClosingStore struct {
	notify.Store
	closed bool
}

func (s *rcClosingStore) Close() error { s.closed = true; return nil }

func TestReadCacheKeepsCloseAndUnwrap(t *testing.T) {
	t.Parallel()
	closing := &rcClosingStore{Store: memstore.New()}
	n, err := notify.New(notify.Config{Store: closing, Queue: discardQueue{}, SecretKey: testSecretKey})
	require.NoError(t, err)
	c, ok := n.Store().(interface{ Close() error })
	require.True(t, ok, "Close of the store stays reachable")
	require.NoError(t, c.Close())
	assert.True(t, closing.closed)
	u, ok := n.Store().(interface{ Unwrap() notify.Store })
	require.True(t, ok)
	assert.Same(t, closing, u.Unwrap())

	plain := memstore.New()
	n, err = notify.New(notify.Config{Store: plain, Queue: discardQueue{}, SecretKey: testSecretKey})
	require.NoError(t, err)
	_, ok = n.Store().(interface{ Close() error })
	assert.False(t, ok, "no Close when the store has none")
	assert.Same(t, plain, n.Store().(interface{ Unwrap() notify.Store }).Unwrap())
}

// BenchmarkAuthenticateAndSendSMS measures Authenticate followed by SendSMS
// to a team member of a trial service (every cached read on the path), with
// and without the read cache, on the memory store as it is and with 100µs
// added to each Store call the path makes, as a database round trip.
func BenchmarkAuthenticateAndSendSMS(b *testing.B) {
	for _, delay := range []time.Duration{0, 100 * time.Microsecond} {
		for _, ttl := range []time.Duration{notify.DefaultReadCacheTTL, -1} {
			name := "memstore"
			if delay > 0 {
				name += "+" + delay.String()
			}
			name += "/cache"
			if ttl < 0 {
				name += "-off"
			}
			b.Run(name, func(b *testing.B) {
				e := newRCEnv(b, func(c *notify.Config) {
					c.ReadCacheTTL, c.Stats, c.Clock, c.Queue = ttl, nil, nil, discardQueue{}
				})
				e.store.delay = delay
				ctx := context.Background()
				token, err := notify.NewToken(e.svc.ID, e.key.Secret, time.Now())
				require.NoError(b, err)
				req := &notify.SMSRequest{PhoneNumber: rcTeamPhone, TemplateID: e.tpl.ID,
					Personalisation: map[string]any{"name": "Jo"}}
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					c, err := e.n.Authenticate(ctx, "Bearer "+token)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := e.n.SendSMS(ctx, c, req); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
