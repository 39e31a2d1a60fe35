package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
)

// TaskComplaintCallback is the task that POSTs a complaint to its service's
// complaint callback, on the service-callbacks queue.
const TaskComplaintCallback = "send_complaint"

// Complaint is a recipient's complaint about an email, as an email
// provider reports it (upstream's complaints table).
type Complaint struct {
	ID             uuid.UUID
	NotificationID uuid.UUID
	ServiceID      uuid.UUID
	// SESFeedbackID is the provider's id of the complaint (SES's
	// complaint.feedbackId); a Store keeps one complaint per non-empty
	// feedback id.
	SESFeedbackID string
	// ComplaintType is the provider's feedback type ("abuse"...), if any.
	ComplaintType string
	// ComplaintDate is when the recipient complained.
	ComplaintDate time.Time
	CreatedAt     time.Time
}

// ComplaintStore is an optional Store ability: complaints about emails.
type ComplaintStore interface {
	// CreateComplaint stores c. An existing id, or an existing non-empty
	// SESFeedbackID, returns an error wrapping ErrDuplicate.
	CreateComplaint(ctx context.Context, c *Complaint) error
	// GetComplaint returns a complaint by id, or an error wrapping
	// ErrNotFound.
	GetComplaint(ctx context.Context, id uuid.UUID) (*Complaint, error)
	// ListComplaints returns a service's complaints, newest first
	// (created_at, then id).
	ListComplaints(ctx context.Context, serviceID uuid.UUID) ([]Complaint, error)
}

// ComplaintReport is a complaint as a provider's webhook reports it: the
// notification is found by the provider's reference.
type ComplaintReport struct {
	Provider          string
	ProviderReference string
	FeedbackID        string
	Type              string
	// Date is when the recipient complained; zero means now.
	Date time.Time
}

// ComplaintCallbackPayload is the body of a complaint callback, in
// upstream's shape.
type ComplaintCallbackPayload struct {
	NotificationID uuid.UUID `json:"notification_id"`
	ComplaintID    uuid.UUID `json:"complaint_id"`
	Reference      *string   `json:"reference"`
	To             string    `json:"to"`
	ComplaintDate  string    `json:"complaint_date"`
}

type complaintTask struct {
	ComplaintID uuid.UUID `json:"complaint_id"`
}

// ReceiveComplaint records a complaint against the notification the
// provider knows by r.ProviderReference and queues the service's
// complaint callback, if it has one. A complaint whose feedback id is
// recorded already (the provider sent it again) changes nothing and is
// not an error. An unknown reference is an error wrapping ErrNotFound; a
// Store without the ComplaintStore ability, one wrapping ErrUnsupported.
// The notification's status is not changed here (a complaint is a
// delivery receipt too: see ApplyReceipt).
func (n *Notifier) ReceiveComplaint(ctx context.Context, r ComplaintReport) (*Complaint, error) {
	const op = "receive complaint"
	cs, ok := storeAs[ComplaintStore](n.store)
	if !ok {
		return nil, unsupported(op, "ComplaintStore")
	}
	nt, err := n.store.FindNotificationByProviderReference(ctx, r.Provider, r.ProviderReference)
	if err != nil {
		return nil, fmt.Errorf("notify: %s from %s: %w", op, r.Provider, err)
	}
	now := n.now()
	date := r.Date
	if date.IsZero() {
		date = now
	}
	c := &Complaint{ID: uuid.New(), NotificationID: nt.ID, ServiceID: nt.ServiceID,
		SESFeedbackID: strings.TrimSpace(r.FeedbackID), ComplaintType: r.Type,
		ComplaintDate: date.UTC().Truncate(time.Microsecond), CreatedAt: now}
	if err := cs.CreateComplaint(ctx, c); errors.Is(err, ErrDuplicate) && c.SESFeedbackID != "" {
		n.log.InfoContext(ctx, "complaint already recorded", slog.String("notification_id", nt.ID.String()))
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("notify: %s for %s: %w", op, nt.ID, err)
	}
	n.stats.Incr("complaint." + r.Provider)
	n.log.InfoContext(ctx, "complaint recorded", slog.String("notification_id", nt.ID.String()),
		slog.String("complaint_id", c.ID.String()), slog.String("service_id", nt.ServiceID.String()))
	n.queueComplaintCallback(ctx, c)
	return c, nil
}

// queueComplaintCallback queues the complaint callback of c when its
// service has one. A failure is logged: the complaint is recorded and can
// be listed.
func (n *Notifier) queueComplaintCallback(ctx context.Context, c *Complaint) {
	// Queued unless the service is known to have no such callback: when
	// the service or its callback cannot be read, the task reads them
	// again.
	if svc, err := n.store.GetService(ctx, c.ServiceID); err == nil {
		if _, ok, err := n.callbackTargetOf(ctx, svc, CallbackComplaint); err == nil && !ok {
			return
		}
	}
	payload, _ := json.Marshal(complaintTask{ComplaintID: c.ID})
	if err := n.enqueueDetached(ctx, QueueServiceCallbacks, Task{Name: TaskComplaintCallback, NotificationID: c.NotificationID, Payload: payload}); err != nil {
		n.log.WarnContext(ctx, "complaint callback: not queued", slog.String("complaint_id", c.ID.String()), slog.Any("error", err))
	}
}

// sendComplaintCallback POSTs a complaint to its service's complaint
// callback.
func (n *Notifier) sendComplaintCallback(ctx context.Context, t Task) error {
	var p complaintTask
	if err := json.Unmarshal(t.Payload, &p); err != nil {
		return Permanent(fmt.Errorf("notify: complaint callback payload: %w", err))
	}
	cs, ok := storeAs[ComplaintStore](n.store)
	if !ok {
		return Permanent(unsupported("complaint callback", "ComplaintStore"))
	}
	c, err := cs.GetComplaint(ctx, p.ComplaintID)
	if errors.Is(err, ErrNotFound) {
		return Permanent(fmt.Errorf("notify: complaint callback: %w", err))
	}
	if err != nil {
		return fmt.Errorf("notify: complaint callback: %w", err)
	}
	nt, err := n.store.GetNotification(ctx, c.NotificationID)
	if errors.Is(err, ErrNotFound) {
		return Permanent(fmt.Errorf("notify: complaint callback: %w", err))
	}
	if err != nil {
		return fmt.Errorf("notify: complaint callback: %w", err)
	}
	svc, err := n.store.GetService(ctx, c.ServiceID)
	if err != nil {
		return fmt.Errorf("notify: complaint callback: %w", err)
	}
	target, ok, err := n.callbackTargetOf(ctx, svc, CallbackComplaint)
	if err != nil {
		return fmt.Errorf("notify: complaint callback: %w", err)
	}
	if !ok {
		return nil
	}
	return n.postCallback(ctx, "complaint callback", c.ID, target, NewComplaintCallbackPayload(c, nt))
}

// NewComplaintCallbackPayload builds the callback body of a complaint
// about nt.
func NewComplaintCallbackPayload(c *Complaint, nt *Notification) ComplaintCallbackPayload {
	return ComplaintCallbackPayload{NotificationID: nt.ID, ComplaintID: c.ID, Reference: nt.ClientReference,
		To: nt.To, ComplaintDate: c.ComplaintDate.UTC().Format(TimeFormat)}
}

// Complaints returns a service's complaints, newest first.
func (n *Notifier) Complaints(ctx context.Context, serviceID uuid.UUID) ([]Complaint, error) {
	const op = "list complaints"
	cs, ok := storeAs[ComplaintStore](n.store)
	if !ok {
		return nil, unsupported(op, "ComplaintStore")
	}
	list, err := cs.ListComplaints(ctx, serviceID)
	if err != nil {
		return nil, fmt.Errorf("notify: %s: %w", op, err)
	}
	return list, nil
}

// ComplaintLister is an optional Store ability: every service's complaints,
// a page at a time, for the admin API's GET /complaint.
type ComplaintLister interface {
	// ListAllComplaints returns up to limit complaints of every service,
	// newest first (created_at, then id, both descending), after skipping
	// offset of them, and how many complaints there are in all.
	ListAllComplaints(ctx context.Context, offset, limit int) ([]Complaint, int, error)
}

// ComplaintPageSize is the page size of AllComplaints, upstream's
// PAGE_SIZE.
const ComplaintPageSize = 50

// maxComplaintPage bounds the page number AllComplaints reads, so that
// the offset it asks the Store for cannot overflow; a page past the last
// is empty whatever its number.
const maxComplaintPage = 1 << 30

// ListedComplaint is a complaint with the name of its service.
type ListedComplaint struct {
	Complaint
	ServiceName string
}

// ComplaintPage is one page of AllComplaints.
type ComplaintPage struct {
	Complaints []ListedComplaint
	// Page is the page number, from 1; Pages how many pages there are (0
	// when there are no complaints).
	Page, Pages int
	// Total counts every complaint.
	Total int
}

// AllComplaints returns page page (from 1) of every service's complaints,
// ComplaintPageSize a page, newest first, each with its service's name. A
// page below 1 is a ValidationError; a page past the last is empty. A
// Store without the ComplaintLister ability is ErrUnsupported.
func (n *Notifier) AllComplaints(ctx context.Context, page int) (*ComplaintPage, error) {
	const op = "list all complaints"
	if page < 1 {
		return nil, ValidationError("page", "page must be a positive integer")
	}
	cl, ok := storeAs[ComplaintLister](n.store)
	if !ok {
		return nil, unsupported(op, "ComplaintLister")
	}
	list, total, err := cl.ListAllComplaints(ctx, (min(page, maxComplaintPage)-1)*ComplaintPageSize, ComplaintPageSize)
	if err != nil {
		return nil, fmt.Errorf("notify: %s: %w", op, err)
	}
	out := &ComplaintPage{Complaints: make([]ListedComplaint, len(list)), Page: page, Total: total,
		Pages: (total + ComplaintPageSize - 1) / ComplaintPageSize}
	names := map[uuid.UUID]string{}
	for i, c := range list {
		name, ok := names[c.ServiceID]
		if !ok {
			svc, err := n.store.GetService(ctx, c.ServiceID)
			switch {
			case err == nil:
				name = svc.Name
			case errors.Is(err, ErrNotFound):
				// A complaint outlives nothing it refers to in upstream's
				// schema; here a service removed by hand leaves it nameless.
			default:
				return nil, fmt.Errorf("notify: %s: service %s: %w", op, c.ServiceID, err)
			}
			names[c.ServiceID] = name
		}
		out.Complaints[i] = ListedComplaint{Complaint: c, ServiceName: name}
	}
	return out, nil
}
