package memstore

// The optional batch abilities of a Store: notify.BatchCreator for group
// commits, notify.BatchClaimer and notify.BatchTransitioner for batched
// delivery. Each batch takes the lock once and applies the rules of its
// one-notification method to every element.

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

var (
	_ notify.BatchCreator      = (*Store)(nil)
	_ notify.BatchClaimer      = (*Store)(nil)
	_ notify.BatchTransitioner = (*Store)(nil)
)

// CreateNotifications inserts ns as CreateNotification would, under one
// lock. A notification whose id exists, or came earlier in ns, fails alone
// with an error wrapping notify.ErrDuplicate, as does a nil one with its
// own error; the others are stored. A done ctx stores nothing and fails
// every notification. A zero CreatedAt becomes now (UTC, to the
// microsecond, as a SQL store keeps it) and is written back for the
// notifications stored. It returns nil when every notification was stored.
func (s *Store) CreateNotifications(ctx context.Context, ns []*notify.Notification) []error {
	if len(ns) == 0 {
		return nil
	}
	errs := make([]error, len(ns))
	if err := checkCtx(ctx); err != nil {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	copies := make([]*notify.Notification, len(ns)) // copied outside the lock
	for i, n := range ns {
		if n == nil {
			errs[i] = fmt.Errorf("memstore: create notifications: notification %d is nil", i)
			continue
		}
		copies[i] = copyNotification(n)
		if copies[i].CreatedAt.IsZero() {
			copies[i].CreatedAt = now
		}
	}
	failed := false
	s.mu.Lock()
	for i, c := range copies {
		if c != nil {
			errs[i] = s.insertNotification(c)
		}
		failed = failed || errs[i] != nil
	}
	s.mu.Unlock()
	for i, c := range copies {
		if errs[i] == nil {
			ns[i].CreatedAt = c.CreatedAt
		}
	}
	if failed {
		return errs
	}
	return nil
}

// ClaimNotifications claims, under one lock, every notification of ids
// that ClaimNotification would claim at now, each once, and returns copies
// of them in the order of ids. Unknown, unclaimable and repeated ids are
// left out.
func (s *Store) ClaimNotifications(ctx context.Context, ids []uuid.UUID, now, until time.Time) ([]*notify.Notification, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*notify.Notification
	seen := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if n, ok := s.notifications[id]; ok && claimable(n, now) {
			out = append(out, claim(n, until))
		}
	}
	return out, nil
}

// TransitionNotifications applies each transition as TransitionNotification
// would, in order, under one lock, and returns for each the updated
// notification or its error (wrapping notify.ErrConflict or
// notify.ErrNotFound). A done ctx applies none: every transition fails
// with its error.
func (s *Store) TransitionNotifications(ctx context.Context, ts []notify.NotificationTransition) ([]*notify.Notification, []error) {
	out, errs := make([]*notify.Notification, len(ts)), make([]error, len(ts))
	if err := checkCtx(ctx); err != nil {
		for i := range errs {
			errs[i] = err
		}
		return out, errs
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, t := range ts {
		out[i], errs[i] = s.transition(t.ID, t.From, t.Update)
	}
	return out, errs
}
