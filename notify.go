package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
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
	DefaultBulkMaxRows         = 100000
	DefaultSendingTimeout      = 72 * time.Hour
	DefaultRecordSentGrace     = 30 * time.Second
)

// DefaultSimulatedEmails and DefaultSimulatedNumbers are GOV.UK Notify's
// simulated recipients
// (https://docs.notifications.service.gov.uk/rest-api.html#email-addresses).
var (
	DefaultSimulatedEmails = []string{
		"simulate-delivered@notifications.service.gov.uk",
		"simulate-delivered-2@notifications.service.gov.uk",
		"simulate-delivered-3@notifications.service.gov.uk",
	}
	DefaultSimulatedNumbers = []string{"+447700900000", "+447700900111", "+447700900222"}
)

// Config configures a Notifier. Store and Queue are required: package
// notify holds the rules and imports no adapter, so the caller chooses them,
// memstore.New and memqueue.New for a test or a single process,
// gormstore.OpenPostgres or OpenSQLite and redisqueue.New for a deployment.
// Every other field is optional: a nil Cache means no cache (daily limits
// are counted from the Store), a nil Stats discards metrics, a nil Sandbox
// is BuiltinSandbox, and zero numbers and durations take the defaults given
// beside each field. Negative numbers and durations are errors. Package
// notifytest builds a Notifier on memory adapters in one call.
type Config struct {
	// Store is the system of record. Required: memstore.New() keeps it in
	// memory; gormstore.OpenPostgres and OpenSQLite keep it in a database.
	Store Store
	// Queue carries delivery tasks, consumed by Run. Required:
	// memqueue.New in a single process, redisqueue.New to share one
	// between processes.
	Queue Queue
	// Cache holds the daily counters and, when it is a TokenBucket, the
	// rate-limit buckets. Nil: no cache, the daily limit is counted from
	// the Store on every check and each process keeps its own buckets.
	// memcache.New suits a single process; processes that share a Store
	// share rediscache.New or none (a per-process cache would undercount
	// the others' notifications).
	Cache Cache
	// Stats receives the Notifier's own metrics, and the HTTP API's. Nil:
	// DiscardStats. Names are used as given: instrument.Config (package
	// stats/instrument) puts a prefix before them and wraps the Store,
	// Queue, providers and sandbox so that their calls are measured too.
	Stats Stats
	// Logger receives structured logs. Nil: slog.Default().
	Logger *slog.Logger
	// Providers are the real providers. Several of a channel share its
	// traffic by priority and fail over to each other (ProviderChoice);
	// with none for a channel, that channel goes to the Sandbox.
	Providers []Provider
	// ProviderChoice tunes the choice among several providers of a channel.
	ProviderChoice ProviderChoice
	// CallbackClient sends services' delivery-status callbacks; it never
	// follows redirects, whatever its CheckRedirect. Nil: a client with
	// DefaultCallbackTimeout, no proxy, that refuses to connect to
	// loopback, private, link-local and other non-public addresses (see
	// AllowInsecureCallbacks).
	CallbackClient *http.Client
	// AllowInsecureCallbacks permits http callback URLs and callback
	// hosts on loopback, private and link-local addresses. For tests and
	// development only: with it, a service's callback URL can reach what
	// only the deployment can reach.
	AllowInsecureCallbacks bool
	// Sandbox receives simulate-key and research-mode notifications, and
	// every notification of a channel without a real provider. Nil: a
	// built-in sandbox that sends nothing and simulates receipts.
	Sandbox Provider
	// SecretKey seals API key secrets and services' callback URLs and
	// tokens at rest; it must be at least MinSecretKeyLength bytes. The
	// Store keeps a check value of it: the first use of the key (or
	// CheckSecretKey) fails with an error wrapping ErrWrongSecretKey when it
	// is not the key the Store's secrets are sealed under (RotateSecretKey
	// changes it). Nil: a development key is generated once and kept in the
	// Store, with a warning in the log. New does no I/O: the key is loaded
	// and checked on first use (the first key created, request
	// authenticated or callback sent), with that call's context; a load
	// that fails fails that call and is tried again by the next.
	SecretKey []byte
	// Clock returns the current time. Nil: time.Now.
	Clock func() time.Time
	// TrialModeURL is linked from the trial-mode refusal. Empty: GOV.UK
	// Notify's page, DefaultTrialModeURL
	// (https://www.notifications.service.gov.uk/trial-mode); link your own
	// service's documentation instead.
	TrialModeURL string
	// SimulatedEmails and SimulatedNumbers succeed without being stored.
	// Nil: GOV.UK Notify's, DefaultSimulatedEmails and
	// DefaultSimulatedNumbers (07700 900000, 07700 900111, 07700 900222).
	SimulatedEmails  []string
	SimulatedNumbers []string
	// DefaultSMSSender is the sender of the text messages of services that
	// set none (Service.SMSSender). Empty: GOV.UK Notify's,
	// DefaultSMSSender ("notify"); set your own sender ID, which your SMS
	// provider must accept.
	DefaultSMSSender string
	// EmailDomain is the domain of From addresses,
	// {Service.EmailFrom}@{EmailDomain}. Empty: GOV.UK Notify's,
	// DefaultEmailDomain (notifications.service.gov.uk); set a domain your
	// email provider may send from.
	EmailDomain string
	// DailyLimitModel chooses the daily limits: PerChannelDailyLimits (the
	// zero value, upstream's current rules) or TotalDailyLimit (the seed's
	// single message_limit).
	DailyLimitModel DailyLimitModel
	// CheckLiveServiceLimits enforces message_limit on live services too,
	// in the TotalDailyLimit model (the per-channel model limits every
	// service).
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
	// BulkMaxRows caps the rows of one bulk send (100,000).
	BulkMaxRows int
	// MaxDeliveryAttempts is how many times a delivery is tried before the
	// notification becomes technical-failure (10).
	MaxDeliveryAttempts int
	// SendingTimeout is how long a notification may stay sending or
	// pending without a receipt before Sweep makes it temporary-failure
	// (3 days, upstream's SENDING_NOTIFICATIONS_TIMEOUT_PERIOD).
	SendingTimeout time.Duration
	// RecordSentGrace bounds how long a worker told to stop (its context
	// ended) keeps trying to record a send the provider accepted (30s, the
	// most it tries in any case): keep it below the time a stopping
	// process is given, or the process is killed first and the send
	// repeated after the lease.
	RecordSentGrace time.Duration

	// ReadCacheTTL is how long the Notifier keeps in process what
	// authentication, sending and delivery read from the Store: services,
	// API keys, templates (current and past versions), team members and
	// guest lists (2s). A change made through the Notifier, its methods or
	// Notifier.Store, takes effect at once; one made by another process
	// sharing the Store, or directly on Config.Store, shows within
	// ReadCacheTTL. Failed reads are never cached. A negative value
	// disables the cache: every read goes to the Store.
	ReadCacheTTL time.Duration
	// ReadCacheSize caps the entries of that cache, the least recently used
	// going first when it is full (10000). It must not be negative.
	ReadCacheSize int
	// GroupCommit tunes the group commit of concurrent sends, on when the
	// Store is a BatchCreator.
	GroupCommit GroupCommit
	// DeliveryConcurrency is how many provider calls one batch of
	// deliveries makes at once (32; see DeliverBatch).
	DeliveryConcurrency int
	// Documents keeps the files sent by email (documents.go). Nil: the
	// Store, when it is a DocumentStore; without one, files are refused.
	Documents DocumentStore
	// DocumentBaseURL is the scheme, host and any path prefix of the
	// download links of files sent by email, where httpapi serves
	// GET /d/{service_id}/{document_id}. Required to send files.
	DocumentBaseURL string
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
	secrets   *secretKey
	simEmails map[string]bool
	simPhones map[string]bool
	commit    *committer // nil: every send commits on its own
	// buckets are this process's rate-limit buckets (ratelimit.go).
	buckets localBuckets
	// channels counts a service's day per channel; nil: by listing.
	channels ChannelCounter
	// claimer and transitioner claim and record deliveries in batches;
	// nil: one notification at a time (deliver_batch.go).
	claimer      BatchClaimer
	transitioner BatchTransitioner

	life               lifecycle // Close (lifecycle.go)
	ownsCallbackClient bool      // New made cfg.CallbackClient
	// callbackTargets caches the services' callbacks (servicecallbacks.go).
	callbackTargets callbackCache
	// keySecrets keeps the API key secrets Authenticate opened
	// (keysecrets.go).
	keySecrets openedKeySecrets
}

// New validates cfg (see Config) and returns a Notifier on its adapters.
// It fails, naming the field, when Store or Queue is missing, a number or a
// duration is negative, a provider is nil or of neither channel, or a
// simulated number does not parse or the secret key is too short. New does
// no I/O and starts no goroutine: the secret key is checked against the
// Store (and the development key loaded) on first use, or by
// CheckSecretKey. To measure the adapters' calls, pass cfg through
// instrument.Config (package stats/instrument) first. Close the Notifier
// when done, before the adapters (see Close).
func New(cfg Config) (*Notifier, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	ownsCallbackClient := cfg.CallbackClient == nil
	cfg.setDefaults()
	// Read cache in front of the Store (readcache.go).
	if cfg.ReadCacheTTL > 0 {
		cfg.Store = newCachedStore(cfg.Store, cfg.ReadCacheTTL, cfg.ReadCacheSize, cfg.Clock, cfg.Stats)
	}
	n := &Notifier{
		cfg: cfg, store: cfg.Store, queue: cfg.Queue, cache: cfg.Cache, stats: cfg.Stats,
		log: cfg.Logger, sandbox: cfg.Sandbox, pools: map[NotificationType]*providerPool{},
		simEmails: map[string]bool{}, simPhones: map[string]bool{},
		ownsCallbackClient: ownsCallbackClient,
	}
	// The Store's optional abilities, looked up once (adminstore.go).
	n.channels, _ = storeAs[ChannelCounter](n.store)
	n.claimer, _ = storeAs[BatchClaimer](n.store)
	n.transitioner, _ = storeAs[BatchTransitioner](n.store)
	n.life.init()
	n.startGroupCommit()
	byType := map[NotificationType][]Provider{}
	for _, p := range cfg.Providers {
		byType[p.Type()] = append(byType[p.Type()], p)
	}
	for typ, ps := range byType {
		n.pools[typ] = newProviderPool(ps, cfg.ProviderChoice, cfg.Clock)
	}
	for _, e := range cfg.SimulatedEmails {
		n.simEmails[strings.ToLower(strings.TrimSpace(e))] = true
	}
	for _, p := range cfg.SimulatedNumbers {
		pn, _ := ParsePhoneNumber(p) // validate parsed each one
		n.simPhones[pn.Normalised] = true
	}
	secrets, err := newSecretKey(cfg.SecretKey, uncached(cfg.Store), n.log)
	if err != nil {
		return nil, err
	}
	n.secrets = secrets
	return n, nil
}

// validate reports every problem of c at once, each naming its field.
func (c *Config) validate() error {
	var errs []error
	if c.Store == nil {
		errs = append(errs, errors.New("notify: Config.Store is required: use memstore.New() for memory, gormstore.OpenPostgres or OpenSQLite for a database"))
	}
	if c.Queue == nil {
		errs = append(errs, errors.New("notify: Config.Queue is required: use memqueue.New(memqueue.Options{}) in a single process, redisqueue.New to share one between processes"))
	}
	if c.DailyLimitModel != PerChannelDailyLimits && c.DailyLimitModel != TotalDailyLimit {
		errs = append(errs, fmt.Errorf("notify: Config.DailyLimitModel %d is neither PerChannelDailyLimits nor TotalDailyLimit", c.DailyLimitModel))
	}
	for i, p := range c.Providers {
		switch {
		case p == nil:
			errs = append(errs, fmt.Errorf("notify: Config.Providers[%d] is nil", i))
		case p.Type() != SMS && p.Type() != Email:
			errs = append(errs, fmt.Errorf("notify: provider %q: Type must be sms or email, not %q", p.Name(), p.Type()))
		}
	}
	for _, f := range []struct {
		name  string
		value int64
	}{
		{"DailyLimitCacheTTL", int64(c.DailyLimitCacheTTL)},
		{"PageSize", int64(c.PageSize)},
		{"ReadCacheSize", int64(c.ReadCacheSize)},
		{"DeliveryConcurrency", int64(c.DeliveryConcurrency)},
		{"GroupCommit.MaxBatch", int64(c.GroupCommit.MaxBatch)},
		{"GroupCommit.InFlight", int64(c.GroupCommit.InFlight)},
		{"GroupCommit.Timeout", int64(c.GroupCommit.Timeout)},
		{"ClaimLease", int64(c.ClaimLease)},
		{"SweepAfter", int64(c.SweepAfter)},
		{"SweepBatch", int64(c.SweepBatch)},
		{"BulkMaxRows", int64(c.BulkMaxRows)},
		{"MaxDeliveryAttempts", int64(c.MaxDeliveryAttempts)},
		{"SendingTimeout", int64(c.SendingTimeout)},
		{"RecordSentGrace", int64(c.RecordSentGrace)},
		{"ProviderChoice.ErrorThreshold", int64(c.ProviderChoice.ErrorThreshold)},
		{"ProviderChoice.ErrorWindow", int64(c.ProviderChoice.ErrorWindow)},
		{"ProviderChoice.Recovery", int64(c.ProviderChoice.Recovery)},
	} {
		if f.value < 0 {
			errs = append(errs, fmt.Errorf("notify: Config.%s must not be negative (0 takes the default)", f.name))
		}
	}
	if len(c.SecretKey) > 0 && len(c.SecretKey) < MinSecretKeyLength {
		errs = append(errs, fmt.Errorf("notify: Config.SecretKey must be at least %d bytes, not %d: use a random key such as the output of `openssl rand -base64 32`; RotateSecretKey (notifyd rotate-key) re-seals a store sealed under a shorter one", MinSecretKeyLength, len(c.SecretKey)))
	}
	for _, p := range c.SimulatedNumbers {
		if _, err := ParsePhoneNumber(p); err != nil {
			errs = append(errs, fmt.Errorf("notify: Config.SimulatedNumbers: %q: %w", p, err))
		}
	}
	return errors.Join(errs...)
}

// setDefaults fills the optional fields c leaves zero.
func (c *Config) setDefaults() {
	if c.Cache == nil {
		c.Cache = noCache{}
	}
	if c.Stats == nil {
		c.Stats = DiscardStats{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.CallbackClient == nil {
		c.CallbackClient = newCallbackClient(c.AllowInsecureCallbacks)
	} else {
		c.CallbackClient = withoutRedirects(c.CallbackClient)
	}
	if c.Sandbox == nil {
		c.Sandbox = BuiltinSandbox()
	}
	setDefault(&c.TrialModeURL, DefaultTrialModeURL)
	setDefault(&c.DefaultSMSSender, DefaultSMSSender)
	setDefault(&c.EmailDomain, DefaultEmailDomain)
	setDefault(&c.DailyLimitCacheTTL, DefaultDailyLimitCacheTTL)
	setDefault(&c.PageSize, DefaultPageSize)
	setDefault(&c.ClaimLease, DefaultClaimLease)
	setDefault(&c.SweepAfter, DefaultSweepAfter)
	setDefault(&c.SweepBatch, DefaultSweepBatch)
	setDefault(&c.BulkMaxRows, DefaultBulkMaxRows)
	setDefault(&c.MaxDeliveryAttempts, DefaultMaxDeliveryAttempts)
	setDefault(&c.SendingTimeout, DefaultSendingTimeout)
	setDefault(&c.RecordSentGrace, DefaultRecordSentGrace)
	setDefault(&c.ReadCacheTTL, DefaultReadCacheTTL)
	setDefault(&c.ReadCacheSize, DefaultReadCacheSize)
	setDefault(&c.DeliveryConcurrency, DefaultDeliveryConcurrency)
	setDefault(&c.GroupCommit.MaxBatch, DefaultGroupCommitMaxBatch)
	setDefault(&c.GroupCommit.InFlight, DefaultGroupCommitInFlight)
	setDefault(&c.GroupCommit.Timeout, DefaultGroupCommitTimeout)
	if c.SimulatedEmails == nil {
		c.SimulatedEmails = DefaultSimulatedEmails
	}
	if c.SimulatedNumbers == nil {
		c.SimulatedNumbers = DefaultSimulatedNumbers
	}
}

// BuiltinSandbox returns the Sandbox of a Notifier configured without one:
// it sends nothing and fakes each receipt with SimulatedStatus. Code that
// wraps Config.Sandbox, such as stats/instrument, wraps this one when the
// field is nil.
func BuiltinSandbox() Provider { return builtinSandbox{} }

func setDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

func (n *Notifier) now() time.Time { return n.cfg.Clock().UTC().Truncate(time.Microsecond) }

// Store returns the Notifier's store, Config.Store, behind the read cache
// unless Config.ReadCacheTTL is negative. Writes through it update the cache
// at once; when cached, its Unwrap method returns Config.Store.
func (n *Notifier) Store() Store { return n.store }

// Stats returns the Notifier's metrics sink, Config.Stats (DiscardStats when
// nil): the HTTP API records its request metrics there.
func (n *Notifier) Stats() Stats { return n.stats }

// ---------------------------------------------------------------------------
// Administration: services, keys, templates, team and guest list.

// CreateService stores a new service after CheckService. A zero ID gets a
// random one; a zero MessageLimit becomes 50; no permissions means sms and
// email.
func (n *Notifier) CreateService(ctx context.Context, s Service) (*Service, error) {
	if s.ID == uuid.Nil {
		s.ID = uuid.New()
	}
	if err := CheckService(&s); err != nil {
		return nil, err
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
	sealed, err := n.secrets.seal(ctx, k.Secret)
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
// and "API key not found" after ("service has no API keys" when the
// service has no other key).
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
// that do not authenticate with a token. It refuses them as Authenticate
// would, with a 403 *Error: an unknown service or key (errors.Is(err,
// ErrNotFound) holds), an archived service (ErrServiceArchived), a revoked
// key (ErrKeyRevoked). The Caller is checked again each time it is used.
func (n *Notifier) Caller(ctx context.Context, serviceID, keyID uuid.UUID) (*Caller, error) {
	return n.loadCaller(ctx, serviceID, keyID)
}
