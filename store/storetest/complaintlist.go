package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// testComplaintLister checks the optional notify.ComplaintLister ability:
// every service's complaints, newest first, a page at a time.
func testComplaintLister(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	cs := ability[notify.ComplaintStore](t, f.store, "ComplaintStore")
	cl := ability[notify.ComplaintLister](t, f.store, "ComplaintLister")
	ctx := f.ctx
	g := f.other()

	list, total, err := cl.ListAllComplaints(ctx, 0, 50)
	require.NoError(t, err)
	assert.Empty(t, list)
	assert.NotNil(t, list, "an empty page is not nil")
	assert.Equal(t, 0, total)

	n := f.create(f.notification(0))
	var want []uuid.UUID // newest first
	for i := range 5 {
		svc := f.svc.ID
		if i%2 == 1 {
			svc = g.svc.ID
		}
		c := &notify.Complaint{ID: uuid.New(), NotificationID: n.ID, ServiceID: svc,
			ComplaintDate: at(0), CreatedAt: at(time.Duration(i) * time.Minute)}
		require.NoError(t, cs.CreateComplaint(ctx, c))
		want = append([]uuid.UUID{c.ID}, want...)
	}
	// Two at one instant are ordered by id, descending.
	tie := []*notify.Complaint{
		{ID: uuid.MustParse("00000000-0000-4000-8000-000000000001"), NotificationID: n.ID, ServiceID: f.svc.ID, ComplaintDate: at(0), CreatedAt: at(-time.Hour)},
		{ID: uuid.MustParse("00000000-0000-4000-8000-000000000002"), NotificationID: n.ID, ServiceID: g.svc.ID, ComplaintDate: at(0), CreatedAt: at(-time.Hour)},
	}
	for _, c := range tie {
		require.NoError(t, cs.CreateComplaint(ctx, c))
	}
	want = append(want, tie[1].ID, tie[0].ID)

	ids := func(list []notify.Complaint) []uuid.UUID {
		out := make([]uuid.UUID, len(list))
		for i, c := range list {
			out[i] = c.ID
		}
		return out
	}
	list, total, err = cl.ListAllComplaints(ctx, 0, 50)
	require.NoError(t, err)
	assert.Equal(t, 7, total)
	assert.Equal(t, want, ids(list), "every service's, newest first")
	assert.Equal(t, at(4*time.Minute), list[0].CreatedAt.UTC())
	assert.Equal(t, at(0), list[0].ComplaintDate.UTC())

	var paged []uuid.UUID
	for offset := 0; offset < 7; offset += 3 {
		page, total, err := cl.ListAllComplaints(ctx, offset, 3)
		require.NoError(t, err)
		assert.Equal(t, 7, total)
		assert.LessOrEqual(t, len(page), 3)
		paged = append(paged, ids(page)...)
	}
	assert.Equal(t, want, paged, "pages follow each other")

	list, total, err = cl.ListAllComplaints(ctx, 7, 3)
	require.NoError(t, err)
	assert.Empty(t, list, "past the last")
	assert.Equal(t, 7, total)
	_, _, err = cl.ListAllComplaints(cancelled(t), 0, 3)
	assert.Error(t, err)
}
