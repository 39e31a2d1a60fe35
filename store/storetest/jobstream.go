package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

// streamOf returns a producer of ns for StreamJob that hands out one
// reused Notification (personalisation map included), as SendBulk's
// does, and ends with fail after failAfter rows when fail is not nil.
func streamOf(ns []*notify.Notification, failAfter int, fail error) func() (*notify.Notification, error) {
	var cur notify.Notification
	pers := map[string]any{}
	i := 0
	return func() (*notify.Notification, error) {
		if fail != nil && i == failAfter {
			return nil, fail
		}
		if i == len(ns) {
			return nil, nil
		}
		cur = *ns[i]
		clear(pers)
		for k, v := range ns[i].Personalisation {
			pers[k] = v
		}
		cur.Personalisation = pers
		i++
		return &cur, nil
	}
}

func testJobStream(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	st := ability[notify.JobStreamer](t, f.store, "JobStreamer")
	js := ability[notify.JobStore](t, f.store, "JobStore")
	ctx := f.ctx

	// Every row is stored whole, although the producer reuses one
	// notification for them all.
	j, ns := f.job(300)
	for i, n := range ns {
		n.Personalisation = map[string]any{"row": string(rune('a' + i%26)), "n": float64(i)}
		n.Body = "row " + uuid.NewString()
	}
	require.NoError(t, st.StreamJob(ctx, j, streamOf(ns, 0, nil)))
	got, err := js.GetJob(ctx, f.svc.ID, j.ID)
	require.NoError(t, err)
	assert.Equal(t, notify.JobPending, got.Status)
	assert.Equal(t, 300, got.NotificationCount)
	for _, i := range []int{0, 1, 150, 299} {
		n, err := f.store.GetNotification(ctx, ns[i].ID)
		require.NoError(t, err, "row %d", i)
		assertNotification(t, ns[i], n, "row %d", i)
	}
	ids, err := js.ListJobNotificationIDs(ctx, j.ID)
	require.NoError(t, err)
	require.Len(t, ids, 300)
	assert.Equal(t, ns[0].ID, ids[0])
	assert.Equal(t, ns[299].ID, ids[299], "in row order")
	stats, err := js.JobStatistics(ctx, j.ID)
	require.NoError(t, err)
	assert.Equal(t, []notify.StatusCount{{Status: notify.StatusCreated, Count: 300}}, stats)

	// A producer that fails after some rows stores nothing: not the job,
	// not the rows it had produced; the error wraps the producer's.
	refused := errors.New("row 120 is refused")
	fj, fns := f.job(200)
	err = st.StreamJob(ctx, fj, streamOf(fns, 120, refused))
	require.ErrorIs(t, err, refused)
	_, err = js.GetJob(ctx, f.svc.ID, fj.ID)
	assert.ErrorIs(t, err, notify.ErrNotFound, "the job of a failed stream is not stored")
	for _, i := range []int{0, 119, 120} {
		_, err := f.store.GetNotification(ctx, fns[i].ID)
		assert.ErrorIs(t, err, notify.ErrNotFound, "row %d of a failed stream is not stored", i)
	}
	// A failure before the first row stores nothing either.
	ej, ens := f.job(3)
	require.ErrorIs(t, st.StreamJob(ctx, ej, streamOf(ens, 0, refused)), refused)
	_, err = js.GetJob(ctx, f.svc.ID, ej.ID)
	assert.ErrorIs(t, err, notify.ErrNotFound)

	// A duplicate row (the same notification id twice) stores nothing.
	dj, dns := f.job(4)
	dns[3].ID = dns[1].ID
	assert.ErrorIs(t, st.StreamJob(ctx, dj, streamOf(dns, 0, nil)), notify.ErrDuplicate)
	_, err = js.GetJob(ctx, f.svc.ID, dj.ID)
	assert.ErrorIs(t, err, notify.ErrNotFound, "the job of a duplicate row is not stored")
	_, err = f.store.GetNotification(ctx, dns[0].ID)
	assert.ErrorIs(t, err, notify.ErrNotFound)
	// So does a job id that exists already.
	_, again := f.job(2)
	assert.ErrorIs(t, st.StreamJob(ctx, j, streamOf(again, 0, nil)), notify.ErrDuplicate)
	_, err = f.store.GetNotification(ctx, again[0].ID)
	assert.ErrorIs(t, err, notify.ErrNotFound)

	// The stored job is untouched by the failures.
	got, err = js.GetJob(ctx, f.svc.ID, j.ID)
	require.NoError(t, err)
	assert.Equal(t, 300, got.NotificationCount)

	cj, cns := f.job(2)
	assert.ErrorIs(t, st.StreamJob(cancelled(t), cj, streamOf(cns, 0, nil)), context.Canceled)
	_, err = js.GetJob(ctx, f.svc.ID, cj.ID)
	assert.ErrorIs(t, err, notify.ErrNotFound)
}
