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
	// DeliveryConcurrency is how many provider calls one batch of
	// deliveries makes at once (32; see DeliverBatch).
	DeliveryConcurrency int
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
	setDefault(&cfg.DeliveryConcurrency, DefaultDeliveryConcurrency)
	if cfg.SimulatedEmails == nil {
		cfg.SimulatedEmails = DefaultSimulatedEmails
	}
	if cfg.SimulatedNumbers == nil {
		cfg.SimulatedNumbers = DefaultSimulatedNumbers
	}
	if cfg.PageSize < 0 || cfg.ClaimLease < 0 || cfg.SweepAfter < 0 || cfg.MaxDeliveryAttempts < 0 || cfg.DeliveryConcurrency < 0 {
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
