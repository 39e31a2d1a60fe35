package instrument

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// complaintStore is an instrumented notify.ComplaintStore: each method
// counted and timed under dao.{method in snake case}, as the Store's own
// methods are.
type complaintStore struct {
	s     *store
	inner notify.ComplaintStore
}

// CreateComplaint calls the wrapped store's CreateComplaint.
func (c complaintStore) CreateComplaint(ctx context.Context, cp *notify.Complaint) error {
	defer c.s.done("dao.create_complaint", time.Now())
	return c.inner.CreateComplaint(ctx, cp)
}

// GetComplaint calls the wrapped store's GetComplaint.
func (c complaintStore) GetComplaint(ctx context.Context, id uuid.UUID) (*notify.Complaint, error) {
	defer c.s.done("dao.get_complaint", time.Now())
	return c.inner.GetComplaint(ctx, id)
}

// ListComplaints calls the wrapped store's ListComplaints.
func (c complaintStore) ListComplaints(ctx context.Context, serviceID uuid.UUID) ([]notify.Complaint, error) {
	defer c.s.done("dao.list_complaints", time.Now())
	return c.inner.ListComplaints(ctx, serviceID)
}

// complaintLister is an instrumented notify.ComplaintLister.
type complaintLister struct {
	s     *store
	inner notify.ComplaintLister
}

// ListAllComplaints calls the wrapped store's ListAllComplaints.
func (c complaintLister) ListAllComplaints(ctx context.Context, offset, limit int) ([]notify.Complaint, int, error) {
	defer c.s.done("dao.list_all_complaints", time.Now())
	return c.inner.ListAllComplaints(ctx, offset, limit)
}
