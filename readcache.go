package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Defaults of the read cache (Config.ReadCacheTTL and Config.ReadCacheSize).
const (
	// DefaultReadCacheTTL is how long a read stays cached: upstream keeps
	// services, API keys and templates in process for about as long.
	DefaultReadCacheTTL = 2 * time.Second
	// DefaultReadCacheSize is the number of entries the read cache holds at
	// most.
	DefaultReadCacheSize = 10000
)

// readKind is what a read-cache entry holds.
type readKind uint8

const (
	readService readKind = iota
	readAPIKeys
	readTemplate
	readTemplateVersion
	readTeamMembers
	readGuestList
	readSMSSenders   // readcache_senders.go
	readEmailReplyTo // readcache_senders.go
)

// readMetrics are the hit and miss counter names of each kind, built once so
// that counting allocates nothing.
var readMetrics = [...]struct{ hit, miss string }{
	readService:         {"readcache.service.hit", "readcache.service.miss"},
	readAPIKeys:         {"readcache.api_keys.hit", "readcache.api_keys.miss"},
	readTemplate:        {"readcache.template.hit", "readcache.template.miss"},
	readTemplateVersion: {"readcache.template_version.hit", "readcache.template_version.miss"},
	readTeamMembers:     {"readcache.team_members.hit", "readcache.team_members.miss"},
	readGuestList:       {"readcache.guest_list.hit", "readcache.guest_list.miss"},
	readSMSSenders:      {"readcache.sms_senders.hit", "readcache.sms_senders.miss"},
	readEmailReplyTo:    {"readcache.email_reply_to.hit", "readcache.email_reply_to.miss"},
}

// readKey identifies one cached read: service is the service id (or the
// only id, for a service), id a template id, version a template version.
type readKey struct {
	kind    readKind
	service uuid.UUID
	id      uuid.UUID
	version int
}

// readEntry is a cached value in the recency list, most recent first.
type readEntry struct {
	key        readKey
	val        any
	expires    time.Time
	prev, next *readEntry
}

// flightKey names a load in progress. gen is the invalidation generation
// the load started in, so that a caller arriving after a write never joins
// a load that may have read what the write replaced.
type flightKey struct {
	key readKey
	gen uint64
}

// flight is one load from the Store shared by every caller that missed the
// same key meanwhile.
type flight struct {
	done chan struct{}
	val  any
	err  error
}

// errLoadPanicked is what callers sharing a load see when the Store
// panicked in it (the leader's goroutine panics on).
var errLoadPanicked = errors.New("notify: read cache: the store panicked while loading")

// cachedStore is the Store the Notifier uses: reads that authentication,
// sending and delivery make (service, API keys, current and past template
// versions, team members, guest list) are kept for ttl in a bounded LRU;
// every other method goes straight to the wrapped Store. Its own writes
// invalidate what they change, so a change made through it shows at once.
// Failures are never cached, concurrent misses of one key share a single
// load, and values are copied on the way out.
type cachedStore struct {
	Store
	ttl   time.Duration
	max   int
	clock func() time.Time
	stats Stats

	mu      sync.Mutex
	entries map[readKey]*readEntry
	head    readEntry // sentinel: head.next is the most recent, head.prev the least
	gen     uint64    // bumped by every write
	flights map[flightKey]*flight
}

// cachedClosingStore is the cachedStore of a Store that has Close.
type cachedClosingStore struct {
	*cachedStore
	closer interface{ Close() error }
}

// Close closes the wrapped Store.
func (s *cachedClosingStore) Close() error { return s.closer.Close() }

// newCachedStore puts a read cache of ttl and at most max entries in front
// of s. The result has a Close() error method when s has one, and
// Unwrap() Store.
func newCachedStore(s Store, ttl time.Duration, max int, clock func() time.Time, stats Stats) Store {
	c := &cachedStore{Store: s, ttl: ttl, max: max, clock: clock, stats: stats,
		entries: map[readKey]*readEntry{}, flights: map[flightKey]*flight{}}
	c.head.next, c.head.prev = &c.head, &c.head
	if closer, ok := s.(interface{ Close() error }); ok {
		return &cachedClosingStore{cachedStore: c, closer: closer}
	}
	return c
}

// Unwrap returns the Store behind the cache.
func (c *cachedStore) Unwrap() Store { return c.Store }

// bypass returns the Store behind the cache, for reads that must see the
// record as it is now (read-modify-write).
func (c *cachedStore) bypass() Store { return c.Store }

// uncached returns the Store behind s's read cache, or s when it has none.
func uncached(s Store) Store {
	if c, ok := s.(interface{ bypass() Store }); ok {
		return c.bypass()
	}
	return s
}

// readThrough returns the cached value of k, or loads it with fetch, caches
// it when fetch succeeds and no write happened meanwhile, and returns it.
// Concurrent misses of k share one fetch; a caller whose ctx ends while
// waiting for another's fetch returns at once.
func readThrough[V any](ctx context.Context, c *cachedStore, k readKey, fetch func(context.Context) (V, error)) (V, error) {
	var zero V
	if err := ctx.Err(); err != nil {
		return zero, fmt.Errorf("notify: read cache: %w", err)
	}
	start := c.clock()
	c.mu.Lock()
	if e, ok := c.entries[k]; ok {
		if start.Before(e.expires) {
			c.unlink(e)
			c.pushFront(e)
			v := e.val.(V)
			c.mu.Unlock()
			c.stats.Incr(readMetrics[k.kind].hit)
			return v, nil
		}
		c.unlink(e)
		delete(c.entries, k)
	}
	fk := flightKey{key: k, gen: c.gen}
	f, joined := c.flights[fk]
	if !joined {
		f = &flight{done: make(chan struct{}), err: errLoadPanicked}
		c.flights[fk] = f
	}
	c.mu.Unlock()
	// Counted after joining, so that a miss counted is a caller already
	// waiting on the flight.
	c.stats.Incr(readMetrics[k.kind].miss)
	if !joined {
		lead(ctx, c, fk, f, start, fetch)
		if f.err != nil {
			return zero, f.err
		}
		return f.val.(V), nil
	}
	select {
	case <-f.done:
	case <-ctx.Done():
		return zero, fmt.Errorf("notify: read cache: %w", ctx.Err())
	}
	if f.err != nil {
		if ctx.Err() == nil && (errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded)) {
			// The caller that led the load gave up; this one has not.
			return fetch(ctx)
		}
		return zero, f.err
	}
	return f.val.(V), nil
}

// lead runs the fetch of flight f, caches a success, and releases the
// callers waiting on f even if fetch panics.
func lead[V any](ctx context.Context, c *cachedStore, fk flightKey, f *flight, start time.Time, fetch func(context.Context) (V, error)) {
	defer func() {
		c.mu.Lock()
		delete(c.flights, fk)
		if f.err == nil && c.gen == fk.gen {
			c.put(fk.key, f.val, start.Add(c.ttl))
		}
		c.mu.Unlock()
		close(f.done)
	}()
	v, err := fetch(ctx)
	f.val, f.err = v, err
}

// put stores val at k as the most recent entry and evicts the least recent
// beyond max. c.mu is held.
func (c *cachedStore) put(k readKey, val any, expires time.Time) {
	if e, ok := c.entries[k]; ok {
		e.val, e.expires = val, expires
		c.unlink(e)
		c.pushFront(e)
		return
	}
	e := &readEntry{key: k, val: val, expires: expires}
	c.entries[k] = e
	c.pushFront(e)
	for len(c.entries) > c.max {
		old := c.head.prev
		c.unlink(old)
		delete(c.entries, old.key)
	}
}

func (c *cachedStore) pushFront(e *readEntry) {
	e.prev, e.next = &c.head, c.head.next
	c.head.next.prev = e
	c.head.next = e
}

func (c *cachedStore) unlink(e *readEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

// invalidate drops the entries of keys and stops loads already running from
// caching what they read. Writes call it whether or not they succeeded: a
// failed write may still have changed the record.
func (c *cachedStore) invalidate(keys ...readKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, k := range keys {
		if e, ok := c.entries[k]; ok {
			c.unlink(e)
			delete(c.entries, k)
		}
	}
}

// ---------------------------------------------------------------------------
// Cached reads.

// GetService returns a service by id, from the cache when it is there.
func (c *cachedStore) GetService(ctx context.Context, id uuid.UUID) (*Service, error) {
	s, err := readThrough(ctx, c, readKey{kind: readService, service: id}, func(ctx context.Context) (*Service, error) {
		return c.Store.GetService(ctx, id)
	})
	if err != nil {
		return nil, err
	}
	return copyCachedService(s), nil
}

// ListAPIKeys returns every key of a service, from the cache when it is
// there.
func (c *cachedStore) ListAPIKeys(ctx context.Context, serviceID uuid.UUID) ([]APIKey, error) {
	keys, err := readThrough(ctx, c, readKey{kind: readAPIKeys, service: serviceID}, func(ctx context.Context) ([]APIKey, error) {
		return c.Store.ListAPIKeys(ctx, serviceID)
	})
	if err != nil {
		return nil, err
	}
	return copyCachedAPIKeys(keys), nil
}

// GetTemplate returns the current version of a template, from the cache
// when it is there.
func (c *cachedStore) GetTemplate(ctx context.Context, serviceID, id uuid.UUID) (*Template, error) {
	t, err := readThrough(ctx, c, readKey{kind: readTemplate, service: serviceID, id: id}, func(ctx context.Context) (*Template, error) {
		return c.Store.GetTemplate(ctx, serviceID, id)
	})
	if err != nil {
		return nil, err
	}
	return copyCachedTemplate(t), nil
}

// GetTemplateVersion returns one version of a template, from the cache when
// it is there. Versions never change once stored, so no write invalidates
// them.
func (c *cachedStore) GetTemplateVersion(ctx context.Context, serviceID, id uuid.UUID, version int) (*Template, error) {
	k := readKey{kind: readTemplateVersion, service: serviceID, id: id, version: version}
	t, err := readThrough(ctx, c, k, func(ctx context.Context) (*Template, error) {
		return c.Store.GetTemplateVersion(ctx, serviceID, id, version)
	})
	if err != nil {
		return nil, err
	}
	return copyCachedTemplate(t), nil
}

// ListTeamMembers returns a service's team members, from the cache when
// they are there.
func (c *cachedStore) ListTeamMembers(ctx context.Context, serviceID uuid.UUID) ([]TeamMember, error) {
	team, err := readThrough(ctx, c, readKey{kind: readTeamMembers, service: serviceID}, func(ctx context.Context) ([]TeamMember, error) {
		return c.Store.ListTeamMembers(ctx, serviceID)
	})
	if err != nil {
		return nil, err
	}
	return slices.Clone(team), nil
}

// ListGuestList returns a service's guest list, from the cache when it is
// there.
func (c *cachedStore) ListGuestList(ctx context.Context, serviceID uuid.UUID) ([]GuestListEntry, error) {
	guests, err := readThrough(ctx, c, readKey{kind: readGuestList, service: serviceID}, func(ctx context.Context) ([]GuestListEntry, error) {
		return c.Store.ListGuestList(ctx, serviceID)
	})
	if err != nil {
		return nil, err
	}
	return slices.Clone(guests), nil
}

// ---------------------------------------------------------------------------
// Writes that change what is cached.

// CreateService inserts a service.
func (c *cachedStore) CreateService(ctx context.Context, s *Service) error {
	defer c.invalidate(readKey{kind: readService, service: s.ID})
	return c.Store.CreateService(ctx, s)
}

// UpdateService replaces a service's fields and drops its cached copy.
func (c *cachedStore) UpdateService(ctx context.Context, s *Service) error {
	defer c.invalidate(readKey{kind: readService, service: s.ID})
	return c.Store.UpdateService(ctx, s)
}

// AddTeamMember adds a team member and drops the service's cached team.
func (c *cachedStore) AddTeamMember(ctx context.Context, m TeamMember) error {
	defer c.invalidate(readKey{kind: readTeamMembers, service: m.ServiceID})
	return c.Store.AddTeamMember(ctx, m)
}

// AddGuestListEntry adds a guest list entry and drops the service's cached
// guest list.
func (c *cachedStore) AddGuestListEntry(ctx context.Context, e GuestListEntry) error {
	defer c.invalidate(readKey{kind: readGuestList, service: e.ServiceID})
	return c.Store.AddGuestListEntry(ctx, e)
}

// CreateAPIKey inserts a key and drops the service's cached keys.
func (c *cachedStore) CreateAPIKey(ctx context.Context, k *APIKey) error {
	defer c.invalidate(readKey{kind: readAPIKeys, service: k.ServiceID})
	return c.Store.CreateAPIKey(ctx, k)
}

// RevokeAPIKey revokes a key and drops the service's cached keys.
func (c *cachedStore) RevokeAPIKey(ctx context.Context, serviceID, keyID uuid.UUID, at time.Time) error {
	defer c.invalidate(readKey{kind: readAPIKeys, service: serviceID})
	return c.Store.RevokeAPIKey(ctx, serviceID, keyID, at)
}

// CreateTemplate inserts version 1 of a template.
func (c *cachedStore) CreateTemplate(ctx context.Context, t *Template) error {
	defer c.invalidate(readKey{kind: readTemplate, service: t.ServiceID, id: t.ID})
	return c.Store.CreateTemplate(ctx, t)
}

// UpdateTemplate stores a new version of a template and drops the cached
// current version.
func (c *cachedStore) UpdateTemplate(ctx context.Context, t *Template) error {
	defer c.invalidate(readKey{kind: readTemplate, service: t.ServiceID, id: t.ID})
	return c.Store.UpdateTemplate(ctx, t)
}

// ---------------------------------------------------------------------------
// Copies handed to callers, who may modify them.

func copyCachedService(s *Service) *Service {
	c := *s
	c.Permissions = slices.Clone(s.Permissions)
	return &c
}

func copyCachedTemplate(t *Template) *Template {
	c := *t
	if t.UpdatedAt != nil {
		at := *t.UpdatedAt
		c.UpdatedAt = &at
	}
	return &c
}

// copyCachedAPIKeys copies keys with three allocations whatever their
// number: the slice, one buffer for every encrypted secret, one array for
// every expiry date.
func copyCachedAPIKeys(keys []APIKey) []APIKey {
	out := slices.Clone(keys)
	size, expired := 0, 0
	for i := range keys {
		size += len(keys[i].EncryptedSecret)
		if keys[i].ExpiryDate != nil {
			expired++
		}
	}
	secrets := make([]byte, 0, size)
	var dates []time.Time
	if expired > 0 {
		dates = make([]time.Time, 0, expired)
	}
	for i := range out {
		if s := keys[i].EncryptedSecret; s != nil {
			from := len(secrets)
			secrets = append(secrets, s...)
			out[i].EncryptedSecret = secrets[from:len(secrets):len(secrets)]
		}
		if d := keys[i].ExpiryDate; d != nil {
			dates = append(dates, *d)
			out[i].ExpiryDate = &dates[len(dates)-1]
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// Optional write abilities (adminstore.go): the cache has them whatever the
// Store behind it, drops what they change, and answers ErrUnsupported when
// that Store lacks them.

// ReplaceGuestList replaces a service's guest list and drops its cached
// copy.
func (c *cachedStore) ReplaceGuestList(ctx context.Context, serviceID uuid.UUID, entries []GuestListEntry) error {
	g, ok := storeAs[GuestListReplacer](c.Store)
	if !ok {
		return unsupported("replace guest list", "ReplaceGuestList")
	}
	defer c.invalidate(readKey{kind: readGuestList, service: serviceID})
	return g.ReplaceGuestList(ctx, serviceID, entries)
}

// RemoveTeamMember removes a team member and drops the service's cached
// team.
func (c *cachedStore) RemoveTeamMember(ctx context.Context, m TeamMember) error {
	r, ok := storeAs[TeamMemberRemover](c.Store)
	if !ok {
		return unsupported("remove team member", "RemoveTeamMember")
	}
	defer c.invalidate(readKey{kind: readTeamMembers, service: m.ServiceID})
	return r.RemoveTeamMember(ctx, m)
}
