package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// The administration of services (admin.go) and the retention of
// notifications (retention.go) need a few Store abilities beyond the
// Store interface. Each is a small optional interface, found by type
// assertion on the Store or, through Unwrap() Store, on any Store it
// wraps; memstore and gormstore have them all, store/storetest checks them
// when a Store has them, and a Notifier whose Store lacks one answers the
// call that needs it with an error wrapping ErrUnsupported.

// ErrUnsupported means the Store lacks an optional ability a call needs.
var ErrUnsupported = errors.New("notify: the store does not support this")

// ServiceLister is an optional Store ability: listing every service.
type ServiceLister interface {
	// ListServices returns every service, archived ones included, oldest
	// first (created_at, then id).
	ListServices(ctx context.Context) ([]Service, error)
}

// GuestListReplacer is an optional Store ability: replacing a service's
// whole guest list in one atomic step.
type GuestListReplacer interface {
	// ReplaceGuestList makes entries the service's guest list: every
	// earlier entry goes, duplicates are kept once, and a failure changes
	// nothing.
	ReplaceGuestList(ctx context.Context, serviceID uuid.UUID, entries []GuestListEntry) error
}

// TeamMemberRemover is an optional Store ability: removing a team member.
type TeamMemberRemover interface {
	// RemoveTeamMember removes the member equal to m (same service, email
	// address and mobile number), or returns an error wrapping ErrNotFound.
	RemoveTeamMember(ctx context.Context, m TeamMember) error
}

// StatusCount is the number of a service's notifications of one type, one
// status and one key type.
type StatusCount struct {
	Type    NotificationType
	Status  Status
	KeyType KeyType
	Count   int
}

// StatusCounter is an optional Store ability: counting a service's
// notifications by type, status and key type.
type StatusCounter interface {
	// CountNotificationsByStatus counts the service's notifications created
	// at or after since, one StatusCount per (type, status, key type) that
	// has any, in no particular order.
	CountNotificationsByStatus(ctx context.Context, serviceID uuid.UUID, since time.Time) ([]StatusCount, error)
}

// DataRetention is how many days a service keeps its notifications of one
// type before they are archived (upstream's service_data_retention).
type DataRetention struct {
	ID        uuid.UUID
	ServiceID uuid.UUID
	Type      NotificationType
	Days      int
	CreatedAt time.Time
	UpdatedAt *time.Time
}

// DataRetentionStore is an optional Store ability: per-type data retention
// settings of services.
type DataRetentionStore interface {
	// CreateDataRetention stores r; a second one for the same service and
	// type returns an error wrapping ErrDuplicate.
	CreateDataRetention(ctx context.Context, r *DataRetention) error
	// UpdateDataRetention sets the days of the service's retention id, or
	// returns an error wrapping ErrNotFound.
	UpdateDataRetention(ctx context.Context, serviceID, id uuid.UUID, days int, at time.Time) error
	// ListDataRetention returns a service's retention settings ordered by
	// type.
	ListDataRetention(ctx context.Context, serviceID uuid.UUID) ([]DataRetention, error)
}

// NotificationArchiver is an optional Store ability: moving old
// notifications out of the live table.
type NotificationArchiver interface {
	// ArchiveNotifications moves the service's notifications of type typ
	// created before before out of the notifications that Get, List and the
	// counts see: live and team ones are kept in a history without the
	// recipient, personalisation or content; simulate-key ones are deleted.
	// It works in batches of batchSize (1000 when not positive), each one
	// atomic, stops between batches when ctx ends, and returns how many
	// notifications it moved or deleted.
	ArchiveNotifications(ctx context.Context, serviceID uuid.UUID, typ NotificationType, before time.Time, batchSize int) (int, error)
}

// storeAs returns the ability T of s: s itself, or the first Store it
// wraps (through Unwrap() Store, as the read cache and the metrics wrappers
// of stats/instrument do) that has it. Each wrapper looked through that has
// WrapAbility(p any) may decorate what was found below it (the metrics
// wrapper counts and times the calls); a decorator without Unwrap hides
// the abilities of what it wraps.
func storeAs[T any](s Store) (T, bool) {
	if v, ok := s.(T); ok {
		return v, true
	}
	u, ok := s.(interface{ Unwrap() Store })
	if !ok || s == nil {
		var zero T
		return zero, false
	}
	v, ok := storeAs[T](u.Unwrap())
	if ok {
		v = wrapAbility(s, v)
	}
	return v, ok
}

// queueAs is storeAs for the abilities of a Queue (through Unwrap() Queue).
func queueAs[T any](q Queue) (T, bool) {
	if v, ok := q.(T); ok {
		return v, true
	}
	u, ok := q.(interface{ Unwrap() Queue })
	if !ok || q == nil {
		var zero T
		return zero, false
	}
	v, ok := queueAs[T](u.Unwrap())
	if ok {
		v = wrapAbility(q, v)
	}
	return v, ok
}

// wrapAbility lets the wrapper w decorate the ability v found behind it:
// when w has WrapAbility(p any), it is given a pointer to v (a *T, which
// names the ability asked for) and may replace what it points to.
func wrapAbility[T any](w any, v T) T {
	if d, ok := w.(interface{ WrapAbility(p any) }); ok {
		d.WrapAbility(&v)
	}
	return v
}

// unsupported is the error of a call whose Store lacks the ability named
// what.
func unsupported(op, what string) error {
	return fmt.Errorf("notify: %s: the store has no %s method: %w", op, what, ErrUnsupported)
}
