package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"
)

// Data retention: notifications older than their service's retention for
// their type leave the notifications table (upstream's nightly
// delete-notifications tasks): live and team ones go to a history without
// personal data, simulate-key ones are deleted. The retention of a type is
// the service's DataRetention for it, else Service.DataRetentionDays, else
// DefaultDataRetentionDays, counted back from midnight UTC.

// Defaults of data retention.
const (
	// DefaultDataRetentionDays is upstream's default retention.
	DefaultDataRetentionDays = 7
	// DefaultRetentionInterval is how often RunRetention archives.
	DefaultRetentionInterval = time.Hour
	// MinDataRetentionDays and MaxDataRetentionDays bound a service's
	// retention of a type, as upstream's admin app does.
	MinDataRetentionDays = 3
	MaxDataRetentionDays = 90
)

// ArchivedCount is what one retention pass moved for a service and type.
type ArchivedCount struct {
	ServiceID uuid.UUID
	Type      NotificationType
	// Days is the retention applied; Before the cut-off it gave.
	Days   int
	Before time.Time
	Count  int
}

// RetentionResult reports a retention pass: a count per service and type
// that moved anything, and the total.
type RetentionResult struct {
	Archived []ArchivedCount
	Total    int
}

// Metric names of retention passes.
const (
	metricRetentionRun      = "retention.run"
	metricRetentionError    = "retention.error"
	metricRetentionArchived = "retention.archived."
)

// ArchiveExpired runs one retention pass over every service and returns
// what it moved; it stops at the first error, with what it moved so far.
// The Store must be a ServiceLister and a NotificationArchiver; without
// DataRetentionStore, each service's DataRetentionDays applies to every
// type. Each count is logged; when Config.Stats is a Gauger, the pass's
// totals per type are the gauges retention.archived.sms and .email.
func (n *Notifier) ArchiveExpired(ctx context.Context) (*RetentionResult, error) {
	start := time.Now()
	res, err := n.archiveExpired(ctx)
	n.stats.Incr(metricRetentionRun)
	n.stats.Timing(metricRetentionRun, time.Since(start))
	if g, ok := n.stats.(Gauger); ok {
		byType := map[NotificationType]int{SMS: 0, Email: 0}
		for _, a := range res.Archived {
			byType[a.Type] += a.Count
		}
		for typ, count := range byType {
			g.Gauge(metricRetentionArchived+string(typ), float64(count))
		}
	}
	if err != nil {
		n.stats.Incr(metricRetentionError)
	}
	return res, err
}

func (n *Notifier) archiveExpired(ctx context.Context) (*RetentionResult, error) {
	res := &RetentionResult{}
	lister, ok := storeAs[ServiceLister](n.store)
	if !ok {
		return res, unsupported("archive notifications", "ListServices")
	}
	arch, ok := storeAs[NotificationArchiver](n.store)
	if !ok {
		return res, unsupported("archive notifications", "ArchiveNotifications")
	}
	retention, _ := storeAs[DataRetentionStore](n.store)
	services, err := lister.ListServices(ctx)
	if err != nil {
		return res, fmt.Errorf("notify: archive notifications: %w", err)
	}
	midnight := startOfDay(n.now())
	for _, svc := range services {
		days := map[NotificationType]int{}
		if retention != nil {
			list, err := retention.ListDataRetention(ctx, svc.ID)
			if err != nil {
				return res, fmt.Errorf("notify: archive notifications: service %s: %w", svc.ID, err)
			}
			for _, r := range list {
				days[r.Type] = r.Days
			}
		}
		for _, typ := range []NotificationType{SMS, Email} {
			d := days[typ]
			if d <= 0 {
				d = svc.DataRetentionDays
			}
			if d <= 0 {
				d = DefaultDataRetentionDays
			}
			before := midnight.AddDate(0, 0, -d)
			count, err := arch.ArchiveNotifications(ctx, svc.ID, typ, before, 0)
			if count > 0 {
				res.Archived = append(res.Archived, ArchivedCount{ServiceID: svc.ID, Type: typ, Days: d, Before: before, Count: count})
				res.Total += count
				n.log.InfoContext(ctx, "retention: notifications archived", slog.String("service_id", svc.ID.String()),
					slog.String("type", string(typ)), slog.Int("days", d), slog.Time("before", before), slog.Int("count", count))
			}
			if err != nil {
				return res, fmt.Errorf("notify: archive notifications: service %s %s: %w", svc.ID, typ, err)
			}
		}
	}
	return res, nil
}

// RunRetention runs ArchiveExpired at once and then every interval
// (DefaultRetentionInterval when not positive) until ctx ends, and returns
// nil then. A failed pass is logged and tried again at the next interval.
// Each pass also deletes expired idempotency keys (PurgeIdempotencyKeys).
func (n *Notifier) RunRetention(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = DefaultRetentionInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		start := time.Now()
		res, err := n.ArchiveExpired(ctx)
		if err != nil && ctx.Err() == nil {
			n.log.ErrorContext(ctx, "retention: pass failed", slog.Int("archived", res.Total), slog.Any("error", err))
		} else if err == nil {
			n.log.InfoContext(ctx, "retention: pass done", slog.Int("archived", res.Total),
				slog.Duration("duration", time.Since(start)))
		}
		// Files sent by email are deleted once they expire.
		if docs, err := n.DeleteExpiredDocuments(ctx); err != nil && ctx.Err() == nil {
			n.log.ErrorContext(ctx, "retention: deleting expired documents failed", slog.Any("error", err))
		} else if docs > 0 {
			n.log.InfoContext(ctx, "retention: expired documents deleted", slog.Int("count", docs))
		}
		if purged, err := n.PurgeIdempotencyKeys(ctx); err != nil && ctx.Err() == nil {
			n.log.ErrorContext(ctx, "retention: purging idempotency keys failed", slog.Int("purged", purged), slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// DataRetention returns a service's retention settings by type; a missing
// service is ErrNoResult. The Store must be a DataRetentionStore.
func (n *Notifier) DataRetention(ctx context.Context, serviceID uuid.UUID) ([]DataRetention, error) {
	if _, err := n.GetService(ctx, serviceID); err != nil {
		return nil, err
	}
	r, ok := storeAs[DataRetentionStore](n.store)
	if !ok {
		return nil, unsupported("data retention", "ListDataRetention")
	}
	list, err := r.ListDataRetention(ctx, serviceID)
	if err != nil {
		return nil, fmt.Errorf("notify: data retention: %w", err)
	}
	return list, nil
}

// checkRetentionDays refuses days outside MinDataRetentionDays to
// MaxDataRetentionDays.
func checkRetentionDays(days int) *Error {
	if days < MinDataRetentionDays || days > MaxDataRetentionDays {
		return ValidationError("days_of_retention",
			fmt.Sprintf("Must be between %d and %d.", MinDataRetentionDays, MaxDataRetentionDays))
	}
	return nil
}

// CreateDataRetention sets how many days a service keeps its
// notifications of type typ (sms or email; 3 to 90 days). A service has
// one per type: a second is refused with upstream's "Service already has
// data retention for {type} notification type" (400).
func (n *Notifier) CreateDataRetention(ctx context.Context, serviceID uuid.UUID, typ NotificationType, days int) (*DataRetention, error) {
	if _, err := n.GetService(ctx, serviceID); err != nil {
		return nil, err
	}
	var list []*Error
	if typ != SMS && typ != Email {
		list = append(list, ValidationError("notification_type", "Must be one of: sms, email."))
	}
	if e := checkRetentionDays(days); e != nil {
		list = append(list, e)
	}
	if err := errs(list); err != nil {
		return nil, err
	}
	r, ok := storeAs[DataRetentionStore](n.store)
	if !ok {
		return nil, unsupported("create data retention", "CreateDataRetention")
	}
	dr := &DataRetention{ID: uuid.New(), ServiceID: serviceID, Type: typ, Days: days, CreatedAt: n.now()}
	err := r.CreateDataRetention(ctx, dr)
	if errors.Is(err, ErrDuplicate) {
		return nil, BadRequest("", fmt.Sprintf("Service already has data retention for %s notification type", typ))
	}
	if err != nil {
		return nil, fmt.Errorf("notify: create data retention: %w", err)
	}
	return dr, nil
}

// UpdateDataRetention changes the days of one of a service's retention
// settings (3 to 90). One that does not exist is upstream's 404 "The
// service data retention for id: {id} was not found for service:
// {service_id}".
func (n *Notifier) UpdateDataRetention(ctx context.Context, serviceID, id uuid.UUID, days int) error {
	if e := checkRetentionDays(days); e != nil {
		return e
	}
	r, ok := storeAs[DataRetentionStore](n.store)
	if !ok {
		return unsupported("update data retention", "UpdateDataRetention")
	}
	err := r.UpdateDataRetention(ctx, serviceID, id, days, n.now())
	if errors.Is(err, ErrNotFound) {
		return &Error{Name: NameNoResultFound, Status: http.StatusNotFound,
			Message: fmt.Sprintf("The service data retention for id: %s was not found for service: %s", id, serviceID)}
	}
	if err != nil {
		return fmt.Errorf("notify: update data retention: %w", err)
	}
	return nil
}
