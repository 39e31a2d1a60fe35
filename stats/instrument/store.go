package instrument

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
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

// Store returns s with every call counted and timed on stats under
// dao.{method} (see the package doc for the names). The result has a
// Close() error method when s has one, and Unwrap() notify.Store. A nil s
// gives nil; a nil stats records nothing.
func Store(s notify.Store, stats notify.Stats) notify.Store {
	if s == nil {
		return nil
	}
	if stats == nil {
		stats = notify.DiscardStats{}
	}
	w := &store{inner: s, stats: stats}
	if c, ok := s.(closer); ok {
		return &closingStore{store: w, closer: c}
	}
	return w
}

// closer is the optional Close method the wrappers pass on.
type closer interface {
	Close() error
}

// store is the instrumented Store.
type store struct {
	inner notify.Store
	stats notify.Stats
}

var _ notify.Store = (*store)(nil)

// closingStore is the instrumented Store of a store that has Close.
type closingStore struct {
	*store
	closer
}

// Unwrap returns the wrapped store.
func (s *store) Unwrap() notify.Store { return s.inner }

// done records one call named name that started at start.
func (s *store) done(name string, start time.Time) {
	s.stats.Incr(name)
	s.stats.Timing(name, time.Since(start))
}

// Ping calls the wrapped store's Ping.
func (s *store) Ping(ctx context.Context) error {
	defer s.done(daoPing, time.Now())
	return s.inner.Ping(ctx)
}

// CreateService calls the wrapped store's CreateService.
func (s *store) CreateService(ctx context.Context, svc *notify.Service) error {
	defer s.done(daoCreateService, time.Now())
	return s.inner.CreateService(ctx, svc)
}

// GetService calls the wrapped store's GetService.
func (s *store) GetService(ctx context.Context, id uuid.UUID) (*notify.Service, error) {
	defer s.done(daoGetService, time.Now())
	return s.inner.GetService(ctx, id)
}

// UpdateService calls the wrapped store's UpdateService.
func (s *store) UpdateService(ctx context.Context, svc *notify.Service) error {
	defer s.done(daoUpdateService, time.Now())
	return s.inner.UpdateService(ctx, svc)
}

// AddTeamMember calls the wrapped store's AddTeamMember.
func (s *store) AddTeamMember(ctx context.Context, m notify.TeamMember) error {
	defer s.done(daoAddTeamMember, time.Now())
	return s.inner.AddTeamMember(ctx, m)
}

// ListTeamMembers calls the wrapped store's ListTeamMembers.
func (s *store) ListTeamMembers(ctx context.Context, serviceID uuid.UUID) ([]notify.TeamMember, error) {
	defer s.done(daoListTeamMembers, time.Now())
	return s.inner.ListTeamMembers(ctx, serviceID)
}

// AddGuestListEntry calls the wrapped store's AddGuestListEntry.
func (s *store) AddGuestListEntry(ctx context.Context, e notify.GuestListEntry) error {
	defer s.done(daoAddGuestListEntry, time.Now())
	return s.inner.AddGuestListEntry(ctx, e)
}

// ListGuestList calls the wrapped store's ListGuestList.
func (s *store) ListGuestList(ctx context.Context, serviceID uuid.UUID) ([]notify.GuestListEntry, error) {
	defer s.done(daoListGuestList, time.Now())
	return s.inner.ListGuestList(ctx, serviceID)
}

// CreateAPIKey calls the wrapped store's CreateAPIKey.
func (s *store) CreateAPIKey(ctx context.Context, k *notify.APIKey) error {
	defer s.done(daoCreateAPIKey, time.Now())
	return s.inner.CreateAPIKey(ctx, k)
}

// ListAPIKeys calls the wrapped store's ListAPIKeys.
func (s *store) ListAPIKeys(ctx context.Context, serviceID uuid.UUID) ([]notify.APIKey, error) {
	defer s.done(daoListAPIKeys, time.Now())
	return s.inner.ListAPIKeys(ctx, serviceID)
}

// RevokeAPIKey calls the wrapped store's RevokeAPIKey.
func (s *store) RevokeAPIKey(ctx context.Context, serviceID, keyID uuid.UUID, at time.Time) error {
	defer s.done(daoRevokeAPIKey, time.Now())
	return s.inner.RevokeAPIKey(ctx, serviceID, keyID, at)
}

// CreateTemplate calls the wrapped store's CreateTemplate.
func (s *store) CreateTemplate(ctx context.Context, t *notify.Template) error {
	defer s.done(daoCreateTemplate, time.Now())
	return s.inner.CreateTemplate(ctx, t)
}

// UpdateTemplate calls the wrapped store's UpdateTemplate.
func (s *store) UpdateTemplate(ctx context.Context, t *notify.Template) error {
	defer s.done(daoUpdateTemplate, time.Now())
	return s.inner.UpdateTemplate(ctx, t)
}

// GetTemplate calls the wrapped store's GetTemplate.
func (s *store) GetTemplate(ctx context.Context, serviceID, id uuid.UUID) (*notify.Template, error) {
	defer s.done(daoGetTemplate, time.Now())
	return s.inner.GetTemplate(ctx, serviceID, id)
}

// GetTemplateVersion calls the wrapped store's GetTemplateVersion.
func (s *store) GetTemplateVersion(ctx context.Context, serviceID, id uuid.UUID, version int) (*notify.Template, error) {
	defer s.done(daoGetTemplateVersion, time.Now())
	return s.inner.GetTemplateVersion(ctx, serviceID, id, version)
}

// ListTemplates calls the wrapped store's ListTemplates.
func (s *store) ListTemplates(ctx context.Context, serviceID uuid.UUID, typ notify.NotificationType) ([]notify.Template, error) {
	defer s.done(daoListTemplates, time.Now())
	return s.inner.ListTemplates(ctx, serviceID, typ)
}

// CreateNotification calls the wrapped store's CreateNotification.
func (s *store) CreateNotification(ctx context.Context, n *notify.Notification) error {
	defer s.done(daoCreateNotification, time.Now())
	return s.inner.CreateNotification(ctx, n)
}

// GetNotification calls the wrapped store's GetNotification.
func (s *store) GetNotification(ctx context.Context, id uuid.UUID) (*notify.Notification, error) {
	defer s.done(daoGetNotification, time.Now())
	return s.inner.GetNotification(ctx, id)
}

// ListNotifications calls the wrapped store's ListNotifications.
func (s *store) ListNotifications(ctx context.Context, f notify.NotificationFilter) ([]notify.Notification, error) {
	defer s.done(daoListNotifications, time.Now())
	return s.inner.ListNotifications(ctx, f)
}

// CountNotifications calls the wrapped store's CountNotifications.
func (s *store) CountNotifications(ctx context.Context, serviceID uuid.UUID, since time.Time) (int, error) {
	defer s.done(daoCountNotifications, time.Now())
	return s.inner.CountNotifications(ctx, serviceID, since)
}

// ClaimNotification calls the wrapped store's ClaimNotification.
func (s *store) ClaimNotification(ctx context.Context, id uuid.UUID, now, until time.Time) (*notify.Notification, error) {
	defer s.done(daoClaimNotification, time.Now())
	return s.inner.ClaimNotification(ctx, id, now, until)
}

// ReleaseNotification calls the wrapped store's ReleaseNotification.
func (s *store) ReleaseNotification(ctx context.Context, id uuid.UUID) error {
	defer s.done(daoReleaseNotification, time.Now())
	return s.inner.ReleaseNotification(ctx, id)
}

// TransitionNotification calls the wrapped store's TransitionNotification.
func (s *store) TransitionNotification(ctx context.Context, id uuid.UUID, from []notify.Status, u notify.NotificationUpdate) (*notify.Notification, error) {
	defer s.done(daoTransitionNotification, time.Now())
	return s.inner.TransitionNotification(ctx, id, from, u)
}

// FindNotificationByProviderReference calls the wrapped store's
// FindNotificationByProviderReference.
func (s *store) FindNotificationByProviderReference(ctx context.Context, provider, ref string) (*notify.Notification, error) {
	defer s.done(daoFindNotificationByProviderReference, time.Now())
	return s.inner.FindNotificationByProviderReference(ctx, provider, ref)
}

// ListInProgress calls the wrapped store's ListInProgress.
func (s *store) ListInProgress(ctx context.Context, sentBy string, sentBefore time.Time, limit int) ([]notify.Notification, error) {
	defer s.done(daoListInProgress, time.Now())
	return s.inner.ListInProgress(ctx, sentBy, sentBefore, limit)
}

// ListSweepable calls the wrapped store's ListSweepable.
func (s *store) ListSweepable(ctx context.Context, createdBefore, now time.Time, limit int) ([]notify.Notification, error) {
	defer s.done(daoListSweepable, time.Now())
	return s.inner.ListSweepable(ctx, createdBefore, now, limit)
}

// CreateInboundSMS calls the wrapped store's CreateInboundSMS.
func (s *store) CreateInboundSMS(ctx context.Context, m *notify.InboundSMS) error {
	defer s.done(daoCreateInboundSMS, time.Now())
	return s.inner.CreateInboundSMS(ctx, m)
}

// ListInboundSMS calls the wrapped store's ListInboundSMS.
func (s *store) ListInboundSMS(ctx context.Context, serviceID uuid.UUID, olderThan *uuid.UUID, limit int) ([]notify.InboundSMS, error) {
	defer s.done(daoListInboundSMS, time.Now())
	return s.inner.ListInboundSMS(ctx, serviceID, olderThan, limit)
}

// LoadOrStoreSetting calls the wrapped store's LoadOrStoreSetting.
func (s *store) LoadOrStoreSetting(ctx context.Context, name, value string) (string, error) {
	defer s.done(daoLoadOrStoreSetting, time.Now())
	return s.inner.LoadOrStoreSetting(ctx, name, value)
}
