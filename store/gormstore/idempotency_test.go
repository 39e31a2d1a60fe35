package gormstore

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

// Two stores on one database stand for two processes: of many concurrent
// reservations of one key across both, exactly one wins, and a restarted
// store still knows the key.
func TestIdempotencyKeyAcrossProcesses(t *testing.T) {
	open := map[string]func(t *testing.T) func() *Store{
		"sqlite": func(t *testing.T) func() *Store {
			path := sqlitePath(t)
			o := func() *Store {
				st, err := OpenSQLite(context.Background(), path, Options{})
				require.NoError(t, err)
				t.Cleanup(func() { _ = st.Close() })
				return st
			}
			return o
		},
		"postgres": func(t *testing.T) func() *Store {
			dsn := pgSchemaDSN(t)
			o := func() *Store {
				st, err := OpenPostgres(context.Background(), dsn, Options{})
				require.NoError(t, err)
				t.Cleanup(func() { _ = st.Close() })
				return st
			}
			return o
		},
	}
	for name, opener := range open {
		t.Run(name, func(t *testing.T) {
			open := opener(t)
			a, b := open(), open()
			svc, now := uuid.New(), time.Now().UTC().Truncate(time.Microsecond)
			const n = 12
			var wg sync.WaitGroup
			won := make([]bool, n)
			errs := make([]error, n)
			for i := range n {
				wg.Go(func() {
					st := a
					if i%2 == 1 {
						st = b
					}
					prev, err := st.ReserveIdempotencyKey(t.Context(), &notify.IdempotencyRecord{ServiceID: svc, Key: "k",
						RequestHash: "h", ResourceID: uuid.New(), Owner: uuid.New(), LockedUntil: now.Add(time.Minute),
						CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)})
					won[i], errs[i] = err == nil && prev == nil, err
				})
			}
			wg.Wait()
			require.NoError(t, errors.Join(errs...))
			winners := 0
			for _, w := range won {
				if w {
					winners++
				}
			}
			assert.Equal(t, 1, winners, "one reservation across both stores")

			require.NoError(t, a.Close())
			restarted := open()
			prev, err := restarted.ReserveIdempotencyKey(t.Context(), &notify.IdempotencyRecord{ServiceID: svc, Key: "k",
				RequestHash: "other", ResourceID: uuid.New(), Owner: uuid.New(), LockedUntil: now, CreatedAt: now.Add(time.Hour),
				ExpiresAt: now.Add(25 * time.Hour)})
			require.NoError(t, err)
			require.NotNil(t, prev, "the key survives a restart")
			assert.Equal(t, "h", prev.RequestHash)
		})
	}
}
