package instrument_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/internal/abilitytest"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/stats/instrument"
)

// Every method of every optional ability is counted and timed, once, under
// dao.{method in snake case}, and still reaches the wrapped store.
func TestStoreWrapsEveryAbilityMethod(t *testing.T) {
	t.Parallel()
	mem, calls := abilitytest.Calls(t)
	abilitytest.CheckCovered(t, calls)
	rec := &recorder{}
	w, ok := instrument.Store(mem, rec).(interface{ WrapAbility(p any) })
	require.True(t, ok)
	for _, c := range calls {
		t.Run(c.Ability.Name()+"."+c.Method, func(t *testing.T) {
			rec.Reset()
			c.Run(t, t.Context(), w.WrapAbility)
			name := "dao." + c.Name()
			assert.Equal(t, []event{{"incr", name}, {"timing", name}}, rec.Events(""))
			for _, e := range rec.Events("") {
				for _, secret := range abilitytest.Secrets() {
					assert.NotContains(t, strings.ToLower(e.Name), strings.ToLower(secret))
				}
			}
		})
	}
}

// A call that fails is counted and timed like one that succeeds, as the
// Store's own methods are: neither the answer ErrNotFound nor a failure
// gets a metric of its own.
func TestAbilityFailuresAreCountedAsCalls(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	mem, _ := abilitytest.Calls(t)
	w := instrument.Store(mem, rec).(interface{ WrapAbility(p any) })
	var ds notify.DocumentStore = mem
	w.WrapAbility(&ds)
	_, err := ds.GetDocument(t.Context(), uuid.New(), uuid.New())
	require.ErrorIs(t, err, notify.ErrNotFound)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = ds.GetDocument(ctx, uuid.New(), uuid.New())
	require.ErrorIs(t, err, context.Canceled)
	name := "dao.get_document"
	assert.Equal(t, []event{{"incr", name}, {"timing", name}, {"incr", name}, {"timing", name}}, rec.Events(""))
}

// storeOnly hides every optional ability of the store it embeds.
type storeOnly struct{ notify.Store }

// Wrapping gives the Notifier no ability the store lacks: through
// instrument.Config a store without them still answers ErrUnsupported,
// and one with them is measured end to end.
func TestAbilitiesAreNotMadeUp(t *testing.T) {
	t.Parallel()
	mem, _ := abilitytest.Calls(t)
	for _, tc := range []struct {
		name  string
		store notify.Store
		has   bool
	}{
		{"without abilities", storeOnly{mem}, false},
		{"with abilities", mem, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			q := memqueue.New(memqueue.Options{})
			t.Cleanup(func() { _ = q.Close() })
			n, err := notify.New(instrument.Config(notify.Config{Store: tc.store, Queue: q, Stats: rec,
				SecretKey: []byte("instrument tests: a secret key of 32 bytes or more")}, ""))
			require.NoError(t, err)
			t.Cleanup(func() { _ = n.Close(context.Background()) })
			rec.Reset()
			_, err = n.ListServices(t.Context())
			if !tc.has {
				assert.ErrorIs(t, err, notify.ErrUnsupported)
				assert.Empty(t, rec.Events("dao.list_services"))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, []event{{"incr", "dao.list_services"}, {"timing", "dao.list_services"}},
				rec.Events("dao.list_services"))
		})
	}
}
