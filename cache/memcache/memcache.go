// Package memcache is an in-memory notify.Cache for a single process: the
// default cache of a Notifier built without one, and the cache of unit
// tests. Expiry is lazy: an expired key is dropped when it is next read, and
// expired keys are swept from time to time on writes.
//
// The implementation is notify.MemoryCache, so that notify.New can default
// to it without importing this package.
package memcache

import (
	"time"

	"github.com/notifykit/notify"
)

// Cache is an in-memory notify.Cache. The zero value is not usable; call New.
type Cache = notify.MemoryCache

// Option configures a Cache.
type Option = notify.MemoryCacheOption

// WithClock sets the clock used for expiry (time.Now by default).
func WithClock(now func() time.Time) Option { return notify.WithMemoryCacheClock(now) }

// New returns an empty Cache.
func New(opts ...Option) *Cache { return notify.NewMemoryCache(opts...) }
