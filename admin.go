package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Administration beyond creating things (notify.go): reading, changing and
// archiving services, keys, templates, team members and guest lists, and
// the statistics of a service. Every change goes through the Notifier's
// Store, so it takes effect at once in this process (the read cache drops
// what it changed) and within ReadCacheTTL in others sharing the Store.
//
// Refusals are *Error values of name ValidationError (400) carrying the
// request field they are about, or ErrNoResult (404) for a service,
// template or key that does not exist: the admin API renders them as
// upstream's {"result": "error", "message": {field: [messages]}}.

// Messages of the admin refusals, in upstream's words where it has them
// (marshmallow's for the shape of a field).
const (
	MsgMissingField    = "Missing data for required field."
	MsgUnknownField    = "Unknown field."
	MsgNotString       = "Not a valid string."
	MsgNotInteger      = "Not a valid integer."
	MsgNotBoolean      = "Not a valid boolean."
	MsgNotList         = "Not a valid list."
	MsgNotUUID         = "Not a valid UUID."
	MsgNotNegative     = "Must be greater than or equal to 0."
	MsgTemplateSubject = "Invalid template subject"
	MsgKeyNameInUse    = "An active API key with this name already exists"
)

// errs returns nil for no refusals and the refusals otherwise.
func errs(list []*Error) error {
	if len(list) == 0 {
		return nil
	}
	return Errors(list)
}

// GetService returns a service, archived or not; a missing one is
// ErrNoResult.
func (n *Notifier) GetService(ctx context.Context, id uuid.UUID) (*Service, error) {
	svc, err := n.store.GetService(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrNoResult
	}
	if err != nil {
		return nil, fmt.Errorf("notify: get service: %w", err)
	}
	return svc, nil
}

// ListServices returns every service, archived ones included, oldest
// first. The Store must be a ServiceLister.
func (n *Notifier) ListServices(ctx context.Context) ([]Service, error) {
	l, ok := storeAs[ServiceLister](n.store)
	if !ok {
		return nil, unsupported("list services", "ListServices")
	}
	list, err := l.ListServices(ctx)
	if err != nil {
		return nil, fmt.Errorf("notify: list services: %w", err)
	}
	return list, nil
}

// ServiceUpdate is a change to a service: the fields that are not nil
// replace the service's.
type ServiceUpdate struct {
	Name         *string
	Restricted   *bool
	MessageLimit *int
	RateLimit    *int
	// SMSMessageLimit, EmailMessageLimit and InternationalSMSMessageLimit
	// are the per-channel daily limits (0: the default of the service's
	// mode, see Service.DailyLimit).
	SMSMessageLimit              *int
	EmailMessageLimit            *int
	InternationalSMSMessageLimit *int
	ResearchMode                 *bool
	Permissions                  *[]Permission
	PrefixSMS                    *bool
	SMSSender                    *string
	EmailFrom                    *string
	DataRetentionDays            *int
	// ContactLink replaces the contact link; "" removes it.
	ContactLink *string
}

// Apply copies the set fields of u onto s, unchecked (CreateService and
// UpdateService check the result).
func (u ServiceUpdate) Apply(s *Service) {
	if u.Name != nil {
		s.Name = *u.Name
	}
	if u.Restricted != nil {
		s.Restricted = *u.Restricted
	}
	if u.MessageLimit != nil {
		s.MessageLimit = *u.MessageLimit
	}
	if u.RateLimit != nil {
		s.RateLimit = *u.RateLimit
	}
	if u.SMSMessageLimit != nil {
		s.SMSMessageLimit = *u.SMSMessageLimit
	}
	if u.EmailMessageLimit != nil {
		s.EmailMessageLimit = *u.EmailMessageLimit
	}
	if u.InternationalSMSMessageLimit != nil {
		s.InternationalSMSMessageLimit = *u.InternationalSMSMessageLimit
	}
	if u.ResearchMode != nil {
		s.ResearchMode = *u.ResearchMode
	}
	if u.Permissions != nil {
		s.Permissions = slices.Clone(*u.Permissions)
	}
	if u.PrefixSMS != nil {
		s.PrefixSMS = *u.PrefixSMS
	}
	if u.SMSSender != nil {
		s.SMSSender = *u.SMSSender
	}
	if u.EmailFrom != nil {
		s.EmailFrom = *u.EmailFrom
	}
	if u.DataRetentionDays != nil {
		s.DataRetentionDays = *u.DataRetentionDays
	}
	if u.ContactLink != nil {
		s.ContactLink = *u.ContactLink
	}
}

// UpdateService applies u to a service after checking the result as
// CheckService does; a refused change changes nothing. An archived service
// cannot be changed (400 on "service"); a missing one is ErrNoResult.
func (n *Notifier) UpdateService(ctx context.Context, id uuid.UUID, u ServiceUpdate) (*Service, error) {
	// Read past the cache: the update replaces every field.
	svc, err := uncached(n.store).GetService(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrNoResult
	}
	if err != nil {
		return nil, fmt.Errorf("notify: update service: %w", err)
	}
	if svc.Archived {
		return nil, ValidationError("service", "An archived service cannot be changed")
	}
	u.Apply(svc)
	if err := CheckService(svc); err != nil {
		return nil, err
	}
	svc.UpdatedAt = n.now()
	if err := n.store.UpdateService(ctx, svc); err != nil {
		return nil, fmt.Errorf("notify: update service: %w", err)
	}
	return svc, nil
}

// servicePermissions are the permissions a service may have.
var servicePermissions = []Permission{PermissionSMS, PermissionEmail, PermissionInternationalSMS, PermissionUKLandlines}

// CheckService checks the fields of a service that is about to be created
// or changed and returns every refusal at once (Errors of
// ValidationError, each naming its field as the admin API spells it): a
// name is required (at most 255 characters); limits and retention are not
// negative, retention at most 90 days; permissions are known ones without
// duplicates; email_from is a plain lower-case local part; sms_sender is at
// most 11 characters, or a phone number; contact_link, when set, passes
// CheckContactLink.
func CheckService(s *Service) error {
	var list []*Error
	name := strings.TrimSpace(s.Name)
	switch {
	case name == "":
		list = append(list, ValidationError("name", MsgMissingField))
	case len([]rune(name)) > 255:
		list = append(list, ValidationError("name", "Longer than maximum length 255."))
	}
	s.Name = name
	for _, f := range []struct {
		field string
		v     int
	}{{"message_limit", s.MessageLimit}, {"rate_limit", s.RateLimit}, {"sms_message_limit", s.SMSMessageLimit},
		{"email_message_limit", s.EmailMessageLimit}, {"international_sms_message_limit", s.InternationalSMSMessageLimit},
		{"data_retention_days", s.DataRetentionDays}} {
		if f.v < 0 {
			list = append(list, ValidationError(f.field, MsgNotNegative))
		}
	}
	if s.DataRetentionDays > 90 {
		list = append(list, ValidationError("data_retention_days", "Must be less than or equal to 90."))
	}
	var seen, dups []string
	for _, p := range s.Permissions {
		if !slices.Contains(servicePermissions, p) {
			list = append(list, ValidationError("permissions", fmt.Sprintf("Invalid Service Permission: '%s'", p)))
			continue
		}
		if slices.Contains(seen, string(p)) {
			if !slices.Contains(dups, string(p)) {
				dups = append(dups, string(p))
			}
			continue
		}
		seen = append(seen, string(p))
	}
	if len(dups) > 0 {
		list = append(list, ValidationError("permissions", "Duplicate Service Permission: ['"+strings.Join(dups, "', '")+"']"))
	}
	s.EmailFrom = strings.TrimSpace(s.EmailFrom)
	if s.EmailFrom != "" && !validLocalPart(s.EmailFrom) {
		list = append(list, ValidationError("email_from",
			"Must be lower-case letters, numbers, dots, hyphens and underscores, starting and ending with a letter or number."))
	}
	s.SMSSender = strings.TrimSpace(s.SMSSender)
	if s.SMSSender != "" && !validSMSSender(s.SMSSender) {
		list = append(list, ValidationError("sms_sender",
			"Must be at most 11 letters, numbers and spaces, or a phone number."))
	}
	s.ContactLink = strings.TrimSpace(s.ContactLink)
	if s.ContactLink != "" {
		if msg := contactLinkProblem(s.ContactLink); msg != "" {
			list = append(list, ValidationError("contact_link", msg))
		}
	}
	return errs(list)
}

// validLocalPart reports whether s can stand before the @ of a From
// address: lower-case ASCII letters and digits, with single dots, hyphens
// or underscores between them, at most 64 characters.
func validLocalPart(s string) bool {
	if len(s) > 64 || !isLowerAlnum(s[0]) || !isLowerAlnum(s[len(s)-1]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isLowerAlnum(c) {
			continue
		}
		if c != '.' && c != '-' && c != '_' || !isLowerAlnum(s[i-1]) {
			return false
		}
	}
	return true
}

func isLowerAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// validSMSSender reports whether s is an alphanumeric sender (up to 11
// ASCII letters, digits and spaces, with at least one letter), a phone
// number or, as GOV.UK Notify's admin app allows, a UK short code (five
// digits starting 6, 7 or 8).
func validSMSSender(s string) bool {
	if _, err := ParsePhoneNumber(s); err == nil {
		return true
	}
	if isShortCode(s) {
		return true
	}
	if len(s) > 11 {
		return false
	}
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9' || c == ' ':
		default:
			return false
		}
	}
	return letter
}

// isShortCode reports whether s is a UK short code a text message may come
// from: five digits, the first 6, 7 or 8.
func isShortCode(s string) bool {
	if len(s) != 5 || s[0] < '6' || s[0] > '8' {
		return false
	}
	for i := 1; i < 5; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ArchiveService archives a service as upstream does: it can no longer
// authenticate (its keys answer "Invalid token: service is archived"),
// every active key is revoked and every template archived. There is no
// coming back. Archiving an archived service finishes what an interrupted
// archive left undone and is otherwise a no-op.
func (n *Notifier) ArchiveService(ctx context.Context, id uuid.UUID) error {
	svc, err := uncached(n.store).GetService(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return ErrNoResult
	}
	if err != nil {
		return fmt.Errorf("notify: archive service: %w", err)
	}
	now := n.now()
	if !svc.Archived {
		// First, so that no request authenticates meanwhile.
		svc.Archived, svc.UpdatedAt = true, now
		if err := n.store.UpdateService(ctx, svc); err != nil {
			return fmt.Errorf("notify: archive service: %w", err)
		}
	}
	keys, err := n.store.ListAPIKeys(ctx, id)
	if err != nil {
		return fmt.Errorf("notify: archive service: %w", err)
	}
	for _, k := range keys {
		if k.Revoked() {
			continue
		}
		if err := n.store.RevokeAPIKey(ctx, id, k.ID, now); err != nil {
			return fmt.Errorf("notify: archive service: revoke key %s: %w", k.ID, err)
		}
	}
	templates, err := n.store.ListTemplates(ctx, id, "")
	if err != nil {
		return fmt.Errorf("notify: archive service: %w", err)
	}
	for _, t := range templates {
		t.Archived = true
		t.UpdatedAt = &now
		if err := n.store.UpdateTemplate(ctx, &t); err != nil {
			return fmt.Errorf("notify: archive service: archive template %s: %w", t.ID, err)
		}
	}
	n.log.InfoContext(ctx, "service archived", "service_id", id.String(),
		"keys", len(keys), "templates", len(templates))
	return nil
}

// ListAPIKeys returns a service's keys, revoked ones included, oldest
// first, without their secrets. A missing service is ErrNoResult.
func (n *Notifier) ListAPIKeys(ctx context.Context, serviceID uuid.UUID) ([]APIKey, error) {
	if _, err := n.GetService(ctx, serviceID); err != nil {
		return nil, err
	}
	keys, err := n.store.ListAPIKeys(ctx, serviceID)
	if err != nil {
		return nil, fmt.Errorf("notify: list API keys: %w", err)
	}
	for i := range keys {
		keys[i].Secret, keys[i].EncryptedSecret = "", nil
	}
	return keys, nil
}

// IssueAPIKey creates a key for an active service, as the admin API does:
// the name is required and not in use by another active key of the
// service, the type is normal, team or test. The returned key carries the
// plain Secret; FormatKey makes the key string to hand over, once.
func (n *Notifier) IssueAPIKey(ctx context.Context, serviceID uuid.UUID, name string, keyType KeyType) (*APIKey, error) {
	svc, err := n.GetService(ctx, serviceID)
	if err != nil {
		return nil, err
	}
	var list []*Error
	name = strings.TrimSpace(name)
	if name == "" {
		list = append(list, ValidationError("name", MsgMissingField))
	}
	if !keyType.Valid() {
		list = append(list, ValidationError("key_type", "Must be one of: normal, team, test."))
	}
	if svc.Archived {
		list = append(list, ValidationError("service", "An archived service cannot have new API keys"))
	}
	if len(list) == 0 {
		keys, err := uncached(n.store).ListAPIKeys(ctx, serviceID)
		if err != nil {
			return nil, fmt.Errorf("notify: create API key: %w", err)
		}
		for _, k := range keys {
			if !k.Revoked() && k.Name == name {
				list = append(list, ValidationError("name", MsgKeyNameInUse))
				break
			}
		}
	}
	if err := errs(list); err != nil {
		return nil, err
	}
	return n.CreateAPIKey(ctx, serviceID, name, keyType)
}

// RevokeServiceAPIKey revokes one of a service's keys, as the admin API
// does: a key that does not exist (or belongs to another service) is
// ErrNoResult; revoking a revoked key keeps its first revocation.
func (n *Notifier) RevokeServiceAPIKey(ctx context.Context, serviceID, keyID uuid.UUID) error {
	keys, err := uncached(n.store).ListAPIKeys(ctx, serviceID)
	if err != nil {
		return fmt.Errorf("notify: revoke API key: %w", err)
	}
	i := slices.IndexFunc(keys, func(k APIKey) bool { return k.ID == keyID })
	if i < 0 {
		return ErrNoResult
	}
	if keys[i].Revoked() {
		return nil
	}
	return n.RevokeAPIKey(ctx, serviceID, keyID)
}

// TemplateUpdate is a change to a template: the fields that are not nil
// replace the current version's.
type TemplateUpdate struct {
	Name        *string
	Subject     *string
	Content     *string
	ProcessType *ProcessType
	Archived    *bool
	CreatedBy   *string
}

// publicTypeName is how upstream names a channel in messages.
func publicTypeName(t NotificationType) string {
	if t == SMS {
		return "text message"
	}
	return string(t)
}

// checkAdminTemplate checks t as the admin API does, for a service that
// must exist and have the template's channel; verb is "Creating" or
// "Updating".
func (n *Notifier) checkAdminTemplate(ctx context.Context, t *Template, verb string) error {
	svc, err := n.GetService(ctx, t.ServiceID)
	if err != nil {
		return err
	}
	if svc.Archived {
		return ValidationError("service", "An archived service cannot change its templates")
	}
	var list []*Error
	if t.Type != SMS && t.Type != Email {
		return ValidationError("template_type", "Must be one of: sms, email.")
	}
	if !svc.Can(Permission(t.Type)) {
		return &Error{Name: NameValidation, Status: http.StatusForbidden, Field: "template_type",
			Message: fmt.Sprintf("%s %s templates is not allowed", verb, publicTypeName(t.Type))}
	}
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" {
		list = append(list, ValidationError("name", MsgMissingField))
	}
	if strings.TrimSpace(t.Content) == "" {
		list = append(list, ValidationError("content", MsgMissingField))
	}
	if t.Type == Email && strings.TrimSpace(t.Subject) == "" {
		list = append(list, ValidationError("subject", MsgTemplateSubject))
	}
	if t.Type == SMS && SMSCharacterCount(t.Content) > SMSCharCountLimit {
		list = append(list, ValidationError("content",
			fmt.Sprintf("Content has a character count greater than the limit of %d", SMSCharCountLimit)))
	}
	if t.Type == Email && len(t.Content) > EmailMaxBytes {
		list = append(list, ValidationError("content",
			fmt.Sprintf("Content has a size greater than the limit of %d bytes", EmailMaxBytes)))
	}
	setDefault(&t.ProcessType, ProcessNormal)
	if t.ProcessType != ProcessNormal && t.ProcessType != ProcessPriority {
		list = append(list, ValidationError("process_type", "Must be one of: normal, priority."))
	}
	return errs(list)
}

// AddTemplate checks a new template as the admin API does (the service
// exists, is not archived and may send the template's channel, else 403;
// name and content are required; an email needs a subject; an SMS fits
// SMSCharCountLimit characters before personalisation) and stores its
// version 1.
func (n *Notifier) AddTemplate(ctx context.Context, t Template) (*Template, error) {
	if err := n.checkAdminTemplate(ctx, &t, "Creating"); err != nil {
		return nil, err
	}
	return n.CreateTemplate(ctx, t)
}

// EditTemplate applies u to the current version of a service's template
// and, when anything changed, stores a new version (an unchanged template
// keeps its version, as upstream). {"archived": true} archives it. A
// missing template is ErrNoResult; its type cannot change.
func (n *Notifier) EditTemplate(ctx context.Context, serviceID, id uuid.UUID, u TemplateUpdate) (*Template, error) {
	cur, err := uncached(n.store).GetTemplate(ctx, serviceID, id)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrNoResult
	}
	if err != nil {
		return nil, fmt.Errorf("notify: update template: %w", err)
	}
	next := *cur
	if u.Name != nil {
		next.Name = *u.Name
	}
	if u.Subject != nil {
		next.Subject = *u.Subject
	}
	if u.Content != nil {
		next.Content = *u.Content
	}
	if u.ProcessType != nil {
		next.ProcessType = *u.ProcessType
	}
	if u.Archived != nil {
		next.Archived = *u.Archived
	}
	if u.CreatedBy != nil {
		next.CreatedBy = *u.CreatedBy
	}
	if next.Type == SMS {
		next.Subject = ""
	}
	if err := n.checkAdminTemplate(ctx, &next, "Updating"); err != nil {
		return nil, err
	}
	if next.Name == cur.Name && next.Subject == cur.Subject && next.Content == cur.Content &&
		next.ProcessType == cur.ProcessType && next.Archived == cur.Archived {
		return cur, nil
	}
	return n.UpdateTemplate(ctx, next)
}

// ArchiveTemplate archives a template: it leaves the template lists and
// sending with it is refused; notifications already sent keep their
// version.
func (n *Notifier) ArchiveTemplate(ctx context.Context, serviceID, id uuid.UUID) (*Template, error) {
	archived := true
	return n.EditTemplate(ctx, serviceID, id, TemplateUpdate{Archived: &archived})
}

// ServiceTemplates returns a service's templates that are not archived,
// ordered by name; a missing service is ErrNoResult.
func (n *Notifier) ServiceTemplates(ctx context.Context, serviceID uuid.UUID) ([]Template, error) {
	if _, err := n.GetService(ctx, serviceID); err != nil {
		return nil, err
	}
	list, err := n.store.ListTemplates(ctx, serviceID, "")
	if err != nil {
		return nil, fmt.Errorf("notify: list templates: %w", err)
	}
	return list, nil
}

// ServiceTemplate returns the current version of a service's template,
// archived or not; a missing one is ErrNoResult.
func (n *Notifier) ServiceTemplate(ctx context.Context, serviceID, id uuid.UUID) (*Template, error) {
	t, err := n.store.GetTemplate(ctx, serviceID, id)
	return templateResult(t, err)
}

// GuestList returns a service's guest list; a missing service is
// ErrNoResult.
func (n *Notifier) GuestList(ctx context.Context, serviceID uuid.UUID) ([]GuestListEntry, error) {
	if _, err := n.GetService(ctx, serviceID); err != nil {
		return nil, err
	}
	list, err := n.store.ListGuestList(ctx, serviceID)
	if err != nil {
		return nil, fmt.Errorf("notify: guest list: %w", err)
	}
	return list, nil
}

// ReplaceGuestList makes recipients (email addresses and phone numbers)
// the whole guest list of a service. Each must be a valid email address
// or phone number (international numbers included), else nothing changes
// and the refusal is upstream's "{recipient} is not a valid email address
// or phone number" (400). The Store must be a GuestListReplacer.
func (n *Notifier) ReplaceGuestList(ctx context.Context, serviceID uuid.UUID, recipients []string) error {
	if _, err := n.GetService(ctx, serviceID); err != nil {
		return err
	}
	entries := make([]GuestListEntry, 0, len(recipients))
	for _, r := range recipients {
		r = strings.TrimSpace(r)
		_, emailErr := ValidateEmail(r)
		_, phoneErr := ParsePhoneNumber(r)
		if r == "" || (emailErr != nil && phoneErr != nil) {
			return BadRequest("", fmt.Sprintf("%s is not a valid email address or phone number", r))
		}
		entries = append(entries, GuestListEntry{ServiceID: serviceID, Recipient: r})
	}
	g, ok := storeAs[GuestListReplacer](n.store)
	if !ok {
		return unsupported("replace guest list", "ReplaceGuestList")
	}
	if err := g.ReplaceGuestList(ctx, serviceID, entries); err != nil {
		return fmt.Errorf("notify: replace guest list: %w", err)
	}
	return nil
}

// TeamMembers returns a service's team members; a missing service is
// ErrNoResult.
func (n *Notifier) TeamMembers(ctx context.Context, serviceID uuid.UUID) ([]TeamMember, error) {
	if _, err := n.GetService(ctx, serviceID); err != nil {
		return nil, err
	}
	list, err := n.store.ListTeamMembers(ctx, serviceID)
	if err != nil {
		return nil, fmt.Errorf("notify: team members: %w", err)
	}
	return list, nil
}

// AddServiceTeamMember adds a team member after checking it as the admin
// API does: the service exists, the email address is valid and the
// mobile number, when given, is a phone number.
func (n *Notifier) AddServiceTeamMember(ctx context.Context, m TeamMember) error {
	if _, err := n.GetService(ctx, m.ServiceID); err != nil {
		return err
	}
	var list []*Error
	m.EmailAddress, m.MobileNumber = strings.TrimSpace(m.EmailAddress), strings.TrimSpace(m.MobileNumber)
	if m.EmailAddress == "" {
		list = append(list, ValidationError("email_address", MsgMissingField))
	} else if _, err := ValidateEmail(m.EmailAddress); err != nil {
		list = append(list, ValidationError("email_address", "Not a valid email address"))
	}
	if m.MobileNumber != "" {
		if _, err := ParsePhoneNumber(m.MobileNumber); err != nil {
			list = append(list, ValidationError("mobile_number", "Invalid phone number: "+err.Error()))
		}
	}
	if err := errs(list); err != nil {
		return err
	}
	return n.AddTeamMember(ctx, m)
}

// RemoveTeamMember removes a team member (matched on service, email
// address and mobile number); one that is not there is ErrNoResult. The
// Store must be a TeamMemberRemover.
func (n *Notifier) RemoveTeamMember(ctx context.Context, m TeamMember) error {
	r, ok := storeAs[TeamMemberRemover](n.store)
	if !ok {
		return unsupported("remove team member", "RemoveTeamMember")
	}
	m.EmailAddress, m.MobileNumber = strings.TrimSpace(m.EmailAddress), strings.TrimSpace(m.MobileNumber)
	err := r.RemoveTeamMember(ctx, m)
	if errors.Is(err, ErrNotFound) {
		return ErrNoResult
	}
	if err != nil {
		return fmt.Errorf("notify: remove team member: %w", err)
	}
	return nil
}

// ChannelStatistics counts one channel's notifications: requested is every
// one, delivered those delivered or sent, failed those in a failure status
// (upstream's summary), and ByStatus each status.
type ChannelStatistics struct {
	Requested int
	Delivered int
	Failed    int
	ByStatus  map[Status]int
}

// ServiceStatistics are a service's counts for a period, per channel.
type ServiceStatistics struct {
	// Since is the start of the period (midnight UTC).
	Since time.Time
	SMS   ChannelStatistics
	Email ChannelStatistics
}

// Statistics counts a service's notifications, not those of simulate keys,
// created since midnight UTC days days ago: 0 is today only, 7 (upstream's
// default) today and the 7 days before. The Store must be a StatusCounter.
func (n *Notifier) Statistics(ctx context.Context, serviceID uuid.UUID, days int) (*ServiceStatistics, error) {
	if days < 0 {
		return nil, ValidationError("limit_days", MsgNotNegative)
	}
	if _, err := n.GetService(ctx, serviceID); err != nil {
		return nil, err
	}
	c, ok := storeAs[StatusCounter](n.store)
	if !ok {
		return nil, unsupported("statistics", "CountNotificationsByStatus")
	}
	since := startOfDay(n.now()).AddDate(0, 0, -days)
	counts, err := c.CountNotificationsByStatus(ctx, serviceID, since)
	if err != nil {
		return nil, fmt.Errorf("notify: statistics: %w", err)
	}
	st := &ServiceStatistics{Since: since,
		SMS: ChannelStatistics{ByStatus: map[Status]int{}}, Email: ChannelStatistics{ByStatus: map[Status]int{}}}
	for _, c := range counts {
		if c.KeyType == KeyTypeSimulate {
			continue
		}
		var ch *ChannelStatistics
		switch c.Type {
		case SMS:
			ch = &st.SMS
		case Email:
			ch = &st.Email
		default:
			continue
		}
		ch.Requested += c.Count
		ch.ByStatus[c.Status] += c.Count
		switch c.Status {
		case StatusDelivered, StatusSent:
			ch.Delivered += c.Count
		case StatusFailed, StatusTechnicalFailure, StatusTemporaryFailure, StatusPermanentFailure:
			ch.Failed += c.Count
		}
	}
	return st, nil
}

// DefaultAdminPageSize is the page size of ServiceNotifications
// (upstream's PAGE_SIZE).
const DefaultAdminPageSize = 50

// AdminListQuery filters ServiceNotifications. The zero value lists the
// first page of every notification that was not sent with a simulate key.
type AdminListQuery struct {
	Types    []NotificationType
	Statuses []Status
	// ExcludeJobs leaves out notifications from CSV jobs (upstream
	// includes them by default).
	ExcludeJobs bool
	// IncludeTestKey includes simulate-key notifications.
	IncludeTestKey bool
	// LimitDays, when positive, keeps notifications created since midnight
	// UTC that many days ago.
	LimitDays int
	// Page is the page number, from 1 (0 means 1).
	Page int
	// PageSize is the page size (0: DefaultAdminPageSize; at most 500).
	PageSize int
	// OlderThan, when set, starts after that notification.
	OlderThan *uuid.UUID
}

// ServiceNotifications returns one page of a service's notifications,
// newest first, whatever key type sent them (simulate keys only when
// asked), and whether a next page exists. A missing service is
// ErrNoResult.
func (n *Notifier) ServiceNotifications(ctx context.Context, serviceID uuid.UUID, q AdminListQuery) ([]Notification, bool, error) {
	if _, err := n.GetService(ctx, serviceID); err != nil {
		return nil, false, err
	}
	setDefault(&q.Page, 1)
	setDefault(&q.PageSize, DefaultAdminPageSize)
	if q.Page < 1 || q.PageSize < 1 || q.PageSize > 500 {
		return nil, false, ValidationError("page_size", "page must be positive and page_size between 1 and 500")
	}
	var since time.Time
	if q.LimitDays > 0 {
		since = startOfDay(n.now()).AddDate(0, 0, -q.LimitDays)
	}
	skip, want := (q.Page-1)*q.PageSize, q.PageSize+1
	const batch = 500
	f := NotificationFilter{ServiceID: serviceID, Types: q.Types, Statuses: ExpandStatusFilter(q.Statuses),
		IncludeJobs: !q.ExcludeJobs, OlderThan: q.OlderThan, Limit: batch}
	var page []Notification
	for {
		list, err := n.store.ListNotifications(ctx, f)
		if err != nil {
			return nil, false, fmt.Errorf("notify: list service notifications: %w", err)
		}
		for _, nt := range list {
			if !since.IsZero() && nt.CreatedAt.Before(since) {
				return page, false, nil
			}
			if nt.KeyType == KeyTypeSimulate && !q.IncludeTestKey {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			page = append(page, nt)
			if len(page) == want {
				return page[:q.PageSize], true, nil
			}
		}
		if len(list) < batch {
			return page, false, nil
		}
		last := list[len(list)-1].ID
		f.OlderThan = &last
	}
}

// ServiceTemplateVersion returns one version of a service's template; a
// missing one is ErrNoResult.
func (n *Notifier) ServiceTemplateVersion(ctx context.Context, serviceID, id uuid.UUID, version int) (*Template, error) {
	t, err := n.store.GetTemplateVersion(ctx, serviceID, id, version)
	return templateResult(t, err)
}

// SafeKeyName is the form of a key's name that key strings carry, as
// upstream's admin app shows them: lower case, each run of whitespace an
// underscore, only letters, digits, ".", "-" and "_" kept.
func SafeKeyName(name string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		switch {
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			space = true
			continue
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_':
		default:
			continue
		}
		if space {
			b.WriteByte('_')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}
