package instrument_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/stats/instrument"
	"github.com/notifykit/notify/store/memstore"
)

func TestStoreWrapIdempotencyStore(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	mem := memstore.New()
	w, ok := instrument.Store(mem, rec).(interface{ WrapAbility(p any) })
	require.True(t, ok)
	var st notify.IdempotencyStore = mem
	w.WrapAbility(&st)
	ctx, now := t.Context(), time.Now()
	r := &notify.IdempotencyRecord{ServiceID: uuid.New(), Key: "k", ResourceID: uuid.New(), Owner: uuid.New(),
		LockedUntil: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	prev, err := st.ReserveIdempotencyKey(ctx, r)
	require.NoError(t, err)
	assert.Nil(t, prev, "the wrapped store did the work")
	owner := uuid.New()
	require.NoError(t, st.TakeOverIdempotencyKey(ctx, r.ServiceID, r.Key, r.Owner, owner, now, now.Add(time.Minute)))
	require.NoError(t, st.EndIdempotencyLease(ctx, r.ServiceID, r.Key, owner, now))
	require.NoError(t, st.CompleteIdempotencyKey(ctx, r.ServiceID, r.Key, r.ResourceID))
	require.NoError(t, st.ReleaseIdempotencyKey(ctx, r.ServiceID, r.Key, owner))
	n, err := st.DeleteExpiredIdempotencyKeys(ctx, now.Add(time.Hour), 0)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	var want []event
	for _, name := range []string{"dao.reserve_idempotency_key", "dao.take_over_idempotency_key", "dao.end_idempotency_lease",
		"dao.complete_idempotency_key", "dao.release_idempotency_key", "dao.delete_expired_idempotency_keys"} {
		want = append(want, event{"incr", name}, event{"timing", name})
	}
	assert.Equal(t, want, rec.Events(""))
}
