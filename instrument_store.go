// Metrics wrappers: the seed's statsd decorator (SPEC A8).

package notify

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Metric names of the Store methods, built once so that a call allocates
// nothing for its name.
const (
	daoPing                                = "dao.ping"
	daoCreateService                       = "dao.create_service"
	daoGetService                          = "dao.get_service"
	daoUpdateService                       = "dao.update_service"
	daoAddTeamMember                       = "dao.add_team_member"
	daoListTeamMembers                     = "dao.list_team_members"
	daoAddGuestListEntry                   = "dao.add_guest_list_entry"
	daoListGuestList                       = "dao.list_guest_list"
	daoCreateAPIKey                        = "dao.create_api_key"
	daoListAPIKeys                         = "dao.list_api_keys"
	daoRevokeAPIKey                        = "dao.revoke_api_key"
	daoCreateTemplate                      = "dao.create_template"
	daoUpdateTemplate                      = "dao.update_template"
	daoGetTemplate                         = "dao.get_template"
	daoGetTemplateVersion                  = "dao.get_template_version"
	daoListTemplates                       = "dao.list_templates"
	daoCreateNotification                  = "dao.create_notification"
	daoGetNotification                     = "dao.get_notification"
	daoListNotifications                   = "dao.list_notifications"
	daoCountNotifications                  = "dao.count_notifications"
	daoClaimNotification                   = "dao.claim_notification"
	daoReleaseNotification                 = "dao.release_notification"
	daoTransitionNotification              = "dao.transition_notification"
	daoFindNotificationByProviderReference = "dao.find_notification_by_provider_reference"
	daoListSweepable                       = "dao.list_sweepable"
	daoListInProgress                      = "dao.list_in_progress"
	daoCreateInboundSMS                    = "dao.create_inbound_sms"
	daoListInboundSMS                      = "dao.list_inbound_sms"
	daoLoadOrStoreSetting                  = "dao.load_or_store_setting"
)

// InstrumentStore returns s with every call counted and timed on stats under
// dao.{method} (see the package doc for the names). The result has a
// Close() error method when s has one, and Unwrap() Store. A nil s
// gives nil; a nil stats records nothing.
func InstrumentStore(s Store, stats Stats) Store {
	if s == nil {
		return nil
	}
	if stats == nil {
		stats = DiscardStats{}
	}
	w := &instrStore{inner: s, stats: stats}
	if c, ok := s.(instrCloser); ok {
		return &instrClosingStore{instrStore: w, instrCloser: c}
	}
	return w
}

// closer is the optional Close method the wrappers pass on.
type instrCloser interface {
	Close() error
}

// store is the instrumented Store.
type instrStore struct {
	inner Store
	stats Stats
}

var _ Store = (*instrStore)(nil)

// closingStore is the instrumented Store of a store that has Close.
type instrClosingStore struct {
	*instrStore
	instrCloser
}

// Unwrap returns the wrapped store.
func (s *instrStore) Unwrap() Store { return s.inner }

// done records one call named name that started at start.
func (s *instrStore) done(name string, start time.Time) {
	s.stats.Incr(name)
	s.stats.Timing(name, time.Since(start))
}

// Ping calls the wrapped store's Ping.
func (s *instrStore) Ping(ctx context.Context) error {
	defer s.done(daoPing, time.Now())
	return s.inner.Ping(ctx)
}

// CreateService calls the wrapped store's CreateService.
func (s *instrStore) CreateService(ctx context.Context, svc *Service) error {
	defer s.done(daoCreateService, time.Now())
	return s.inner.CreateService(ctx, svc)
}

// GetService calls the wrapped store's GetService.
func (s *instrStore) GetService(ctx context.Context, id uuid.UUID) (*Service, error) {
	defer s.done(daoGetService, time.Now())
	return s.inner.GetService(ctx, id)
}

// UpdateService calls the wrapped store's UpdateService.
func (s *instrStore) UpdateService(ctx context.Context, svc *Service) error {
	defer s.done(daoUpdateService, time.Now())
	return s.inner.UpdateService(ctx, svc)
}

// AddTeamMember calls the wrapped store's AddTeamMember.
func (s *instrStore) AddTeamMember(ctx context.Context, m TeamMember) error {
	defer s.done(daoAddTeamMember, time.Now())
	return s.inner.AddTeamMember(ctx, m)
}

// ListTeamMembers calls the wrapped store's ListTeamMembers.
func (s *instrStore) ListTeamMembers(ctx context.Context, serviceID uuid.UUID) ([]TeamMember, error) {
	defer s.done(daoListTeamMembers, time.Now())
	return s.inner.ListTeamMembers(ctx, serviceID)
}

// AddGuestListEntry calls the wrapped store's AddGuestListEntry.
func (s *instrStore) AddGuestListEntry(ctx context.Context, e GuestListEntry) error {
	defer s.done(daoAddGuestListEntry, time.Now())
	return s.inner.AddGuestListEntry(ctx, e)
}

// ListGuestList calls the wrapped store's ListGuestList.
func (s *instrStore) ListGuestList(ctx context.Context, serviceID uuid.UUID) ([]GuestListEntry, error) {
	defer s.done(daoListGuestList, time.Now())
	return s.inner.ListGuestList(ctx, serviceID)
}

// CreateAPIKey calls the wrapped store's CreateAPIKey.
func (s *instrStore) CreateAPIKey(ctx context.Context, k *APIKey) error {
	defer s.done(daoCreateAPIKey, time.Now())
	return s.inner.CreateAPIKey(ctx, k)
}

// ListAPIKeys calls the wrapped store's ListAPIKeys.
func (s *instrStore) ListAPIKeys(ctx context.Context, serviceID uuid.UUID) ([]APIKey, error) {
	defer s.done(daoListAPIKeys, time.Now())
	return s.inner.ListAPIKeys(ctx, serviceID)
}

// RevokeAPIKey calls the wrapped store's RevokeAPIKey.
func (s *instrStore) RevokeAPIKey(ctx context.Context, serviceID, keyID uuid.UUID, at time.Time) error {
	defer s.done(daoRevokeAPIKey, time.Now())
	return s.inner.RevokeAPIKey(ctx, serviceID, keyID, at)
}

// CreateTemplate calls the wrapped store's CreateTemplate.
func (s *instrStore) CreateTemplate(ctx context.Context, t *Template) error {
	defer s.done(daoCreateTemplate, time.Now())
	return s.inner.CreateTemplate(ctx, t)
}

// UpdateTemplate calls the wrapped store's UpdateTemplate.
func (s *instrStore) UpdateTemplate(ctx context.Context, t *Template) error {
	defer s.done(daoUpdateTemplate, time.Now())
	return s.inner.UpdateTemplate(ctx, t)
}

// GetTemplate calls the wrapped store's GetTemplate.
func (s *instrStore) GetTemplate(ctx context.Context, serviceID, id uuid.UUID) (*Template, error) {
	defer s.done(daoGetTemplate, time.Now())
	return s.inner.GetTemplate(ctx, serviceID, id)
}

// GetTemplateVersion calls the wrapped store's GetTemplateVersion.
func (s *instrStore) GetTemplateVersion(ctx context.Context, serviceID, id uuid.UUID, version int) (*Template, error) {
	defer s.done(daoGetTemplateVersion, time.Now())
	return s.inner.GetTemplateVersion(ctx, serviceID, id, version)
}

// ListTemplates calls the wrapped store's ListTemplates.
func (s *instrStore) ListTemplates(ctx context.Context, serviceID uuid.UUID, typ NotificationType) ([]Template, error) {
	defer s.done(daoListTemplates, time.Now())
	return s.inner.ListTemplates(ctx, serviceID, typ)
}

// CreateNotification calls the wrapped store's CreateNotification.
func (s *instrStore) CreateNotification(ctx context.Context, n *Notification) error {
	defer s.done(daoCreateNotification, time.Now())
	return s.inner.CreateNotification(ctx, n)
}

// GetNotification calls the wrapped store's GetNotification.
func (s *instrStore) GetNotification(ctx context.Context, id uuid.UUID) (*Notification, error) {
	defer s.done(daoGetNotification, time.Now())
	return s.inner.GetNotification(ctx, id)
}

// ListNotifications calls the wrapped store's ListNotifications.
func (s *instrStore) ListNotifications(ctx context.Context, f NotificationFilter) ([]Notification, error) {
	defer s.done(daoListNotifications, time.Now())
	return s.inner.ListNotifications(ctx, f)
}

// CountNotifications calls the wrapped store's CountNotifications.
func (s *instrStore) CountNotifications(ctx context.Context, serviceID uuid.UUID, since time.Time) (int, error) {
	defer s.done(daoCountNotifications, time.Now())
	return s.inner.CountNotifications(ctx, serviceID, since)
}

// ClaimNotification calls the wrapped store's ClaimNotification.
func (s *instrStore) ClaimNotification(ctx context.Context, id uuid.UUID, now, until time.Time) (*Notification, error) {
	defer s.done(daoClaimNotification, time.Now())
	return s.inner.ClaimNotification(ctx, id, now, until)
}

// ReleaseNotification calls the wrapped store's ReleaseNotification.
func (s *instrStore) ReleaseNotification(ctx context.Context, id uuid.UUID) error {
	defer s.done(daoReleaseNotification, time.Now())
	return s.inner.ReleaseNotification(ctx, id)
}

// TransitionNotification calls the wrapped store's TransitionNotification.
func (s *instrStore) TransitionNotification(ctx context.Context, id uuid.UUID, from []Status, u NotificationUpdate) (*Notification, error) {
	defer s.done(daoTransitionNotification, time.Now())
	return s.inner.TransitionNotification(ctx, id, from, u)
}

// FindNotificationByProviderReference calls the wrapped store's
// FindNotificationByProviderReference.
func (s *instrStore) FindNotificationByProviderReference(ctx context.Context, instrProvider, ref string) (*Notification, error) {
	defer s.done(daoFindNotificationByProviderReference, time.Now())
	return s.inner.FindNotificationByProviderReference(ctx, instrProvider, ref)
}

// ListInProgress calls the wrapped store's ListInProgress.
func (s *instrStore) ListInProgress(ctx context.Context, sentBy string, sentBefore time.Time, limit int) ([]Notification, error) {
	defer s.done(daoListInProgress, time.Now())
	return s.inner.ListInProgress(ctx, sentBy, sentBefore, limit)
}

// ListSweepable calls the wrapped store's ListSweepable.
func (s *instrStore) ListSweepable(ctx context.Context, createdBefore, now time.Time, limit int) ([]Notification, error) {
	defer s.done(daoListSweepable, time.Now())
	return s.inner.ListSweepable(ctx, createdBefore, now, limit)
}

// CreateInboundSMS calls the wrapped store's CreateInboundSMS.
func (s *instrStore) CreateInboundSMS(ctx context.Context, m *InboundSMS) error {
	defer s.done(daoCreateInboundSMS, time.Now())
	return s.inner.CreateInboundSMS(ctx, m)
}

// ListInboundSMS calls the wrapped store's ListInboundSMS.
func (s *instrStore) ListInboundSMS(ctx context.Context, serviceID uuid.UUID, olderThan *uuid.UUID, limit int) ([]InboundSMS, error) {
	defer s.done(daoListInboundSMS, time.Now())
	return s.inner.ListInboundSMS(ctx, serviceID, olderThan, limit)
}

// LoadOrStoreSetting calls the wrapped store's LoadOrStoreSetting.
func (s *instrStore) LoadOrStoreSetting(ctx context.Context, name, value string) (string, error) {
	defer s.done(daoLoadOrStoreSetting, time.Now())
	return s.inner.LoadOrStoreSetting(ctx, name, value)
}
