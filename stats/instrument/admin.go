package instrument

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// The administration and retention abilities of a store, each method
// counted and timed under dao.{method in snake case}, failed or not, as the
// Store's own methods are.

// serviceLister is an instrumented notify.ServiceLister.
type serviceLister struct {
	s     *store
	inner notify.ServiceLister
}

// ListServices calls the wrapped store's ListServices.
func (l serviceLister) ListServices(ctx context.Context) ([]notify.Service, error) {
	defer l.s.done("dao.list_services", time.Now())
	return l.inner.ListServices(ctx)
}

// guestListReplacer is an instrumented notify.GuestListReplacer.
type guestListReplacer struct {
	s     *store
	inner notify.GuestListReplacer
}

// ReplaceGuestList calls the wrapped store's ReplaceGuestList.
func (g guestListReplacer) ReplaceGuestList(ctx context.Context, serviceID uuid.UUID, entries []notify.GuestListEntry) error {
	defer g.s.done("dao.replace_guest_list", time.Now())
	return g.inner.ReplaceGuestList(ctx, serviceID, entries)
}

// teamMemberRemover is an instrumented notify.TeamMemberRemover.
type teamMemberRemover struct {
	s     *store
	inner notify.TeamMemberRemover
}

// RemoveTeamMember calls the wrapped store's RemoveTeamMember.
func (r teamMemberRemover) RemoveTeamMember(ctx context.Context, m notify.TeamMember) error {
	defer r.s.done("dao.remove_team_member", time.Now())
	return r.inner.RemoveTeamMember(ctx, m)
}

// statusCounter is an instrumented notify.StatusCounter.
type statusCounter struct {
	s     *store
	inner notify.StatusCounter
}

// CountNotificationsByStatus calls the wrapped store's
// CountNotificationsByStatus.
func (c statusCounter) CountNotificationsByStatus(ctx context.Context, serviceID uuid.UUID, since time.Time) ([]notify.StatusCount, error) {
	defer c.s.done("dao.count_notifications_by_status", time.Now())
	return c.inner.CountNotificationsByStatus(ctx, serviceID, since)
}

// dataRetentionStore is an instrumented notify.DataRetentionStore.
type dataRetentionStore struct {
	s     *store
	inner notify.DataRetentionStore
}

// CreateDataRetention calls the wrapped store's CreateDataRetention.
func (d dataRetentionStore) CreateDataRetention(ctx context.Context, r *notify.DataRetention) error {
	defer d.s.done("dao.create_data_retention", time.Now())
	return d.inner.CreateDataRetention(ctx, r)
}

// UpdateDataRetention calls the wrapped store's UpdateDataRetention.
func (d dataRetentionStore) UpdateDataRetention(ctx context.Context, serviceID, id uuid.UUID, days int, at time.Time) error {
	defer d.s.done("dao.update_data_retention", time.Now())
	return d.inner.UpdateDataRetention(ctx, serviceID, id, days, at)
}

// ListDataRetention calls the wrapped store's ListDataRetention.
func (d dataRetentionStore) ListDataRetention(ctx context.Context, serviceID uuid.UUID) ([]notify.DataRetention, error) {
	defer d.s.done("dao.list_data_retention", time.Now())
	return d.inner.ListDataRetention(ctx, serviceID)
}

// notificationArchiver is an instrumented notify.NotificationArchiver.
type notificationArchiver struct {
	s     *store
	inner notify.NotificationArchiver
}

// ArchiveNotifications calls the wrapped store's ArchiveNotifications: one
// call however many batches it runs.
func (a notificationArchiver) ArchiveNotifications(ctx context.Context, serviceID uuid.UUID, typ notify.NotificationType, before time.Time, batchSize int) (int, error) {
	defer a.s.done("dao.archive_notifications", time.Now())
	return a.inner.ArchiveNotifications(ctx, serviceID, typ, before, batchSize)
}
