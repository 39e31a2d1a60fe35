// Package notifytest gives users of notify what they need to unit-test code
// that sends notifications: a ready Notifier on memory adapters with a
// sandbox provider, helpers to create services, keys and templates, and a
// way to wait for deliveries, read what the sandbox "sent" and, with
// Options.HoldReceipts, decide each notification's delivery receipt.
//
//	env := notifytest.New(t)
//	svc := env.Service(t, notify.Service{Name: "Test"})
//	caller := env.Key(t, svc, notify.KeyTypeLive)
//	tpl := env.Template(t, svc, notify.SMS, "", "Hello ((name))")
//	nt, err := env.Notifier.SendSMS(ctx, caller, &notify.SMSRequest{...})
//	env.WaitFinal(t, nt.ID)
//	env.Sandbox.SentTo("447700900123")
//
// The phone numbers 07700 900000, 07700 900111 and 07700 900222 and the
// simulate-delivered@notifications.service.gov.uk addresses are simulated
// recipients (notify.DefaultSimulatedNumbers): a send to them is validated
// and answered but never stored, so there is nothing to wait for. Send to
// any other number (07700 900123, say) to follow a delivery.
package notifytest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/cache/memcache"
	"github.com/notifykit/notify/provider/sandbox"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/store/memstore"
)

// TB is what an Env needs of a test: *testing.T and *testing.B, and any
// testing.TB, have it.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Options change an Env before it is built. The zero value is a Notifier on
// memory adapters (memstore, memqueue with fast retries, memcache) with a
// sandbox that accepts everything and fakes receipts at once.
type Options struct {
	// Config, when set, changes the Notifier's configuration: it may
	// replace any adapter, or set Cache to nil so that daily limits are
	// counted from the Store.
	Config func(*notify.Config)
	// Sandbox configures the sandbox: failures, latency.
	Sandbox sandbox.Options
	// HoldReceipts makes the sandbox fake no delivery receipt: a
	// notification it accepted stays sending until the test applies a
	// receipt with Env.ApplyReceipt, so that code reacting to receipts
	// (delivery-status callbacks, polling) can be tested on every outcome.
	HoldReceipts bool
	// Timeout is how long WaitFinal, WaitSent and ApplyReceipt wait for a
	// notification before they fail the test (10s).
	Timeout time.Duration
}

// DefaultTimeout is the default of Options.Timeout.
const DefaultTimeout = 10 * time.Second

// merge adds o to opts: Config functions run in order, the last Sandbox
// and Timeout that are not the zero value win, HoldReceipts holds if any
// sets it.
func (opts *Options) merge(o Options) {
	if o.Config != nil {
		if prev := opts.Config; prev != nil {
			opts.Config = func(c *notify.Config) { prev(c); o.Config(c) }
		} else {
			opts.Config = o.Config
		}
	}
	if !reflect.ValueOf(o.Sandbox).IsZero() {
		opts.Sandbox = o.Sandbox
	}
	opts.HoldReceipts = opts.HoldReceipts || o.HoldReceipts
	if o.Timeout != 0 {
		opts.Timeout = o.Timeout
	}
}

// Option is an Options.
//
// Deprecated: use Options.
type Option = Options

// WithConfig lets a test change the Notifier's configuration.
//
// Deprecated: use Options{Config: f}.
func WithConfig(f func(*notify.Config)) Options { return Options{Config: f} }

// WithSandbox sets the sandbox's options (failures, latency).
//
// Deprecated: use Options{Sandbox: o}.
func WithSandbox(o sandbox.Options) Options { return Options{Sandbox: o} }

// Env is a Notifier on memory adapters with its parts exposed.
type Env struct {
	// Notifier is the Notifier under test, closed when the test ends.
	Notifier *notify.Notifier
	// Store is the Notifier's Store (Notifier.Store()), whatever Store
	// Options.Config chose: never nil. Writes through it are seen by the
	// Notifier at once (its read cache is in front).
	Store notify.Store
	// Queue and Cache are the memory adapters; nil when Options.Config
	// replaced them by adapters of another kind (or, for Cache, by none).
	Queue *memqueue.Queue
	Cache *memcache.Cache
	// Sandbox records what was "sent"; with Options.HoldReceipts it fakes
	// no receipt.
	Sandbox *sandbox.Sandbox

	holdReceipts bool
	timeout      time.Duration
	simulated    []string // the simulated recipients, for messages
	ownQueue     *memqueue.Queue
	runOnce      sync.Once
	cancel       context.CancelFunc
	done         chan struct{}
}

// New builds an Env from opts (several are merged in order). Its workers
// start on the first call to Start, WaitFinal or ApplyReceipt; the
// Notifier is closed, and its workers stopped, when the test ends.
func New(t TB, opts ...Options) *Env {
	t.Helper()
	var o Options
	for _, x := range opts {
		o.merge(x)
	}
	ownQueue := memqueue.New(memqueue.Options{
		Backoff:     func(int) time.Duration { return 5 * time.Millisecond },
		MaxAttempts: 20,
	})
	cfg := notify.Config{
		Store:     memstore.New(),
		Queue:     ownQueue,
		Cache:     memcache.New(memcache.Options{}),
		SecretKey: []byte("notifytest secret key, for tests only"),
		Logger:    slog.New(slog.DiscardHandler),
	}
	if o.Config != nil {
		o.Config(&cfg)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	e := &Env{Sandbox: sandbox.New(o.Sandbox), holdReceipts: o.HoldReceipts, timeout: o.Timeout,
		ownQueue: ownQueue, done: make(chan struct{})}
	if cfg.Sandbox == nil {
		cfg.Sandbox = e.Sandbox
		if o.HoldReceipts {
			cfg.Sandbox = holding{e.Sandbox}
		}
	}
	e.Queue, _ = cfg.Queue.(*memqueue.Queue)
	e.Cache, _ = cfg.Cache.(*memcache.Cache)
	e.simulated = simulatedRecipients(cfg)
	n, err := notify.New(cfg)
	if err != nil {
		_ = ownQueue.Close()
		t.Fatalf("notifytest: %v", err)
		return nil
	}
	e.Notifier = n
	e.Store = n.Store()
	t.Cleanup(e.stop)
	return e
}

// holding is the sandbox without its receipts: the Notifier fakes a
// receipt only for a sandbox that is a notify.ReceiptSimulator.
type holding struct{ s *sandbox.Sandbox }

func (h holding) Name() string                  { return h.s.Name() }
func (h holding) Type() notify.NotificationType { return h.s.Type() }
func (h holding) Send(ctx context.Context, m notify.Message) (string, error) {
	return h.s.Send(ctx, m)
}

// simulatedRecipients lists the recipients cfg simulates.
func simulatedRecipients(cfg notify.Config) []string {
	nums, emails := cfg.SimulatedNumbers, cfg.SimulatedEmails
	if nums == nil {
		nums = notify.DefaultSimulatedNumbers
	}
	if emails == nil {
		emails = notify.DefaultSimulatedEmails
	}
	return append(append([]string(nil), nums...), emails...)
}

// Start runs the Notifier's workers in the background (once).
func (e *Env) Start() {
	e.runOnce.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		e.cancel = cancel
		go func() {
			defer close(e.done)
			_ = e.Notifier.RunWith(ctx, notify.RunOptions{SweepInterval: 50 * time.Millisecond})
		}()
	})
}

func (e *Env) stop() {
	e.runOnce.Do(func() { close(e.done) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = e.Notifier.Close(ctx) // stops the workers
	if e.cancel != nil {
		e.cancel()
	}
	<-e.done
	_ = e.ownQueue.Close()
}

// Service creates a service. Empty Name becomes "Test service"; no
// permissions means sms and email.
func (e *Env) Service(t TB, s notify.Service) *notify.Service {
	t.Helper()
	if s.Name == "" {
		s.Name = "Test service"
	}
	svc, err := e.Notifier.CreateService(context.Background(), s)
	if err != nil {
		t.Fatalf("notifytest: create service: %v", err)
	}
	return svc
}

// Key creates an API key of keyType and returns it as a Caller, ready for
// SendSMS and friends. Key.Secret holds the plain secret.
func (e *Env) Key(t TB, svc *notify.Service, keyType notify.KeyType) *notify.Caller {
	t.Helper()
	k, err := e.Notifier.CreateAPIKey(context.Background(), svc.ID, string(keyType)+"-key", keyType)
	if err != nil {
		t.Fatalf("notifytest: create key: %v", err)
	}
	return &notify.Caller{Service: svc, Key: k}
}

// Template creates a template; subject is ignored for SMS.
func (e *Env) Template(t TB, svc *notify.Service, typ notify.NotificationType, subject, content string) *notify.Template {
	t.Helper()
	tpl, err := e.Notifier.CreateTemplate(context.Background(), notify.Template{
		ServiceID: svc.ID, Type: typ, Name: string(typ) + " template", Subject: subject, Content: content})
	if err != nil {
		t.Fatalf("notifytest: create template: %v", err)
	}
	return tpl
}

// TeamMember adds a team member with an email address and a mobile number.
func (e *Env) TeamMember(t TB, svc *notify.Service, email, mobile string) {
	t.Helper()
	err := e.Notifier.AddTeamMember(context.Background(), notify.TeamMember{ServiceID: svc.ID, EmailAddress: email, MobileNumber: mobile})
	if err != nil {
		t.Fatalf("notifytest: add team member: %v", err)
	}
}

// Guest adds a recipient to the guest list.
func (e *Env) Guest(t TB, svc *notify.Service, recipient string) {
	t.Helper()
	err := e.Notifier.AddGuestListEntry(context.Background(), notify.GuestListEntry{ServiceID: svc.ID, Recipient: recipient})
	if err != nil {
		t.Fatalf("notifytest: add guest: %v", err)
	}
}

// Get reads a notification straight from the store. A notification that
// was never stored fails the test with the reason it most likely was not:
// it went to a simulated recipient.
func (e *Env) Get(t TB, id uuid.UUID) *notify.Notification {
	t.Helper()
	n, err := e.Store.GetNotification(context.Background(), id)
	if err != nil {
		t.Fatalf("%v", e.getError(id, err))
	}
	return n
}

// getError explains why a notification could not be read.
func (e *Env) getError(id uuid.UUID, err error) error {
	if !errors.Is(err, notify.ErrNotFound) {
		return fmt.Errorf("notifytest: get notification %s: %w", id, err)
	}
	return fmt.Errorf("notifytest: notification %s was never stored: sends to the simulated recipients (%s) "+
		"are validated and answered but never stored, queued or delivered; send to another recipient "+
		"(a team member's number, say) to follow a delivery: %w", id, strings.Join(e.simulated, ", "), err)
}

// WaitFinal starts the workers if needed and waits (Options.Timeout) until each
// notification has left created, sending and pending, then returns them.
func (e *Env) WaitFinal(t TB, ids ...uuid.UUID) []*notify.Notification {
	t.Helper()
	out := make([]*notify.Notification, len(ids))
	for i, id := range ids {
		out[i] = e.wait(t, id, "a final status", func(s notify.Status) bool { return s.Final() })
	}
	return out
}

// WaitSent starts the workers if needed and waits (Options.Timeout) until the
// notification has been handed to a provider (it left created), then
// returns it.
func (e *Env) WaitSent(t TB, id uuid.UUID) *notify.Notification {
	t.Helper()
	return e.wait(t, id, "a provider", func(s notify.Status) bool { return s != notify.StatusCreated })
}

// wait polls the notification until done accepts its status.
func (e *Env) wait(t TB, id uuid.UUID, what string, done func(notify.Status) bool) *notify.Notification {
	t.Helper()
	e.Start()
	deadline := time.Now().Add(e.timeout)
	for {
		n := e.Get(t, id)
		if done(n.Status) {
			return n
		}
		if time.Now().After(deadline) {
			hint := ""
			if e.holdReceipts && (n.Status == notify.StatusSending || n.Status == notify.StatusPending) {
				hint = ": the sandbox holds receipts (Options.HoldReceipts); apply one with Env.ApplyReceipt"
			}
			t.Fatalf("notifytest: notification %s still %s after %v, waiting for %s%s", id, n.Status, e.timeout, what, hint)
			return nil
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// ApplyReceipt waits until the notification has been handed to the sandbox
// (as a real receipt follows a send), then applies a delivery receipt with
// status through the Notifier's receipt path, as a provider's webhook
// would: the status changes, a service callback is queued, metrics are
// counted. It returns the notification as it is then. Use it with
// Options.HoldReceipts, so that the sandbox's own receipt does not come
// first; a receipt for a notification already final is ignored, as
// upstream does.
func (e *Env) ApplyReceipt(t TB, id uuid.UUID, status notify.Status) *notify.Notification {
	t.Helper()
	sent := e.WaitSent(t, id)
	err := e.Notifier.ApplyReceipt(context.Background(), notify.Receipt{Provider: sent.SentBy,
		NotificationID: id, ProviderReference: sent.ProviderReference, Status: status})
	if err != nil {
		t.Fatalf("notifytest: apply receipt %s to %s: %v", status, id, err)
	}
	return e.Get(t, id)
}
