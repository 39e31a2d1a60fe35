package otel

import (
	"context"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"

	"github.com/notifykit/notify"
)

// complaintStore is a traced notify.ComplaintStore: each method in a client
// span named notify.{method in snake case}.
type complaintStore struct {
	inner notify.ComplaintStore
	tr    trace.Tracer
}

// CreateComplaint calls the wrapped store's in a notify.create_complaint
// span with the service's and the notification's ids.
func (c complaintStore) CreateComplaint(ctx context.Context, cp *notify.Complaint) error {
	ctx, span := startCall(ctx, c.tr, "notify.create_complaint", serviceAttr(cp.ServiceID),
		AttrNotificationID.String(cp.NotificationID.String()))
	err := c.inner.CreateComplaint(ctx, cp)
	endCall(span, err)
	return err
}

// GetComplaint calls the wrapped store's in a notify.get_complaint span.
func (c complaintStore) GetComplaint(ctx context.Context, id uuid.UUID) (*notify.Complaint, error) {
	ctx, span := startCall(ctx, c.tr, "notify.get_complaint")
	cp, err := c.inner.GetComplaint(ctx, id)
	if cp != nil {
		span.SetAttributes(serviceAttr(cp.ServiceID))
	}
	endCall(span, err)
	return cp, err
}

// ListComplaints calls the wrapped store's in a notify.list_complaints
// span.
func (c complaintStore) ListComplaints(ctx context.Context, serviceID uuid.UUID) ([]notify.Complaint, error) {
	ctx, span := startCall(ctx, c.tr, "notify.list_complaints", serviceAttr(serviceID))
	cs, err := c.inner.ListComplaints(ctx, serviceID)
	endCall(span, err)
	return cs, err
}

// complaintLister is a traced notify.ComplaintLister.
type complaintLister struct {
	inner notify.ComplaintLister
	tr    trace.Tracer
}

// ListAllComplaints calls the wrapped store's in a
// notify.list_all_complaints span.
func (c complaintLister) ListAllComplaints(ctx context.Context, offset, limit int) ([]notify.Complaint, int, error) {
	ctx, span := startCall(ctx, c.tr, "notify.list_all_complaints")
	cs, total, err := c.inner.ListAllComplaints(ctx, offset, limit)
	endCall(span, err)
	return cs, total, err
}
