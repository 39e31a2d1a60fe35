// Package notifytest gives users of notify what they need to unit-test code
// that sends notifications: a ready Notifier on memory adapters with a
// sandbox provider, helpers to create services, keys and templates, and a
// way to wait for deliveries and read what the sandbox "sent".
//
//	env := notifytest.New(t)
//	svc := env.Service(t, notify.Service{Name: "Test", Restricted: false})
//	key := env.Key(t, svc, notify.KeyTypeLive)
//	tpl := env.Template(t, svc, notify.SMS, "", "Hello ((name))")
//	n, err := env.Notifier.SendSMS(ctx, key, &notify.SMSRequest{...})
//	env.WaitFinal(t, n.ID)
//	env.Sandbox.SentTo("447700900123")
package notifytest

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/cache/memcache"
	"github.com/notifykit/notify/provider/sandbox"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/store/memstore"
)

// Env is a Notifier on memory adapters with its parts exposed. Store,
// Queue and Cache are nil when an Option replaced them by adapters of
// another kind (or, for Cache, by none).
type Env struct {
	Notifier *notify.Notifier
	Store    *memstore.Store
	Queue    *memqueue.Queue
	Cache    *memcache.Cache
	Sandbox  *sandbox.Sandbox

	ownQueue *memqueue.Queue // the default queue, closed when the test ends
	runOnce  sync.Once
	cancel   context.CancelFunc
	done     chan struct{}
}

// Option changes the Config or the sandbox of an Env before it is built.
// The Config starts on memory adapters (memstore, memqueue with fast
// retries, memcache); an Option may replace any of them, or set Cache to
// nil so that daily limits are counted from the Store.
type Option func(*notify.Config, *sandbox.Options)

// WithConfig lets a test change the Notifier's configuration.
func WithConfig(f func(*notify.Config)) Option {
	return func(c *notify.Config, _ *sandbox.Options) { f(c) }
}

// WithSandbox sets the sandbox's options (failures, latency).
func WithSandbox(o sandbox.Options) Option {
	return func(_ *notify.Config, s *sandbox.Options) { *s = o }
}

// New builds an Env. Its workers start on the first call to Start or
// WaitFinal and stop when the test ends.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	var sbOpts sandbox.Options
	ownQueue := memqueue.New(memqueue.Options{
		Backoff:     func(int) time.Duration { return 5 * time.Millisecond },
		MaxAttempts: 20,
	})
	cfg := notify.Config{
		Store:     memstore.New(),
		Queue:     ownQueue,
		Cache:     memcache.New(),
		SecretKey: []byte("notifytest secret key, for tests only"),
		Logger:    slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		o(&cfg, &sbOpts)
	}
	e := &Env{Sandbox: sandbox.New(sbOpts), ownQueue: ownQueue, done: make(chan struct{})}
	if cfg.Sandbox == nil {
		cfg.Sandbox = e.Sandbox
	}
	e.Store, _ = cfg.Store.(*memstore.Store)
	e.Queue, _ = cfg.Queue.(*memqueue.Queue)
	e.Cache, _ = cfg.Cache.(*memcache.Cache)
	n, err := notify.New(cfg)
	if err != nil {
		t.Fatalf("notifytest: %v", err)
	}
	e.Notifier = n
	t.Cleanup(e.stop)
	return e
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
	started := false
	e.runOnce.Do(func() { close(e.done) })
	if e.cancel != nil {
		e.cancel()
		started = true
	}
	if started {
		<-e.done
	}
	_ = e.ownQueue.Close()
}

// Service creates a service. Empty Name becomes "Test service"; no
// permissions means sms and email.
func (e *Env) Service(t testing.TB, s notify.Service) *notify.Service {
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
func (e *Env) Key(t testing.TB, svc *notify.Service, keyType notify.KeyType) *notify.Caller {
	t.Helper()
	k, err := e.Notifier.CreateAPIKey(context.Background(), svc.ID, string(keyType)+"-key", keyType)
	if err != nil {
		t.Fatalf("notifytest: create key: %v", err)
	}
	return &notify.Caller{Service: svc, Key: k}
}

// Template creates a template; subject is ignored for SMS.
func (e *Env) Template(t testing.TB, svc *notify.Service, typ notify.NotificationType, subject, content string) *notify.Template {
	t.Helper()
	tpl, err := e.Notifier.CreateTemplate(context.Background(), notify.Template{
		ServiceID: svc.ID, Type: typ, Name: string(typ) + " template", Subject: subject, Content: content})
	if err != nil {
		t.Fatalf("notifytest: create template: %v", err)
	}
	return tpl
}

// TeamMember adds a team member with an email address and a mobile number.
func (e *Env) TeamMember(t testing.TB, svc *notify.Service, email, mobile string) {
	t.Helper()
	err := e.Notifier.AddTeamMember(context.Background(), notify.TeamMember{ServiceID: svc.ID, EmailAddress: email, MobileNumber: mobile})
	if err != nil {
		t.Fatalf("notifytest: add team member: %v", err)
	}
}

// Guest adds a recipient to the guest list.
func (e *Env) Guest(t testing.TB, svc *notify.Service, recipient string) {
	t.Helper()
	err := e.Notifier.AddGuestListEntry(context.Background(), notify.GuestListEntry{ServiceID: svc.ID, Recipient: recipient})
	if err != nil {
		t.Fatalf("notifytest: add guest: %v", err)
	}
}

// Get reads a notification straight from the store.
func (e *Env) Get(t testing.TB, id uuid.UUID) *notify.Notification {
	t.Helper()
	n, err := e.Notifier.Store().GetNotification(context.Background(), id)
	if err != nil {
		t.Fatalf("notifytest: get notification %s: %v", id, err)
	}
	return n
}

// WaitFinal starts the workers if needed and waits (up to 10 s) until each
// notification has left created, sending and pending, then returns them.
func (e *Env) WaitFinal(t testing.TB, ids ...uuid.UUID) []*notify.Notification {
	t.Helper()
	e.Start()
	deadline := time.Now().Add(10 * time.Second)
	out := make([]*notify.Notification, len(ids))
	for i, id := range ids {
		for {
			n := e.Get(t, id)
			if n.Status.Final() {
				out[i] = n
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("notifytest: notification %s still %s after 10s", id, n.Status)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	return out
}
