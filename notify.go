package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Defaults of Config.
const (
	DefaultTrialModeURL        = "https://www.notifications.service.gov.uk/trial-mode"
	DefaultSMSSender           = "notify"
	DefaultEmailDomain         = "notifications.service.gov.uk"
	DefaultMessageLimit        = 50
	DefaultPageSize            = 250
	DefaultClaimLease          = time.Minute
	DefaultSweepAfter          = time.Minute
	DefaultMaxDeliveryAttempts = 10
	DefaultDailyLimitCacheTTL  = time.Hour
	DefaultSweepBatch          = 1000
	DefaultSendingTimeout      = 72 * time.Hour
)

// DefaultSimulatedEmails and DefaultSimulatedNumbers are upstream's simulated
// recipients (SPEC B2.1).
var (
	DefaultSimulatedEmails = []string{
		"simulate-delivered@notifications.service.gov.uk",
		"simulate-delivered-2@notifications.service.gov.uk",
		"simulate-delivered-3@notifications.service.gov.uk",
	}
	DefaultSimulatedNumbers = []string{"+447700900000", "+447700900111", "+447700900222"}
)

// Config configures a Notifier. Every field is optional: zero values take
// the documented defaults, so notify.New(notify.Config{}) is a working
// Notifier kept entirely in memory.
type Config struct {
	// Store is the system of record. Nil: a MemoryStore (store/memstore).
	Store Store
	// Queue carries delivery tasks. Nil: a MemoryQueue (queue/memqueue),
	// consumed by Run.
	Queue Queue
	// Cache holds the daily counters. Nil: a MemoryCache (cache/memcache).
	// Processes that share a Store but no cache should use NoCache.
	Cache Cache
	// Stats receives metrics. Nil: DiscardStats. When set, the Notifier
	// wraps its Store, Queue and providers with InstrumentStore,
	// InstrumentQueue and InstrumentProvider, so adapters need no metrics
	// code, and every name carries StatsPrefix.
	Stats Stats
	// StatsPrefix goes before every metric name ("notifications.api.");
	// NoStatsPrefix sends bare names.
	StatsPrefix   string
	NoStatsPrefix bool
	// Logger receives structured logs. Nil: slog.Default().
	Logger *slog.Logger
	// Providers are the real providers. Several of a channel share its
	// traffic by priority and fail over to each other (ProviderChoice);
	// with none for a channel, that channel goes to the Sandbox.
	Providers []Provider
	// ProviderChoice tunes the choice among several providers of a channel.
	ProviderChoice ProviderChoice
	// CallbackClient sends services' delivery-status callbacks. Nil: an
	// http.Client with DefaultCallbackTimeout.
	CallbackClient *http.Client
	// Sandbox receives simulate-key and research-mode notifications, and
	// every notification of a channel without a real provider. Nil: a
	// built-in sandbox that sends nothing and simulates receipts.
	Sandbox Provider
	// SecretKey encrypts API key secrets at rest. Nil: a development key is
	// generated once and kept in the Store, with a warning in the log.
	SecretKey []byte
	// Clock returns the current time. Nil: time.Now.
	Clock func() time.Time
	// TrialModeURL is linked from the trial-mode refusal.
	TrialModeURL string
	// SimulatedEmails and SimulatedNumbers succeed without being stored.
	SimulatedEmails  []string
	SimulatedNumbers []string
	// DefaultSMSSender is the sender of services that set none ("notify").
	DefaultSMSSender string
	// EmailDomain is the domain of From addresses.
	EmailDomain string
	// CheckLiveServiceLimits enforces message_limit on live services too.
	CheckLiveServiceLimits bool
	// DailyLimitCacheTTL is the expiry of a cached daily count (1h).
	DailyLimitCacheTTL time.Duration
	// PageSize is the page size of List (250).
	PageSize int
	// ClaimLease is the delivery lease, the visibility timeout (1m).
	ClaimLease time.Duration
	// SweepAfter is the age after which a notification still created is
	// queued again by Sweep (1m).
	SweepAfter time.Duration
	// SweepBatch caps how many notifications one Sweep queues (1000).
	SweepBatch int
	// MaxDeliveryAttempts is how many times a delivery is tried before the
	// notification becomes technical-failure (10).
	MaxDeliveryAttempts int
	// SendingTimeout is how long a notification may stay sending or
	// pending without a receipt before Sweep makes it temporary-failure
	// (3 days, upstream's SENDING_NOTIFICATIONS_TIMEOUT_PERIOD).
	SendingTimeout time.Duration
}

// Notifier is the notification service: it validates and accepts
// notifications, delivers them from queues through providers and applies
// receipts. It is safe for concurrent use.
type Notifier struct {
	cfg       Config
	store     Store
	queue     Queue
	cache     Cache
	stats     Stats
	log       *slog.Logger
	sandbox   Provider
	pools     map[NotificationType]*providerPool
	secrets   *secretBox
	simEmails map[string]bool
	simPhones map[string]bool
}

// New returns a Notifier, filling every nil adapter with its in-memory
// default. It fails on an invalid Config or when the development secret key
// cannot be loaded from the Store.
func New(cfg Config) (*Notifier, error) {
	if cfg.Store == nil {
		cfg.Store = NewMemoryStore()
	}
	if cfg.Queue == nil {
		cfg.Queue = NewMemoryQueue(MemoryQueueOptions{})
	}
	if cfg.Cache == nil {
		cfg.Cache = NewMemoryCache()
	}
	setDefault(&cfg.StatsPrefix, DefaultStatsPrefix)
	if cfg.Stats == nil {
		cfg.Stats = DiscardStats{}
	} else {
		if !cfg.NoStatsPrefix {
			cfg.Stats = PrefixStats(cfg.Stats, cfg.StatsPrefix)
		}
		cfg.Store = InstrumentStore(cfg.Store, cfg.Stats)
		cfg.Queue = InstrumentQueue(cfg.Queue, cfg.Stats)
		cfg.Providers = slices.Clone(cfg.Providers) // the caller's slice stays as it was
		for i, p := range cfg.Providers {
			if p != nil {
				cfg.Providers[i] = InstrumentProvider(p, cfg.Stats)
			}
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.CallbackClient == nil {
		cfg.CallbackClient = &http.Client{Timeout: DefaultCallbackTimeout}
	}
	if cfg.Sandbox == nil {
		cfg.Sandbox = builtinSandbox{}
	}
	if _, discard := cfg.Stats.(DiscardStats); !discard {
		cfg.Sandbox = InstrumentProvider(cfg.Sandbox, cfg.Stats)
	}
	setDefault(&cfg.TrialModeURL, DefaultTrialModeURL)
	setDefault(&cfg.DefaultSMSSender, DefaultSMSSender)
	setDefault(&cfg.EmailDomain, DefaultEmailDomain)
	setDefault(&cfg.DailyLimitCacheTTL, DefaultDailyLimitCacheTTL)
	setDefault(&cfg.PageSize, DefaultPageSize)
	setDefault(&cfg.ClaimLease, DefaultClaimLease)
	setDefault(&cfg.SweepAfter, DefaultSweepAfter)
	setDefault(&cfg.SweepBatch, DefaultSweepBatch)
	setDefault(&cfg.MaxDeliveryAttempts, DefaultMaxDeliveryAttempts)
	setDefault(&cfg.SendingTimeout, DefaultSendingTimeout)
	if cfg.SimulatedEmails == nil {
		cfg.SimulatedEmails = DefaultSimulatedEmails
	}
	if cfg.SimulatedNumbers == nil {
		cfg.SimulatedNumbers = DefaultSimulatedNumbers
	}
	if cfg.PageSize < 0 || cfg.ClaimLease < 0 || cfg.SweepAfter < 0 || cfg.MaxDeliveryAttempts < 0 {
		return nil, errors.New("notify: Config durations and counts must not be negative")
	}
	n := &Notifier{
		cfg: cfg, store: cfg.Store, queue: cfg.Queue, cache: cfg.Cache, stats: cfg.Stats,
		log: cfg.Logger, sandbox: cfg.Sandbox, pools: map[NotificationType]*providerPool{},
		simEmails: map[string]bool{}, simPhones: map[string]bool{},
	}
	byType := map[NotificationType][]Provider{}
	for _, p := range cfg.Providers {
		if p == nil {
			return nil, errors.New("notify: Config.Providers contains nil")
		}
		if p.Type() != SMS && p.Type() != Email {
			return nil, fmt.Errorf("notify: provider %q: Type must be sms or email, not %q", p.Name(), p.Type())
		}
		byType[p.Type()] = append(byType[p.Type()], p)
	}
	for typ, ps := range byType {
		n.pools[typ] = newProviderPool(ps, cfg.ProviderChoice, cfg.Clock)
	}
	for _, e := range cfg.SimulatedEmails {
		n.simEmails[strings.ToLower(strings.TrimSpace(e))] = true
	}
	for _, p := range cfg.SimulatedNumbers {
		pn, err := ParsePhoneNumber(p)
		if err != nil {
			return nil, fmt.Errorf("notify: simulated number %q: %w", p, err)
		}
		n.simPhones[pn.Normalised] = true
	}
	key := cfg.SecretKey
	if len(key) == 0 {
		var err error
		key, err = loadDevSecretKey(context.Background(), cfg.Store)
		if err != nil {
			return nil, err
		}
		n.log.Warn("no secret key configured: API secrets are encrypted with a development key kept in the store; configure a secret key in production")
	}
	box, err := newSecretBox(key)
	if err != nil {
		return nil, err
	}
	n.secrets = box
	return n, nil
}

func setDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

func (n *Notifier) now() time.Time { return n.cfg.Clock().UTC().Truncate(time.Microsecond) }

// Store returns the Notifier's store (instrumented when Config.Stats is
// set).
func (n *Notifier) Store() Store { return n.store }

// Stats returns the Notifier's metrics sink, prefixed: the HTTP API records
// its request metrics there.
func (n *Notifier) Stats() Stats { return n.stats }

// ---------------------------------------------------------------------------
// Administration: services, keys, templates, team and guest list.

// CreateService stores a new service. A zero ID gets a random one; a zero
// MessageLimit becomes 50; no permissions means sms and email.
func (n *Notifier) CreateService(ctx context.Context, s Service) (*Service, error) {
	if s.ID == uuid.Nil {
		s.ID = uuid.New()
	}
	if strings.TrimSpace(s.Name) == "" {
		return nil, errors.New("notify: create service: name is required")
	}
	setDefault(&s.MessageLimit, DefaultMessageLimit)
	if s.Permissions == nil {
		s.Permissions = []Permission{PermissionSMS, PermissionEmail}
	}
	now := n.now()
	s.CreatedAt, s.UpdatedAt = now, now
	if err := n.store.CreateService(ctx, &s); err != nil {
		return nil, fmt.Errorf("notify: create service: %w", err)
	}
	return &s, nil
}

// CreateAPIKey creates a key of keyType for a service with a fresh secret.
// The returned key carries the plain Secret: show it once with FormatKey.
func (n *Notifier) CreateAPIKey(ctx context.Context, serviceID uuid.UUID, name string, keyType KeyType) (*APIKey, error) {
	return n.AddAPIKey(ctx, APIKey{ServiceID: serviceID, Name: name, KeyType: keyType})
}

// AddAPIKey stores k, keeping its ID and Secret when set (seeding) and
// generating them otherwise. The secret is encrypted before it reaches the
// Store.
func (n *Notifier) AddAPIKey(ctx context.Context, k APIKey) (*APIKey, error) {
	if !k.KeyType.Valid() {
		return nil, fmt.Errorf("notify: create API key: unknown key type %q", k.KeyType)
	}
	if strings.TrimSpace(k.Name) == "" {
		return nil, errors.New("notify: create API key: name is required")
	}
	if k.ID == uuid.Nil {
		k.ID = uuid.New()
	}
	if k.Secret == "" {
		k.Secret = uuid.NewString()
	}
	if len(k.Secret) != 36 {
		return nil, errors.New("notify: create API key: the secret must be 36 characters (a UUID string)")
	}
	sealed, err := n.secrets.seal(k.Secret)
	if err != nil {
		return nil, err
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = n.now()
	}
	stored := k
	stored.Secret, stored.EncryptedSecret = "", sealed
	if err := n.store.CreateAPIKey(ctx, &stored); err != nil {
		return nil, fmt.Errorf("notify: create API key: %w", err)
	}
	k.EncryptedSecret = nil
	return &k, nil
}

// RevokeAPIKey revokes a key; it then answers "API key revoked" for 7 days
// and "API key not found" after.
func (n *Notifier) RevokeAPIKey(ctx context.Context, serviceID, keyID uuid.UUID) error {
	if err := n.store.RevokeAPIKey(ctx, serviceID, keyID, n.now()); err != nil {
		return fmt.Errorf("notify: revoke API key: %w", err)
	}
	return nil
}

// AddTeamMember adds a team member to a service.
func (n *Notifier) AddTeamMember(ctx context.Context, m TeamMember) error {
	if err := n.store.AddTeamMember(ctx, m); err != nil {
		return fmt.Errorf("notify: add team member: %w", err)
	}
	return nil
}

// AddGuestListEntry adds an email address or phone number to a service's
// guest list.
func (n *Notifier) AddGuestListEntry(ctx context.Context, e GuestListEntry) error {
	e.Recipient = strings.TrimSpace(e.Recipient)
	if e.Recipient == "" {
		return errors.New("notify: add guest list entry: recipient is empty")
	}
	if err := n.store.AddGuestListEntry(ctx, e); err != nil {
		return fmt.Errorf("notify: add guest list entry: %w", err)
	}
	return nil
}

// CreateTemplate stores version 1 of a template. A zero ID gets a random
// one; ProcessType defaults to normal.
func (n *Notifier) CreateTemplate(ctx context.Context, t Template) (*Template, error) {
	if err := n.checkTemplate(&t); err != nil {
		return nil, err
	}
	if t.ID == uuid.Nil {
		t.ID = uuid.New()
	}
	t.CreatedAt = n.now()
	t.UpdatedAt = nil
	if err := n.store.CreateTemplate(ctx, &t); err != nil {
		return nil, fmt.Errorf("notify: create template: %w", err)
	}
	return &t, nil
}

// UpdateTemplate stores a new version of a template; notifications sent
// before keep rendering with their version.
func (n *Notifier) UpdateTemplate(ctx context.Context, t Template) (*Template, error) {
	if err := n.checkTemplate(&t); err != nil {
		return nil, err
	}
	now := n.now()
	t.UpdatedAt = &now
	if err := n.store.UpdateTemplate(ctx, &t); err != nil {
		return nil, fmt.Errorf("notify: update template: %w", err)
	}
	return &t, nil
}

func (n *Notifier) checkTemplate(t *Template) error {
	if t.Type != SMS && t.Type != Email {
		return fmt.Errorf("notify: template type %q is not supported (sms or email)", t.Type)
	}
	setDefault(&t.ProcessType, ProcessNormal)
	if t.ProcessType != ProcessNormal && t.ProcessType != ProcessPriority {
		return fmt.Errorf("notify: template process type %q is not normal or priority", t.ProcessType)
	}
	if t.Type == SMS {
		t.Subject = ""
	}
	return nil
}

// Caller loads the service and key for serviceID and keyID, for Go callers
// that do not authenticate with a token.
func (n *Notifier) Caller(ctx context.Context, serviceID, keyID uuid.UUID) (*Caller, error) {
	svc, err := n.store.GetService(ctx, serviceID)
	if err != nil {
		return nil, fmt.Errorf("notify: caller: %w", err)
	}
	keys, err := n.store.ListAPIKeys(ctx, serviceID)
	if err != nil {
		return nil, fmt.Errorf("notify: caller: %w", err)
	}
	for i := range keys {
		if keys[i].ID == keyID {
			if keys[i].Revoked() {
				return nil, AuthError(http.StatusForbidden, MsgKeyRevoked)
			}
			k := keys[i]
			k.EncryptedSecret = nil
			return &Caller{Service: svc, Key: &k}, nil
		}
	}
	return nil, fmt.Errorf("notify: caller: key %s: %w", keyID, ErrNotFound)
}

// ---------------------------------------------------------------------------
// Sending.

// SendSMS validates req as the v2 API does and, in upstream's order (SPEC
// B8.2), checks the daily limit, the service's permission, the template,
// personalisation, the recipient (trial mode, team key, phone rules) and the
// length; then persists the notification and queues it. A simulated
// recipient gets a full result but nothing is stored, counted or queued.
// Refusals are *Error or Errors.
func (n *Notifier) SendSMS(ctx context.Context, c *Caller, req *SMSRequest) (*Notification, error) {
	if err := n.checkDailyLimit(ctx, c); err != nil {
		return nil, err
	}
	if err := checkSMSRequest(req, n.now()); err != nil {
		return nil, err
	}
	return n.sendSMS(ctx, c, req)
}

// SendEmail is SendSMS for email.
func (n *Notifier) SendEmail(ctx context.Context, c *Caller, req *EmailRequest) (*Notification, error) {
	if err := n.checkDailyLimit(ctx, c); err != nil {
		return nil, err
	}
	if err := checkEmailRequest(req, n.now()); err != nil {
		return nil, err
	}
	return n.sendEmail(ctx, c, req)
}

// SendJSON is the v2 POST /v2/notifications/{type} flow from the raw body:
// the daily limit is checked before the body is parsed, as upstream does.
// typ must be SMS or Email; Letter is refused with upstream's message.
func (n *Notifier) SendJSON(ctx context.Context, c *Caller, typ NotificationType, body []byte) (*Notification, error) {
	switch typ {
	case SMS:
		if err := n.checkDailyLimit(ctx, c); err != nil {
			return nil, err
		}
		req, err := DecodeSMSRequest(body, n.now())
		if err != nil {
			return nil, err
		}
		return n.sendSMS(ctx, c, req)
	case Email:
		if err := n.checkDailyLimit(ctx, c); err != nil {
			return nil, err
		}
		req, err := DecodeEmailRequest(body, n.now())
		if err != nil {
			return nil, err
		}
		return n.sendEmail(ctx, c, req)
	default:
		return nil, BadRequest("", fmt.Sprintf("%s notification type is not supported", typ))
	}
}

// SendV1 is the v1 POST /notifications/{type} flow: {"to", "template",
// "personalisation"}. Errors carry v1 fields.
func (n *Notifier) SendV1(ctx context.Context, c *Caller, typ NotificationType, body []byte) (*Notification, error) {
	if typ != SMS && typ != Email {
		msg := fmt.Sprintf("%s notification type is not supported", typ)
		if typ == Letter {
			msg += ", please use the latest version of the client"
		}
		return nil, BadRequest("", msg)
	}
	if err := n.checkDailyLimit(ctx, c); err != nil {
		return nil, err
	}
	req, err := DecodeV1SendRequest(body)
	if err != nil {
		return nil, err
	}
	if typ == SMS {
		r := &SMSRequest{PhoneNumber: req.To, TemplateID: req.TemplateID, Personalisation: req.Personalisation}
		if _, err := ParsePhoneNumber(r.PhoneNumber); err != nil {
			return nil, BadRequest(FieldTo, phoneMessage(err))
		}
		return n.sendSMS(ctx, c, r)
	}
	r := &EmailRequest{EmailAddress: req.To, TemplateID: req.TemplateID, Personalisation: req.Personalisation}
	if _, err := ValidateEmail(r.EmailAddress); err != nil {
		return nil, &Error{Name: NameInvalidEmail, Status: http.StatusBadRequest, Field: FieldTo, Message: "Not a valid email address"}
	}
	return n.sendEmail(ctx, c, r)
}

func phoneMessage(err error) string {
	var pe *PhoneError
	if errors.As(err, &pe) {
		return pe.V2Message()
	}
	return err.Error()
}

// checkSMSRequest validates a typed request the way the JSON schema does.
func checkSMSRequest(req *SMSRequest, now time.Time) error {
	var errs Errors
	if req == nil {
		return ValidationError("", "phone_number is a required property")
	}
	if _, err := ParsePhoneNumber(req.PhoneNumber); err != nil {
		errs = append(errs, ValidationError(FieldTo, "phone_number "+phoneMessage(err)))
	}
	errs = append(errs, checkCommon(req.TemplateID, req.Reference, req.ScheduledFor, now)...)
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func checkEmailRequest(req *EmailRequest, now time.Time) error {
	var errs Errors
	if req == nil {
		return ValidationError("", "email_address is a required property")
	}
	if _, err := ValidateEmail(req.EmailAddress); err != nil {
		errs = append(errs, ValidationError(FieldTo, "email_address Not a valid email address"))
	}
	errs = append(errs, checkCommon(req.TemplateID, req.Reference, req.ScheduledFor, now)...)
	if u := req.OneClickUnsubscribeURL; u != nil && !strings.HasPrefix(*u, "https") {
		errs = append(errs, ValidationError("", "one_click_unsubscribe_url is not a valid https url"))
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func checkCommon(templateID uuid.UUID, ref *string, scheduled *time.Time, now time.Time) Errors {
	var errs Errors
	if templateID == uuid.Nil {
		errs = append(errs, ValidationError(FieldTemplate, "template_id is a required property"))
	}
	if ref != nil && len([]rune(*ref)) > 1000 {
		errs = append(errs, ValidationError("", "reference "+*ref+" is too long"))
	}
	if scheduled != nil {
		if msg := scheduledForProblem(*scheduled, now); msg != "" {
			errs = append(errs, ValidationError("", "scheduled_for "+msg))
		}
	}
	return errs
}

// draft is a notification being prepared by a send.
type draft struct {
	c          *Caller
	typ        NotificationType
	templateID uuid.UUID
	values     map[string]any
	to         string
	ref        *string
	unsub      *string
	senderID   *uuid.UUID
	replyID    *uuid.UUID
}

func (n *Notifier) sendSMS(ctx context.Context, c *Caller, req *SMSRequest) (*Notification, error) {
	return n.send(ctx, &draft{c: c, typ: SMS, templateID: req.TemplateID, values: req.Personalisation,
		to: strings.TrimSpace(req.PhoneNumber), ref: req.Reference, senderID: req.SMSSenderID})
}

func (n *Notifier) sendEmail(ctx context.Context, c *Caller, req *EmailRequest) (*Notification, error) {
	return n.send(ctx, &draft{c: c, typ: Email, templateID: req.TemplateID, values: req.Personalisation,
		to: strings.TrimSpace(req.EmailAddress), ref: req.Reference, unsub: req.OneClickUnsubscribeURL,
		replyID: req.EmailReplyToID})
}

// Refusal messages of the send flow, exact.
const (
	MsgTeamKeyRecipient  = "Can\u2019t send to this recipient using a team-only API key"
	msgTrialModePrefix   = "Can\u2019t send to this recipient when service is in trial mode \u2013 see "
	MsgInternationalSMS  = "Cannot send to international mobile numbers"
	MsgTemplateNotFound  = "Template not found"
	MsgTemplateDeleted   = "Template has been deleted"
	MsgMessageEmpty      = "Your message is empty."
	MsgNoSMSPermission   = "Service is not allowed to send text messages"
	MsgNoEmailPermission = "Service is not allowed to send emails"
)

// send runs the checks after schema validation, in upstream's order, then
// persists and queues.
func (n *Notifier) send(ctx context.Context, d *draft) (*Notification, error) {
	svc := d.c.Service
	// Service permission for the channel.
	if d.typ == SMS && !svc.Can(PermissionSMS) {
		return nil, BadRequest(FieldService, MsgNoSMSPermission)
	}
	if d.typ == Email && !svc.Can(PermissionEmail) {
		return nil, BadRequest(FieldService, MsgNoEmailPermission)
	}
	// Template.
	tpl, err := n.store.GetTemplate(ctx, svc.ID, d.templateID)
	if errors.Is(err, ErrNotFound) {
		return nil, BadRequest(FieldTemplate, MsgTemplateNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("notify: send: load template: %w", err)
	}
	if tpl.Type != d.typ {
		return nil, BadRequest(FieldTemplate, fmt.Sprintf("%s template is not suitable for %s notification", tpl.Type, d.typ))
	}
	if tpl.Archived {
		return nil, BadRequest(FieldTemplate, MsgTemplateDeleted)
	}
	// Personalisation and rendering.
	if missing := MissingPersonalisation(tpl.Subject, tpl.Content, d.values); len(missing) > 0 {
		return nil, BadRequest(FieldTemplate, "Missing personalisation: "+strings.Join(missing, ", "))
	}
	var body, subject string
	if d.typ == SMS {
		body = RenderSMS(tpl.Content, d.values, "")
	} else {
		body = RenderEmailBody(tpl.Content, d.values)
		subject = RenderEmailSubject(tpl.Subject, d.values)
	}
	if strings.TrimSpace(body) == "" {
		return nil, BadRequest(FieldContent, MsgMessageEmpty)
	}
	// Sender and reply-to: services have only their default ones.
	if d.senderID != nil {
		return nil, BadRequest("", fmt.Sprintf("sms_sender_id %s does not exist in database for service id %s", d.senderID, svc.ID))
	}
	if d.replyID != nil {
		return nil, BadRequest("", fmt.Sprintf("email_reply_to_id %s does not exist in database for service id %s", d.replyID, svc.ID))
	}
	// Recipient: trial mode and team keys, then the channel's rules.
	if d.to == "" {
		return nil, BadRequest(FieldTo, "Recipient can't be empty")
	}
	if err := n.checkRecipientAllowed(ctx, d); err != nil {
		return nil, err
	}
	nt := &Notification{Type: d.typ, To: d.to}
	if d.typ == SMS {
		pn, err := ParsePhoneNumber(d.to)
		if err != nil {
			return nil, &Error{Name: NameInvalidPhone, Status: http.StatusBadRequest, Field: FieldTo, Message: phoneMessage(err)}
		}
		if err := pn.Validate(svc.Can(PermissionInternationalSMS), svc.Can(PermissionUKLandlines)); err != nil {
			var pe *PhoneError
			if errors.As(err, &pe) && pe.Code == PhoneNotUKMobile && !pn.UK {
				return nil, BadRequest(FieldService, MsgInternationalSMS)
			}
			return nil, &Error{Name: NameInvalidPhone, Status: http.StatusBadRequest, Field: FieldTo, Message: phoneMessage(err)}
		}
		nt.NormalisedTo = pn.Normalised
		nt.International = pn.International
		nt.PhonePrefix = pn.Prefix
		nt.RateMultiplier = 1
		if e := SMSTooLong(body); e != nil {
			return nil, e
		}
	} else {
		addr, err := ValidateEmail(d.to)
		if err != nil {
			return nil, &Error{Name: NameInvalidEmail, Status: http.StatusBadRequest, Field: FieldTo, Message: "Not a valid email address"}
		}
		nt.NormalisedTo = strings.ToLower(addr)
		if e := EmailTooLong(body); e != nil {
			return nil, e
		}
	}
	// Build.
	now := n.now()
	nt.ID = uuid.New()
	nt.ServiceID = svc.ID
	nt.TemplateID = tpl.ID
	nt.TemplateVersion = tpl.Version
	nt.APIKeyID = d.c.Key.ID
	nt.KeyType = d.c.Key.KeyType
	nt.ClientReference = d.ref
	nt.Personalisation = d.values
	nt.Body = body
	nt.Subject = subject
	nt.UnsubscribeURL = d.unsub
	nt.Status = StatusCreated
	nt.CreatedAt = now
	nt.From = n.senderOf(svc, d.typ)
	nt.Queue = n.queueFor(d.c, tpl)
	if n.simulatedRecipient(d.typ, nt.NormalisedTo) {
		// Validated in full, but nothing is stored, counted or queued.
		return nt, nil
	}
	// Take today's place atomically where the cache can, then persist
	// first, count, and queue.
	reserved, err := n.reserveDailySlot(ctx, d.c, now)
	if err != nil {
		return nil, err
	}
	if err := n.store.CreateNotification(ctx, nt); err != nil {
		// A reserved place stays taken: the counter errs on the strict
		// side until it expires.
		return nil, fmt.Errorf("notify: send: persist notification: %w", err)
	}
	if !reserved {
		n.countPersisted(ctx, d.c, now)
	}
	n.enqueueDelivery(ctx, nt)
	return nt, nil
}

// enqueueDelivery queues a persisted notification. A failure is logged and
// swallowed: the notification stays created and Sweep queues it later.
func (n *Notifier) enqueueDelivery(ctx context.Context, nt *Notification) {
	task := Task{Name: deliverTaskName(nt.Type), NotificationID: nt.ID}
	// The notification is stored: queue it even if the client has gone.
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := n.queue.Enqueue(qctx, nt.Queue, task); err != nil {
		n.log.WarnContext(ctx, "enqueue failed; the sweeper will queue the notification again",
			slog.String("notification_id", nt.ID.String()), slog.String("queue", nt.Queue), slog.Any("error", err))
	}
}

func deliverTaskName(t NotificationType) string { return "deliver_" + string(t) }

func (n *Notifier) checkRecipientAllowed(ctx context.Context, d *draft) error {
	kt := d.c.Key.KeyType
	svc := d.c.Service
	if !recipientsRestricted(svc, kt) {
		return nil
	}
	team, err := n.store.ListTeamMembers(ctx, svc.ID)
	if err != nil {
		return fmt.Errorf("notify: send: load team: %w", err)
	}
	guests, err := n.store.ListGuestList(ctx, svc.ID)
	if err != nil {
		return fmt.Errorf("notify: send: load guest list: %w", err)
	}
	if allowedToSendTo(d.to, svc, kt, team, guests) {
		return nil
	}
	if kt == KeyTypeTeam {
		return BadRequest(FieldTo, MsgTeamKeyRecipient)
	}
	return BadRequest(FieldTo, msgTrialModePrefix+n.cfg.TrialModeURL)
}

func (n *Notifier) simulatedRecipient(typ NotificationType, normalised string) bool {
	if typ == SMS {
		return n.simPhones[normalised]
	}
	return n.simEmails[normalised]
}

// simulated reports whether notifications of caller go to the sandbox with
// fake receipts: simulate keys and research-mode services.
func simulated(c *Caller) bool { return c.Key.KeyType == KeyTypeSimulate || c.Service.ResearchMode }

func (n *Notifier) queueFor(c *Caller, tpl *Template) string {
	switch {
	case simulated(c):
		return QueueResearchMode
	case tpl.ProcessType == ProcessPriority:
		return QueuePriority
	case tpl.Type == SMS:
		return QueueSendSMS
	default:
		return QueueSendEmail
	}
}

// senderOf is the SMS sender or the email From address of a service.
func (n *Notifier) senderOf(svc *Service, typ NotificationType) string {
	if typ == SMS {
		if svc.SMSSender != "" {
			return svc.SMSSender
		}
		return n.cfg.DefaultSMSSender
	}
	local := svc.EmailFrom
	if local == "" {
		local = EmailLocalPart(svc.Name)
	}
	return local + "@" + n.cfg.EmailDomain
}

// EmailLocalPart derives the local part of a service's From address from
// its name, as upstream does: lower case, spaces become dots, and anything
// but letters, digits, dots and hyphens is dropped.
func EmailLocalPart(name string) string {
	var b strings.Builder
	lastDot := true
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
			lastDot = false
		case r == ' ' || r == '.':
			if !lastDot {
				b.WriteByte('.')
				lastDot = true
			}
		}
	}
	return strings.TrimRight(b.String(), ".")
}
