// Package memstore is an in-memory notify.Store: the store of unit tests,
// examples and single-process programs that need no persistence. It keeps
// everything in maps behind one sync.RWMutex and copies every value in and
// out, so callers never share memory with it. Data lives as long as the
// Store value.
//
// A Store has the batch abilities notify.BatchCreator,
// notify.BatchClaimer and notify.BatchTransitioner (batch.go): the
// Notifier group-commits concurrent sends and claims and records
// deliveries in batches on it as on a SQL store.
package memstore

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// Store is an in-memory notify.Store. The zero value is not usable; call New.
type Store struct {
	mu            sync.RWMutex
	services      map[uuid.UUID]*notify.Service
	team          map[uuid.UUID][]notify.TeamMember
	guests        map[uuid.UUID][]notify.GuestListEntry
	keys          map[uuid.UUID]*notify.APIKey
	templates     map[uuid.UUID][]*notify.Template // every version, index = version-1
	notifications map[uuid.UUID]*notify.Notification
	byRef         map[providerRef]uuid.UUID
	inbound       map[uuid.UUID]*notify.InboundSMS
	settings      map[string]string
	admin         adminState // admin.go
	docs          docState   // documents.go

	// idem holds the idempotency keys (idempotency.go); made on first use.
	idem    map[idemKey]*notify.IdempotencyRecord
	senders senderState
	jobs    map[uuid.UUID]*notify.Job // jobs.go; made on first use
	cb      callbackState             // callbacks.go
}

// providerRef indexes notifications by the provider's reference.
type providerRef struct{ provider, ref string }

var (
	_ notify.Store          = (*Store)(nil)
	_ notify.ChannelCounter = (*Store)(nil)
)

// New returns an empty Store.
func New() *Store {
	return &Store{
		services:      map[uuid.UUID]*notify.Service{},
		team:          map[uuid.UUID][]notify.TeamMember{},
		guests:        map[uuid.UUID][]notify.GuestListEntry{},
		keys:          map[uuid.UUID]*notify.APIKey{},
		templates:     map[uuid.UUID][]*notify.Template{},
		notifications: map[uuid.UUID]*notify.Notification{},
		byRef:         map[providerRef]uuid.UUID{},
		inbound:       map[uuid.UUID]*notify.InboundSMS{},
		settings:      map[string]string{},
	}
}

// checkCtx returns a wrapped ctx.Err() when ctx is done.
func checkCtx(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: %w", err)
	}
	return nil
}

func notFound(what string, id any) error {
	return fmt.Errorf("memstore: %s %v: %w", what, id, notify.ErrNotFound)
}

func duplicate(what string, id any) error {
	return fmt.Errorf("memstore: %s %v: %w", what, id, notify.ErrDuplicate)
}

// Ping reports whether the store answers; a memory store always does.
func (s *Store) Ping(ctx context.Context) error { return checkCtx(ctx) }

// CreateService inserts a service.
func (s *Store) CreateService(ctx context.Context, svc *notify.Service) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.services[svc.ID]; ok {
		return duplicate("service", svc.ID)
	}
	s.services[svc.ID] = copyService(svc)
	return nil
}

// GetService returns a service by id.
func (s *Store) GetService(ctx context.Context, id uuid.UUID) (*notify.Service, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	svc, ok := s.services[id]
	if !ok {
		return nil, notFound("service", id)
	}
	return copyService(svc), nil
}

// UpdateService replaces a service's fields (by id).
func (s *Store) UpdateService(ctx context.Context, svc *notify.Service) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.services[svc.ID]; !ok {
		return notFound("service", svc.ID)
	}
	s.services[svc.ID] = copyService(svc)
	return nil
}

// AddTeamMember adds a team member to a service.
func (s *Store) AddTeamMember(ctx context.Context, m notify.TeamMember) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.team[m.ServiceID], m) {
		s.team[m.ServiceID] = append(s.team[m.ServiceID], m)
	}
	return nil
}

// ListTeamMembers returns a service's team members in the order they were
// added.
func (s *Store) ListTeamMembers(ctx context.Context, serviceID uuid.UUID) ([]notify.TeamMember, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.team[serviceID]), nil
}

// AddGuestListEntry adds a recipient to a service's guest list; adding it
// again keeps one entry.
func (s *Store) AddGuestListEntry(ctx context.Context, e notify.GuestListEntry) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.guests[e.ServiceID], e) {
		s.guests[e.ServiceID] = append(s.guests[e.ServiceID], e)
	}
	return nil
}

// ListGuestList returns a service's guest list in the order it was added.
func (s *Store) ListGuestList(ctx context.Context, serviceID uuid.UUID) ([]notify.GuestListEntry, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.guests[serviceID]), nil
}

// CreateAPIKey inserts a key; Secret is not kept.
func (s *Store) CreateAPIKey(ctx context.Context, k *notify.APIKey) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[k.ID]; ok {
		return duplicate("api key", k.ID)
	}
	s.keys[k.ID] = copyAPIKey(k)
	return nil
}

// ListAPIKeys returns every key of a service, revoked ones included, oldest
// first (ties by id).
func (s *Store) ListAPIKeys(ctx context.Context, serviceID uuid.UUID) ([]notify.APIKey, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	out := []notify.APIKey{}
	for _, k := range s.keys {
		if k.ServiceID == serviceID {
			out = append(out, *copyAPIKey(k))
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b notify.APIKey) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return compareIDs(a.ID, b.ID)
	})
	return out, nil
}

// RevokeAPIKey sets a key's expiry date if it has none.
func (s *Store) RevokeAPIKey(ctx context.Context, serviceID, keyID uuid.UUID, at time.Time) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[keyID]
	if !ok || k.ServiceID != serviceID {
		return notFound("api key", keyID)
	}
	if k.ExpiryDate == nil {
		k.ExpiryDate = &at
	}
	return nil
}

// CreateTemplate inserts version 1 of a template and sets t.Version to 1.
func (s *Store) CreateTemplate(ctx context.Context, t *notify.Template) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.templates[t.ID]; ok {
		return duplicate("template", t.ID)
	}
	t.Version = 1
	s.templates[t.ID] = []*notify.Template{copyTemplate(t)}
	return nil
}

// UpdateTemplate stores a new version of an existing template and writes
// the new version number back to t.
func (s *Store) UpdateTemplate(ctx context.Context, t *notify.Template) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	versions, ok := s.templates[t.ID]
	if !ok || versions[0].ServiceID != t.ServiceID {
		return notFound("template", t.ID)
	}
	t.Version = len(versions) + 1
	s.templates[t.ID] = append(versions, copyTemplate(t))
	return nil
}

// GetTemplate returns the current version of a service's template.
func (s *Store) GetTemplate(ctx context.Context, serviceID, id uuid.UUID) (*notify.Template, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	versions, ok := s.templates[id]
	if !ok || versions[0].ServiceID != serviceID {
		return nil, notFound("template", id)
	}
	return copyTemplate(versions[len(versions)-1]), nil
}

// GetTemplateVersion returns one version from a template's history.
func (s *Store) GetTemplateVersion(ctx context.Context, serviceID, id uuid.UUID, version int) (*notify.Template, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	versions, ok := s.templates[id]
	if !ok || versions[0].ServiceID != serviceID || version < 1 || version > len(versions) {
		return nil, notFound("template version", fmt.Sprintf("%s/%d", id, version))
	}
	return copyTemplate(versions[version-1]), nil
}

// ListTemplates returns the current, non-archived versions of a service's
// templates (of type typ when it is not empty), ordered by name then id.
func (s *Store) ListTemplates(ctx context.Context, serviceID uuid.UUID, typ notify.NotificationType) ([]notify.Template, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	out := []notify.Template{}
	for _, versions := range s.templates {
		t := versions[len(versions)-1]
		if t.ServiceID != serviceID || t.Archived || (typ != "" && t.Type != typ) {
			continue
		}
		out = append(out, *copyTemplate(t))
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b notify.Template) int {
		if c := cmp.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return compareIDs(a.ID, b.ID)
	})
	return out, nil
}

// CreateNotification inserts a notification.
func (s *Store) CreateNotification(ctx context.Context, n *notify.Notification) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	c := copyNotification(n) // copy outside the lock
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.insertNotification(c)
}

// insertNotification stores c, which the Store owns from now on, unless a
// notification with its id exists. s.mu must be held for writing.
func (s *Store) insertNotification(c *notify.Notification) error {
	if _, ok := s.notifications[c.ID]; ok {
		return duplicate("notification", c.ID)
	}
	s.notifications[c.ID] = c
	s.indexRef(c)
	return nil
}

// indexRef records n under its provider reference, if it has one.
func (s *Store) indexRef(n *notify.Notification) {
	if n.ProviderReference != "" {
		s.byRef[providerRef{n.SentBy, n.ProviderReference}] = n.ID
	}
}

// GetNotification returns a notification by id.
func (s *Store) GetNotification(ctx context.Context, id uuid.UUID) (*notify.Notification, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok := s.notifications[id]
	if !ok {
		return nil, notFound("notification", id)
	}
	return copyNotification(n), nil
}

// compareIDs orders uuids by their bytes, as PostgreSQL orders its uuid type.
func compareIDs(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }

// newerFirst orders notifications by created_at then id, descending.
func newerFirst(aAt, bAt time.Time, aID, bID uuid.UUID) int {
	if c := bAt.Compare(aAt); c != 0 {
		return c
	}
	return compareIDs(bID, aID)
}

// ListNotifications returns the notifications matching f, newest first.
func (s *Store) ListNotifications(ctx context.Context, f notify.NotificationFilter) ([]notify.Notification, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	var pivot *notify.Notification
	if f.OlderThan != nil {
		p, ok := s.notifications[*f.OlderThan]
		if !ok || p.ServiceID != f.ServiceID {
			s.mu.RUnlock()
			return []notify.Notification{}, nil
		}
		pivot = p
	}
	var matched []*notify.Notification
	for _, n := range s.notifications {
		if n.ServiceID != f.ServiceID ||
			(f.KeyType != "" && n.KeyType != f.KeyType) ||
			(len(f.Types) > 0 && !slices.Contains(f.Types, n.Type)) ||
			(len(f.Statuses) > 0 && !slices.Contains(f.Statuses, n.Status)) ||
			(f.Reference != nil && (n.ClientReference == nil || *n.ClientReference != *f.Reference)) ||
			(f.JobID == nil && !f.IncludeJobs && n.JobID != nil) ||
			(f.JobID != nil && (n.JobID == nil || *n.JobID != *f.JobID)) ||
			(pivot != nil && newerFirst(pivot.CreatedAt, n.CreatedAt, pivot.ID, n.ID) >= 0) {
			continue
		}
		matched = append(matched, n)
	}
	slices.SortFunc(matched, func(a, b *notify.Notification) int {
		return newerFirst(a.CreatedAt, b.CreatedAt, a.ID, b.ID)
	})
	if f.Limit > 0 && len(matched) > f.Limit {
		matched = matched[:f.Limit]
	}
	out := make([]notify.Notification, len(matched))
	for i, n := range matched {
		out[i] = *copyNotification(n)
	}
	s.mu.RUnlock()
	return out, nil
}

// CountNotifications counts a service's notifications created at or after
// since whose key type is not notify.KeyTypeSimulate.
func (s *Store) CountNotifications(ctx context.Context, serviceID uuid.UUID, since time.Time) (int, error) {
	if err := checkCtx(ctx); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	count := 0
	for _, n := range s.notifications {
		if n.ServiceID == serviceID && n.KeyType != notify.KeyTypeSimulate && n.Queue != notify.QueueResearchMode && !n.CreatedAt.Before(since) {
			count++
		}
	}
	return count, nil
}

// CountNotificationsByChannel counts the notifications CountNotifications
// counts per channel: text messages, emails, and text messages whose phone
// prefix is not 44.
func (s *Store) CountNotificationsByChannel(ctx context.Context, serviceID uuid.UUID, since time.Time) (notify.DailyCounts, error) {
	if err := checkCtx(ctx); err != nil {
		return notify.DailyCounts{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var c notify.DailyCounts
	for _, n := range s.notifications {
		if n.ServiceID == serviceID && !n.CreatedAt.Before(since) {
			c.Add(n)
		}
	}
	return c, nil
}

// claimable reports whether n may be claimed at now.
func claimable(n *notify.Notification, now time.Time) bool {
	return n.Status == notify.StatusCreated && (n.ClaimedUntil == nil || !n.ClaimedUntil.After(now))
}

// ClaimNotification sets the delivery lease of a notification to until if it
// is in notify.StatusCreated and not leased at now.
func (s *Store) ClaimNotification(ctx context.Context, id uuid.UUID, now, until time.Time) (*notify.Notification, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.notifications[id]
	if !ok {
		return nil, notFound("notification", id)
	}
	if !claimable(n, now) {
		return nil, fmt.Errorf("memstore: claim notification %s (status %s): %w", id, n.Status, notify.ErrConflict)
	}
	return claim(n, until), nil
}

// claim leases the stored notification n until until, counts the delivery
// attempt and returns a copy. s.mu must be held for writing.
func claim(n *notify.Notification, until time.Time) *notify.Notification {
	n.ClaimedUntil = &until
	n.DeliveryAttempts++
	return copyNotification(n)
}

// ReleaseNotification clears the lease of a notification still in
// notify.StatusCreated; for other statuses it does nothing.
func (s *Store) ReleaseNotification(ctx context.Context, id uuid.UUID) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.notifications[id]
	if !ok {
		return notFound("notification", id)
	}
	if n.Status == notify.StatusCreated {
		n.ClaimedUntil = nil
	}
	return nil
}

// TransitionNotification applies u if the status is one of from, clears
// the lease and returns the updated notification. Empty or nil fields of u
// (SentAt, SentBy, BillableUnits, ProviderReference, a zero UpdatedAt) leave
// the stored values unchanged.
func (s *Store) TransitionNotification(ctx context.Context, id uuid.UUID, from []notify.Status, u notify.NotificationUpdate) (*notify.Notification, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.transition(id, from, u)
}

// transition is TransitionNotification with s.mu held for writing.
func (s *Store) transition(id uuid.UUID, from []notify.Status, u notify.NotificationUpdate) (*notify.Notification, error) {
	n, ok := s.notifications[id]
	if !ok {
		return nil, notFound("notification", id)
	}
	if !slices.Contains(from, n.Status) {
		return nil, fmt.Errorf("memstore: transition notification %s from %s to %s: %w", id, n.Status, u.Status, notify.ErrConflict)
	}
	n.Status = u.Status
	if u.SentAt != nil {
		n.SentAt = clonePtr(u.SentAt)
	}
	if u.SentBy != "" {
		n.SentBy = u.SentBy
	}
	if u.BillableUnits != nil {
		n.BillableUnits = *u.BillableUnits
	}
	if u.ProviderReference != "" {
		n.ProviderReference = u.ProviderReference
	}
	if !u.UpdatedAt.IsZero() {
		at := u.UpdatedAt
		n.UpdatedAt = &at
	}
	n.ClaimedUntil = nil
	s.indexRef(n)
	return copyNotification(n), nil
}

// FindNotificationByProviderReference returns the notification that
// provider (its SentBy) knows by ref.
func (s *Store) FindNotificationByProviderReference(ctx context.Context, provider, ref string) (*notify.Notification, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.byRef[providerRef{provider, ref}]
	if ok {
		n, ok := s.notifications[id]
		if ok && n.SentBy == provider && n.ProviderReference == ref {
			return copyNotification(n), nil
		}
	}
	return nil, notFound("notification with provider reference", provider+"/"+ref)
}

// ListSweepable returns up to limit (0: no cap) notifications in
// notify.StatusCreated, created before createdBefore, not leased at now, oldest
// first.
func (s *Store) ListSweepable(ctx context.Context, createdBefore, now time.Time, limit int) ([]notify.Notification, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	var matched []*notify.Notification
	for _, n := range s.notifications {
		if claimable(n, now) && n.CreatedAt.Before(createdBefore) {
			matched = append(matched, n)
		}
	}
	slices.SortFunc(matched, func(a, b *notify.Notification) int {
		return newerFirst(b.CreatedAt, a.CreatedAt, b.ID, a.ID)
	})
	if limit > 0 && len(matched) > limit {
		matched = matched[:limit]
	}
	out := make([]notify.Notification, len(matched))
	for i, n := range matched {
		out[i] = *copyNotification(n)
	}
	s.mu.RUnlock()
	return out, nil
}

// ListInProgress returns notifications sending or pending, handed to a
// provider (sentBy, when not empty) before sentBefore, oldest sent first.
func (s *Store) ListInProgress(ctx context.Context, sentBy string, sentBefore time.Time, limit int) ([]notify.Notification, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var matched []*notify.Notification
	for _, n := range s.notifications {
		if (n.Status == notify.StatusSending || n.Status == notify.StatusPending) && n.SentAt != nil && n.SentAt.Before(sentBefore) &&
			(sentBy == "" || n.SentBy == sentBy) {
			matched = append(matched, n)
		}
	}
	slices.SortFunc(matched, func(a, b *notify.Notification) int {
		return newerFirst(*b.SentAt, *a.SentAt, b.ID, a.ID)
	})
	if limit > 0 && len(matched) > limit {
		matched = matched[:limit]
	}
	out := make([]notify.Notification, len(matched))
	for i, n := range matched {
		out[i] = *copyNotification(n)
	}
	return out, nil
}

// CreateInboundSMS stores a received text message.
func (s *Store) CreateInboundSMS(ctx context.Context, m *notify.InboundSMS) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.inbound[m.ID]; ok {
		return duplicate("inbound sms", m.ID)
	}
	s.inbound[m.ID] = copyInbound(m)
	return nil
}

// ListInboundSMS returns a service's received messages newest first (by
// created_at then id), strictly older than olderThan when it is not nil, at
// most limit (0: no cap).
func (s *Store) ListInboundSMS(ctx context.Context, serviceID uuid.UUID, olderThan *uuid.UUID, limit int) ([]notify.InboundSMS, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var pivot *notify.InboundSMS
	if olderThan != nil {
		p, ok := s.inbound[*olderThan]
		if !ok || p.ServiceID != serviceID {
			return []notify.InboundSMS{}, nil
		}
		pivot = p
	}
	out := []notify.InboundSMS{}
	for _, m := range s.inbound {
		if m.ServiceID != serviceID ||
			(pivot != nil && newerFirst(pivot.CreatedAt, m.CreatedAt, pivot.ID, m.ID) >= 0) {
			continue
		}
		out = append(out, *copyInbound(m))
	}
	slices.SortFunc(out, func(a, b notify.InboundSMS) int {
		return newerFirst(a.CreatedAt, b.CreatedAt, a.ID, b.ID)
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// LoadOrStoreSetting returns the value stored under name, or stores value
// and returns it when there is none.
func (s *Store) LoadOrStoreSetting(ctx context.Context, name, value string) (string, error) {
	if err := checkCtx(ctx); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.settings[name]; ok {
		return v, nil
	}
	s.settings[name] = value
	return value, nil
}
