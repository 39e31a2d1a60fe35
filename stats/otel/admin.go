package otel

import (
	"context"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"

	"github.com/notifykit/notify"
)

// The administration and retention abilities of a store, each method in a
// client span named notify.{method in snake case} with the service's id.
// Guest list entries and team members' addresses are not recorded.

// serviceLister is a traced notify.ServiceLister.
type serviceLister struct {
	inner notify.ServiceLister
	tr    trace.Tracer
}

// ListServices calls the wrapped store's in a notify.list_services span.
func (l serviceLister) ListServices(ctx context.Context) ([]notify.Service, error) {
	ctx, span := startCall(ctx, l.tr, "notify.list_services")
	svcs, err := l.inner.ListServices(ctx)
	endCall(span, err)
	return svcs, err
}

// guestListReplacer is a traced notify.GuestListReplacer.
type guestListReplacer struct {
	inner notify.GuestListReplacer
	tr    trace.Tracer
}

// ReplaceGuestList calls the wrapped store's in a notify.replace_guest_list
// span, which says how many entries the list gets but not who.
func (g guestListReplacer) ReplaceGuestList(ctx context.Context, serviceID uuid.UUID, entries []notify.GuestListEntry) error {
	ctx, span := startCall(ctx, g.tr, "notify.replace_guest_list", serviceAttr(serviceID), AttrCount.Int(len(entries)))
	err := g.inner.ReplaceGuestList(ctx, serviceID, entries)
	endCall(span, err)
	return err
}

// teamMemberRemover is a traced notify.TeamMemberRemover.
type teamMemberRemover struct {
	inner notify.TeamMemberRemover
	tr    trace.Tracer
}

// RemoveTeamMember calls the wrapped store's in a notify.remove_team_member
// span.
func (r teamMemberRemover) RemoveTeamMember(ctx context.Context, m notify.TeamMember) error {
	ctx, span := startCall(ctx, r.tr, "notify.remove_team_member", serviceAttr(m.ServiceID))
	err := r.inner.RemoveTeamMember(ctx, m)
	endCall(span, err)
	return err
}

// statusCounter is a traced notify.StatusCounter.
type statusCounter struct {
	inner notify.StatusCounter
	tr    trace.Tracer
}

// CountNotificationsByStatus calls the wrapped store's in a
// notify.count_notifications_by_status span.
func (c statusCounter) CountNotificationsByStatus(ctx context.Context, serviceID uuid.UUID, since time.Time) ([]notify.StatusCount, error) {
	ctx, span := startCall(ctx, c.tr, "notify.count_notifications_by_status", serviceAttr(serviceID))
	counts, err := c.inner.CountNotificationsByStatus(ctx, serviceID, since)
	endCall(span, err)
	return counts, err
}

// dataRetentionStore is a traced notify.DataRetentionStore.
type dataRetentionStore struct {
	inner notify.DataRetentionStore
	tr    trace.Tracer
}

// CreateDataRetention calls the wrapped store's in a
// notify.create_data_retention span.
func (d dataRetentionStore) CreateDataRetention(ctx context.Context, r *notify.DataRetention) error {
	ctx, span := startCall(ctx, d.tr, "notify.create_data_retention", serviceAttr(r.ServiceID), AttrType.String(string(r.Type)))
	err := d.inner.CreateDataRetention(ctx, r)
	endCall(span, err)
	return err
}

// UpdateDataRetention calls the wrapped store's in a
// notify.update_data_retention span.
func (d dataRetentionStore) UpdateDataRetention(ctx context.Context, serviceID, id uuid.UUID, days int, at time.Time) error {
	ctx, span := startCall(ctx, d.tr, "notify.update_data_retention", serviceAttr(serviceID))
	err := d.inner.UpdateDataRetention(ctx, serviceID, id, days, at)
	endCall(span, err)
	return err
}

// ListDataRetention calls the wrapped store's in a
// notify.list_data_retention span.
func (d dataRetentionStore) ListDataRetention(ctx context.Context, serviceID uuid.UUID) ([]notify.DataRetention, error) {
	ctx, span := startCall(ctx, d.tr, "notify.list_data_retention", serviceAttr(serviceID))
	rs, err := d.inner.ListDataRetention(ctx, serviceID)
	endCall(span, err)
	return rs, err
}

// notificationArchiver is a traced notify.NotificationArchiver.
type notificationArchiver struct {
	inner notify.NotificationArchiver
	tr    trace.Tracer
}

// ArchiveNotifications calls the wrapped store's in one
// notify.archive_notifications span, however many batches it runs, which
// says how many notifications it moved or deleted.
func (a notificationArchiver) ArchiveNotifications(ctx context.Context, serviceID uuid.UUID, typ notify.NotificationType, before time.Time, batchSize int) (int, error) {
	ctx, span := startCall(ctx, a.tr, "notify.archive_notifications", serviceAttr(serviceID), AttrType.String(string(typ)))
	n, err := a.inner.ArchiveNotifications(ctx, serviceID, typ, before, batchSize)
	span.SetAttributes(AttrAffected.Int(n))
	endCall(span, err)
	return n, err
}
