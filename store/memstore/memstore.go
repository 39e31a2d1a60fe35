// Package memstore is an in-memory notify.Store: the default store of a
// Notifier built without one, and the fast store of unit tests. It keeps
// everything in maps behind one sync.RWMutex and copies every value in and
// out, so callers never share memory with it. Data lives as long as the
// Store value.
//
// The implementation is notify.MemoryStore, so that notify.New can default
// to it without importing this package; this package is its conventional
// home beside the other Store adapters.
package memstore

import "github.com/notifykit/notify"

// Store is an in-memory notify.Store. The zero value is not usable; call New.
type Store = notify.MemoryStore

// New returns an empty Store.
func New() *Store { return notify.NewMemoryStore() }
