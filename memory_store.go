// The in-memory Store: the default of a Notifier built without one.

package notify

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
)

// MemoryStore is an in-memory Store. The zero value is not usable; call NewMemoryStore.
type MemoryStore struct {
	mu            sync.RWMutex
	services      map[uuid.UUID]*Service
	team          map[uuid.UUID][]TeamMember
	guests        map[uuid.UUID][]GuestListEntry
	keys          map[uuid.UUID]*APIKey
	templates     map[uuid.UUID][]*Template // every version, index = version-1
	notifications map[uuid.UUID]*Notification
	byRef         map[memProviderRef]uuid.UUID
	inbound       map[uuid.UUID]*InboundSMS
	settings      map[string]string
}

// memProviderRef indexes notifications by the provider's reference.
type memProviderRef struct{ provider, ref string }

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		services:      map[uuid.UUID]*Service{},
		team:          map[uuid.UUID][]TeamMember{},
		guests:        map[uuid.UUID][]GuestListEntry{},
		keys:          map[uuid.UUID]*APIKey{},
		templates:     map[uuid.UUID][]*Template{},
		notifications: map[uuid.UUID]*Notification{},
		byRef:         map[memProviderRef]uuid.UUID{},
		inbound:       map[uuid.UUID]*InboundSMS{},
		settings:      map[string]string{},
	}
}

// memCheckCtx returns a wrapped ctx.Err() when ctx is done.
func memCheckCtx(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: %w", err)
	}
	return nil
}

func memNotFound(what string, id any) error {
	return fmt.Errorf("memstore: %s %v: %w", what, id, ErrNotFound)
}

func memDuplicate(what string, id any) error {
	return fmt.Errorf("memstore: %s %v: %w", what, id, ErrDuplicate)
}

// Ping reports whether the store answers; a memory store always does.
func (s *MemoryStore) Ping(ctx context.Context) error { return memCheckCtx(ctx) }

// CreateService inserts a service.
func (s *MemoryStore) CreateService(ctx context.Context, svc *Service) error {
	if err := memCheckCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.services[svc.ID]; ok {
		return memDuplicate("service", svc.ID)
	}
	s.services[svc.ID] = memCopyService(svc)
	return nil
}

// GetService returns a service by id.
func (s *MemoryStore) GetService(ctx context.Context, id uuid.UUID) (*Service, error) {
	if err := memCheckCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	svc, ok := s.services[id]
	if !ok {
		return nil, memNotFound("service", id)
	}
	return memCopyService(svc), nil
}

// UpdateService replaces a service's fields (by id).
func (s *MemoryStore) UpdateService(ctx context.Context, svc *Service) error {
	if err := memCheckCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.services[svc.ID]; !ok {
		return memNotFound("service", svc.ID)
	}
	s.services[svc.ID] = memCopyService(svc)
	return nil
}

// AddTeamMember adds a team member to a service.
func (s *MemoryStore) AddTeamMember(ctx context.Context, m TeamMember) error {
	if err := memCheckCtx(ctx); err != nil {
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
func (s *MemoryStore) ListTeamMembers(ctx context.Context, serviceID uuid.UUID) ([]TeamMember, error) {
	if err := memCheckCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.team[serviceID]), nil
}

// AddGuestListEntry adds a recipient to a service's guest list; adding it
// again keeps one entry.
func (s *MemoryStore) AddGuestListEntry(ctx context.Context, e GuestListEntry) error {
	if err := memCheckCtx(ctx); err != nil {
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
func (s *MemoryStore) ListGuestList(ctx context.Context, serviceID uuid.UUID) ([]GuestListEntry, error) {
	if err := memCheckCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.guests[serviceID]), nil
}

// CreateAPIKey inserts a key; Secret is not kept.
func (s *MemoryStore) CreateAPIKey(ctx context.Context, k *APIKey) error {
	if err := memCheckCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[k.ID]; ok {
		return memDuplicate("api key", k.ID)
	}
	s.keys[k.ID] = memCopyAPIKey(k)
	return nil
}

// ListAPIKeys returns every key of a service, revoked ones included, oldest
// first (ties by id).
func (s *MemoryStore) ListAPIKeys(ctx context.Context, serviceID uuid.UUID) ([]APIKey, error) {
	if err := memCheckCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	out := []APIKey{}
	for _, k := range s.keys {
		if k.ServiceID == serviceID {
			out = append(out, *memCopyAPIKey(k))
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b APIKey) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return memCompareIDs(a.ID, b.ID)
	})
	return out, nil
}

// RevokeAPIKey sets a key's expiry date if it has none.
func (s *MemoryStore) RevokeAPIKey(ctx context.Context, serviceID, keyID uuid.UUID, at time.Time) error {
	if err := memCheckCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[keyID]
	if !ok || k.ServiceID != serviceID {
		return memNotFound("api key", keyID)
	}
	if k.ExpiryDate == nil {
		k.ExpiryDate = &at
	}
	return nil
}

// CreateTemplate inserts version 1 of a template and sets t.Version to 1.
func (s *MemoryStore) CreateTemplate(ctx context.Context, t *Template) error {
	if err := memCheckCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.templates[t.ID]; ok {
		return memDuplicate("template", t.ID)
	}
	t.Version = 1
	s.templates[t.ID] = []*Template{memCopyTemplate(t)}
	return nil
}

// UpdateTemplate stores a new version of an existing template and writes
// the new version number back to t.
func (s *MemoryStore) UpdateTemplate(ctx context.Context, t *Template) error {
	if err := memCheckCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	versions, ok := s.templates[t.ID]
	if !ok || versions[0].ServiceID != t.ServiceID {
		return memNotFound("template", t.ID)
	}
	t.Version = len(versions) + 1
	s.templates[t.ID] = append(versions, memCopyTemplate(t))
	return nil
}

// GetTemplate returns the current version of a service's template.
func (s *MemoryStore) GetTemplate(ctx context.Context, serviceID, id uuid.UUID) (*Template, error) {
	if err := memCheckCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	versions, ok := s.templates[id]
	if !ok || versions[0].ServiceID != serviceID {
		return nil, memNotFound("template", id)
	}
	return memCopyTemplate(versions[len(versions)-1]), nil
}

// GetTemplateVersion returns one version from a template's history.
func (s *MemoryStore) GetTemplateVersion(ctx context.Context, serviceID, id uuid.UUID, version int) (*Template, error) {
	if err := memCheckCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	versions, ok := s.templates[id]
	if !ok || versions[0].ServiceID != serviceID || version < 1 || version > len(versions) {
		return nil, memNotFound("template version", fmt.Sprintf("%s/%d", id, version))
	}
	return memCopyTemplate(versions[version-1]), nil
}

// ListTemplates returns the current, non-archived versions of a service's
// templates (of type typ when it is not empty), ordered by name then id.
func (s *MemoryStore) ListTemplates(ctx context.Context, serviceID uuid.UUID, typ NotificationType) ([]Template, error) {
	if err := memCheckCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	out := []Template{}
	for _, versions := range s.templates {
		t := versions[len(versions)-1]
		if t.ServiceID != serviceID || t.Archived || (typ != "" && t.Type != typ) {
			continue
		}
		out = append(out, *memCopyTemplate(t))
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b Template) int {
		if c := cmp.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return memCompareIDs(a.ID, b.ID)
	})
	return out, nil
}

// CreateNotification inserts a notification.
func (s *MemoryStore) CreateNotification(ctx context.Context, n *Notification) error {
	if err := memCheckCtx(ctx); err != nil {
		return err
	}
	c := memCopyNotification(n) // copy outside the lock
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.notifications[n.ID]; ok {
		return memDuplicate("notification", n.ID)
	}
	s.notifications[n.ID] = c
	s.indexRef(c)
	return nil
}

// indexRef records n under its provider reference, if it has one.
func (s *MemoryStore) indexRef(n *Notification) {
	if n.ProviderReference != "" {
		s.byRef[memProviderRef{n.SentBy, n.ProviderReference}] = n.ID
	}
}

// GetNotification returns a notification by id.
func (s *MemoryStore) GetNotification(ctx context.Context, id uuid.UUID) (*Notification, error) {
	if err := memCheckCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok := s.notifications[id]
	if !ok {
		return nil, memNotFound("notification", id)
	}
	return memCopyNotification(n), nil
}

// memCompareIDs orders uuids by their bytes, as PostgreSQL orders its uuid type.
func memCompareIDs(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }

// memNewerFirst orders notifications by created_at then id, descending.
func memNewerFirst(aAt, bAt time.Time, aID, bID uuid.UUID) int {
	if c := bAt.Compare(aAt); c != 0 {
		return c
	}
	return memCompareIDs(bID, aID)
}

// ListNotifications returns the notifications matching f, newest first.
func (s *MemoryStore) ListNotifications(ctx context.Context, f NotificationFilter) ([]Notification, error) {
	if err := memCheckCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	var pivot *Notification
	if f.OlderThan != nil {
		p, ok := s.notifications[*f.OlderThan]
		if !ok {
			s.mu.RUnlock()
			return []Notification{}, nil
		}
		pivot = p
	}
	var matched []*Notification
	for _, n := range s.notifications {
		if n.ServiceID != f.ServiceID ||
			(f.KeyType != "" && n.KeyType != f.KeyType) ||
			(len(f.Types) > 0 && !slices.Contains(f.Types, n.Type)) ||
			(len(f.Statuses) > 0 && !slices.Contains(f.Statuses, n.Status)) ||
			(f.Reference != nil && (n.ClientReference == nil || *n.ClientReference != *f.Reference)) ||
			(!f.IncludeJobs && n.JobID != nil) ||
			(pivot != nil && memNewerFirst(pivot.CreatedAt, n.CreatedAt, pivot.ID, n.ID) >= 0) {
			continue
		}
		matched = append(matched, n)
	}
	slices.SortFunc(matched, func(a, b *Notification) int {
		return memNewerFirst(a.CreatedAt, b.CreatedAt, a.ID, b.ID)
	})
	if f.Limit > 0 && len(matched) > f.Limit {
		matched = matched[:f.Limit]
	}
	out := make([]Notification, len(matched))
	for i, n := range matched {
		out[i] = *memCopyNotification(n)
	}
	s.mu.RUnlock()
	return out, nil
}

// CountNotifications counts a service's notifications created at or after
// since whose key type is not KeyTypeSimulate.
func (s *MemoryStore) CountNotifications(ctx context.Context, serviceID uuid.UUID, since time.Time) (int, error) {
	if err := memCheckCtx(ctx); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	count := 0
	for _, n := range s.notifications {
		if n.ServiceID == serviceID && n.KeyType != KeyTypeSimulate && n.Queue != QueueResearchMode && !n.CreatedAt.Before(since) {
			count++
		}
	}
	return count, nil
}

// memClaimable reports whether n may be claimed at now.
func memClaimable(n *Notification, now time.Time) bool {
	return n.Status == StatusCreated && (n.ClaimedUntil == nil || !n.ClaimedUntil.After(now))
}

// ClaimNotification sets the delivery lease of a notification to until if it
// is in StatusCreated and not leased at now.
func (s *MemoryStore) ClaimNotification(ctx context.Context, id uuid.UUID, now, until time.Time) (*Notification, error) {
	if err := memCheckCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.notifications[id]
	if !ok {
		return nil, memNotFound("notification", id)
	}
	if !memClaimable(n, now) {
		return nil, fmt.Errorf("memstore: claim notification %s (status %s): %w", id, n.Status, ErrConflict)
	}
	n.ClaimedUntil = &until
	n.DeliveryAttempts++
	return memCopyNotification(n), nil
}

// ReleaseNotification clears the lease of a notification still in
// StatusCreated; for other statuses it does nothing.
func (s *MemoryStore) ReleaseNotification(ctx context.Context, id uuid.UUID) error {
	if err := memCheckCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.notifications[id]
	if !ok {
		return memNotFound("notification", id)
	}
	if n.Status == StatusCreated {
		n.ClaimedUntil = nil
	}
	return nil
}

// TransitionNotification applies u if the status is one of from, clears
// the lease and returns the updated notification. Empty or nil fields of u
// (SentAt, SentBy, BillableUnits, ProviderReference, a zero UpdatedAt) leave
// the stored values unchanged.
func (s *MemoryStore) TransitionNotification(ctx context.Context, id uuid.UUID, from []Status, u NotificationUpdate) (*Notification, error) {
	if err := memCheckCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.notifications[id]
	if !ok {
		return nil, memNotFound("notification", id)
	}
	if !slices.Contains(from, n.Status) {
		return nil, fmt.Errorf("memstore: transition notification %s from %s to %s: %w", id, n.Status, u.Status, ErrConflict)
	}
	n.Status = u.Status
	if u.SentAt != nil {
		n.SentAt = memPtr(u.SentAt)
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
	return memCopyNotification(n), nil
}

// FindNotificationByProviderReference returns the notification that
// provider (its SentBy) knows by ref.
func (s *MemoryStore) FindNotificationByProviderReference(ctx context.Context, provider, ref string) (*Notification, error) {
	if err := memCheckCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.byRef[memProviderRef{provider, ref}]
	if ok {
		n, ok := s.notifications[id]
		if ok && n.SentBy == provider && n.ProviderReference == ref {
			return memCopyNotification(n), nil
		}
	}
	return nil, memNotFound("notification with provider reference", provider+"/"+ref)
}

// ListSweepable returns up to limit (0: no cap) notifications in
// StatusCreated, created before createdBefore, not leased at now, oldest
// first.
func (s *MemoryStore) ListSweepable(ctx context.Context, createdBefore, now time.Time, limit int) ([]Notification, error) {
	if err := memCheckCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	var matched []*Notification
	for _, n := range s.notifications {
		if memClaimable(n, now) && n.CreatedAt.Before(createdBefore) {
			matched = append(matched, n)
		}
	}
	slices.SortFunc(matched, func(a, b *Notification) int {
		return memNewerFirst(b.CreatedAt, a.CreatedAt, b.ID, a.ID)
	})
	if limit > 0 && len(matched) > limit {
		matched = matched[:limit]
	}
	out := make([]Notification, len(matched))
	for i, n := range matched {
		out[i] = *memCopyNotification(n)
	}
	s.mu.RUnlock()
	return out, nil
}

// ListInProgress returns notifications sending or pending, handed to a
// provider (sentBy, when not empty) before sentBefore, oldest sent first.
func (s *MemoryStore) ListInProgress(ctx context.Context, sentBy string, sentBefore time.Time, limit int) ([]Notification, error) {
	if err := memCheckCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var matched []*Notification
	for _, n := range s.notifications {
		if (n.Status == StatusSending || n.Status == StatusPending) && n.SentAt != nil && n.SentAt.Before(sentBefore) &&
			(sentBy == "" || n.SentBy == sentBy) {
			matched = append(matched, n)
		}
	}
	slices.SortFunc(matched, func(a, b *Notification) int {
		return memNewerFirst(*b.SentAt, *a.SentAt, b.ID, a.ID)
	})
	if limit > 0 && len(matched) > limit {
		matched = matched[:limit]
	}
	out := make([]Notification, len(matched))
	for i, n := range matched {
		out[i] = *memCopyNotification(n)
	}
	return out, nil
}

// CreateInboundSMS stores a received text message.
func (s *MemoryStore) CreateInboundSMS(ctx context.Context, m *InboundSMS) error {
	if err := memCheckCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.inbound[m.ID]; ok {
		return memDuplicate("inbound sms", m.ID)
	}
	s.inbound[m.ID] = memCopyInbound(m)
	return nil
}

// ListInboundSMS returns a service's received messages newest first (by
// created_at then id), strictly older than olderThan when it is not nil, at
// most limit (0: no cap).
func (s *MemoryStore) ListInboundSMS(ctx context.Context, serviceID uuid.UUID, olderThan *uuid.UUID, limit int) ([]InboundSMS, error) {
	if err := memCheckCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var pivot *InboundSMS
	if olderThan != nil {
		p, ok := s.inbound[*olderThan]
		if !ok {
			return []InboundSMS{}, nil
		}
		pivot = p
	}
	out := []InboundSMS{}
	for _, m := range s.inbound {
		if m.ServiceID != serviceID ||
			(pivot != nil && memNewerFirst(pivot.CreatedAt, m.CreatedAt, pivot.ID, m.ID) >= 0) {
			continue
		}
		out = append(out, *memCopyInbound(m))
	}
	slices.SortFunc(out, func(a, b InboundSMS) int {
		return memNewerFirst(a.CreatedAt, b.CreatedAt, a.ID, b.ID)
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// LoadOrStoreSetting returns the value stored under name, or stores value
// and returns it when there is none.
func (s *MemoryStore) LoadOrStoreSetting(ctx context.Context, name, value string) (string, error) {
	if err := memCheckCtx(ctx); err != nil {
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
