package memstore

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// The optional Store abilities of the administration and of data
// retention (notify's adminstore.go).
var (
	_ notify.ServiceLister        = (*Store)(nil)
	_ notify.GuestListReplacer    = (*Store)(nil)
	_ notify.TeamMemberRemover    = (*Store)(nil)
	_ notify.StatusCounter        = (*Store)(nil)
	_ notify.DataRetentionStore   = (*Store)(nil)
	_ notify.NotificationArchiver = (*Store)(nil)
)

// adminState holds what only the optional abilities use; its maps are
// made on first use, under s.mu.
type adminState struct {
	retention map[uuid.UUID]*notify.DataRetention
	// history keeps archived live and team notifications without their
	// recipient, personalisation or content.
	history map[uuid.UUID]*notify.Notification
}

// ListServices returns every service, oldest first (ties by id).
func (s *Store) ListServices(ctx context.Context) ([]notify.Service, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	out := make([]notify.Service, 0, len(s.services))
	for _, svc := range s.services {
		out = append(out, *copyService(svc))
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b notify.Service) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return compareIDs(a.ID, b.ID)
	})
	return out, nil
}

// ReplaceGuestList makes entries the service's whole guest list, each
// recipient once.
func (s *Store) ReplaceGuestList(ctx context.Context, serviceID uuid.UUID, entries []notify.GuestListEntry) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	list := make([]notify.GuestListEntry, 0, len(entries))
	for _, e := range entries {
		e.ServiceID = serviceID
		if !slices.Contains(list, e) {
			list = append(list, e)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(list) == 0 {
		delete(s.guests, serviceID)
		return nil
	}
	s.guests[serviceID] = list
	return nil
}

// RemoveTeamMember removes the member equal to m.
func (s *Store) RemoveTeamMember(ctx context.Context, m notify.TeamMember) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	team := s.team[m.ServiceID]
	i := slices.Index(team, m)
	if i < 0 {
		return notFound("team member", m.EmailAddress)
	}
	s.team[m.ServiceID] = slices.Delete(slices.Clone(team), i, i+1)
	return nil
}

// CountNotificationsByStatus counts a service's notifications created at
// or after since by type, status and key type.
func (s *Store) CountNotificationsByStatus(ctx context.Context, serviceID uuid.UUID, since time.Time) ([]notify.StatusCount, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	type group struct {
		typ    notify.NotificationType
		status notify.Status
		kt     notify.KeyType
	}
	counts := map[group]int{}
	s.mu.RLock()
	for _, n := range s.notifications {
		if n.ServiceID == serviceID && !n.CreatedAt.Before(since) {
			counts[group{n.Type, n.Status, n.KeyType}]++
		}
	}
	s.mu.RUnlock()
	out := make([]notify.StatusCount, 0, len(counts))
	for g, c := range counts {
		out = append(out, notify.StatusCount{Type: g.typ, Status: g.status, KeyType: g.kt, Count: c})
	}
	return out, nil
}

// CreateDataRetention stores a retention setting, one per service and
// type.
func (s *Store) CreateDataRetention(ctx context.Context, r *notify.DataRetention) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.admin.retention == nil {
		s.admin.retention = map[uuid.UUID]*notify.DataRetention{}
	}
	if _, ok := s.services[r.ServiceID]; !ok {
		return notFound("service", r.ServiceID)
	}
	for _, have := range s.admin.retention {
		if have.ID == r.ID || (have.ServiceID == r.ServiceID && have.Type == r.Type) {
			return duplicate("data retention", r.ID)
		}
	}
	c := *r
	c.UpdatedAt = copyTime(r.UpdatedAt)
	s.admin.retention[r.ID] = &c
	return nil
}

// UpdateDataRetention sets the days of a service's retention setting.
func (s *Store) UpdateDataRetention(ctx context.Context, serviceID, id uuid.UUID, days int, at time.Time) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.admin.retention[id]
	if !ok || r.ServiceID != serviceID {
		return notFound("data retention", id)
	}
	r.Days, r.UpdatedAt = days, &at
	return nil
}

// ListDataRetention returns a service's retention settings ordered by
// type.
func (s *Store) ListDataRetention(ctx context.Context, serviceID uuid.UUID) ([]notify.DataRetention, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	out := []notify.DataRetention{}
	for _, r := range s.admin.retention {
		if r.ServiceID == serviceID {
			c := *r
			c.UpdatedAt = copyTime(r.UpdatedAt)
			out = append(out, c)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b notify.DataRetention) int {
		if a.Type < b.Type {
			return -1
		}
		if a.Type > b.Type {
			return 1
		}
		return 0
	})
	return out, nil
}

// ArchiveNotifications moves the service's notifications of type typ
// created before before into the history (simulate-key ones are dropped),
// batchSize at a time.
func (s *Store) ArchiveNotifications(ctx context.Context, serviceID uuid.UUID, typ notify.NotificationType, before time.Time, batchSize int) (int, error) {
	if batchSize <= 0 {
		batchSize = 1000
	}
	total := 0
	for {
		if err := checkCtx(ctx); err != nil {
			return total, err
		}
		moved := s.archiveBatch(serviceID, typ, before, batchSize)
		total += moved
		if moved < batchSize {
			return total, nil
		}
	}
}

// archiveBatch moves up to limit notifications in one step.
func (s *Store) archiveBatch(serviceID uuid.UUID, typ notify.NotificationType, before time.Time, limit int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.admin.history == nil {
		s.admin.history = map[uuid.UUID]*notify.Notification{}
	}
	moved := 0
	for id, n := range s.notifications {
		if moved == limit {
			break
		}
		if n.ServiceID != serviceID || n.Type != typ || !n.CreatedAt.Before(before) {
			continue
		}
		if n.KeyType != notify.KeyTypeSimulate {
			h := copyNotification(n)
			h.To, h.NormalisedTo, h.Personalisation, h.Body, h.Subject, h.UnsubscribeURL, h.ClaimedUntil =
				"", "", nil, "", "", nil, nil
			s.admin.history[id] = h
		}
		if n.ProviderReference != "" {
			delete(s.byRef, providerRef{n.SentBy, n.ProviderReference})
		}
		delete(s.notifications, id)
		moved++
	}
	return moved
}

func copyTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}
