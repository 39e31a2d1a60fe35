package notify_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/store/memstore"
)

func ExampleNew() {
	ctx := context.Background()
	// The adapters are the caller's: close them after the Notifier.
	queue := memqueue.New(memqueue.Options{})
	defer queue.Close()
	n, err := notify.New(notify.Config{
		Store:     memstore.New(), // gormstore.OpenPostgres in production
		Queue:     queue,          // redisqueue.New to share one between processes
		SecretKey: []byte("a long random secret from your secret store"),
		// GOV.UK Notify's defaults, to replace with your own:
		TrialModeURL:     notify.DefaultTrialModeURL,
		DefaultSMSSender: notify.DefaultSMSSender,
		EmailDomain:      notify.DefaultEmailDomain,
		Logger:           slog.New(slog.DiscardHandler),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer n.Close(ctx)

	svc, err := n.CreateService(ctx, notify.Service{Name: "Passports"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(svc.Name, "in trial mode:", svc.Restricted, "text messages a day:", svc.DailyLimit(notify.DailyLimitSMS))
	// Output:
	// Passports in trial mode: false text messages a day: 250000
}

func ExampleNotifier_SendSMS() {
	ctx := context.Background()
	n, q := newExampleNotifier()
	defer q.Close()
	defer n.Close(ctx)
	// A trial service sends only to its team and guest list.
	svc, err := n.CreateService(ctx, notify.Service{Name: "Passports", Restricted: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := n.AddTeamMember(ctx, notify.TeamMember{ServiceID: svc.ID, MobileNumber: "07700 900123"}); err != nil {
		fmt.Println(err)
		return
	}
	tpl, err := n.CreateTemplate(ctx, notify.Template{ServiceID: svc.ID, Type: notify.SMS, Name: "Code",
		Content: "Your code is ((code))"})
	if err != nil {
		fmt.Println(err)
		return
	}
	key, err := n.CreateAPIKey(ctx, svc.ID, "backend", notify.KeyTypeLive)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Without a token, load the caller by its ids; it is checked again at
	// each use, so revoking the key stops it at once.
	caller, err := n.Caller(ctx, svc.ID, key.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	nt, err := n.SendSMS(ctx, caller, &notify.SMSRequest{
		PhoneNumber:     "07700 900123",
		TemplateID:      tpl.ID,
		Personalisation: map[string]any{"code": "4821"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(nt.Status, nt.NormalisedTo, nt.From, nt.Body)
	// Output:
	// created 447700900123 notify Your code is 4821
}

func ExampleError() {
	ctx := context.Background()
	n, q := newExampleNotifier()
	defer q.Close()
	defer n.Close(ctx)
	caller, tpl := exampleService(n, true, 1, notify.KeyTypeLive)
	send := func(to string) error {
		_, err := n.SendSMS(ctx, caller, &notify.SMSRequest{PhoneNumber: to, TemplateID: tpl.ID,
			Personalisation: map[string]any{"name": "Sam", "code": "1"}})
		return err
	}
	for _, to := range []string{"07700 900456", "0770", "07700 900123", "07700 900123"} {
		err := send(to)
		var phone *notify.PhoneError
		switch {
		case err == nil:
			fmt.Println(to, "accepted")
		case errors.Is(err, notify.ErrTrialMode):
			fmt.Println(to, "is not in the team: add them to the guest list, or go live")
		case errors.As(err, &phone):
			fmt.Println(to, "is not a phone number:", phone.Code)
		case errors.Is(err, notify.ErrDailyLimit):
			fmt.Println(to, "must wait until tomorrow:", notify.StatusOf(err), err)
		default:
			fmt.Println(to, notify.CodeOf(err), err)
		}
	}
	// Output:
	// 07700 900456 is not in the team: add them to the guest list, or go live
	// 0770 is not a phone number: TOO_SHORT
	// 07700 900123 accepted
	// 07700 900123 must wait until tomorrow: 429 Exceeded send limits (sms: 1) for today
}

func ExampleNotifier_Close() {
	ctx := context.Background()
	n, q := newExampleNotifier()
	defer q.Close() // the queue is the caller's: closed after the Notifier
	caller, tpl := exampleService(n, false, 0, notify.KeyTypeLive)
	done := make(chan error)
	go func() { done <- n.Run(context.Background()) }()
	nt, err := n.SendSMS(ctx, caller, &notify.SMSRequest{PhoneNumber: "07700 900123", TemplateID: tpl.ID,
		Personalisation: map[string]any{"name": "Sam", "code": "1"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for got, _ := n.Get(ctx, caller, nt.ID); !got.Status.Final(); got, _ = n.Get(ctx, caller, nt.ID) {
		time.Sleep(time.Millisecond) // Run delivers it
	}

	// Close stops Run and waits for the sends already accepted.
	if err := n.Close(ctx); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("run:", <-done)
	_, err = n.SendSMS(ctx, caller, &notify.SMSRequest{PhoneNumber: "07700 900123", TemplateID: tpl.ID,
		Personalisation: map[string]any{"name": "Sam", "code": "1"}})
	fmt.Println("send:", err, errors.Is(err, notify.ErrClosed))
	// Output:
	// run: <nil>
	// send: notify: the Notifier is closed true
}

// tallyStore is a Store wrapper: it counts the notifications created
// and passes every call on to the Store it wraps.
type tallyStore struct {
	notify.Store
	created atomic.Int64
}

// CreateNotification counts, then creates.
func (s *tallyStore) CreateNotification(ctx context.Context, nt *notify.Notification) error {
	s.created.Add(1)
	return s.Store.CreateNotification(ctx, nt)
}

// Unwrap returns the wrapped Store, so that the Notifier still finds its
// optional abilities (the memory store is a BatchCreator: concurrent sends
// then share one call of CreateNotifications, not CreateNotification).
func (s *tallyStore) Unwrap() notify.Store { return s.Store }

// WrapAbility decorates the abilities the Notifier finds behind the
// wrapper: without it, batched creates would pass the tally by.
func (s *tallyStore) WrapAbility(p any) {
	if bc, ok := p.(*notify.BatchCreator); ok {
		*bc = tallyBatches{inner: *bc, tally: s}
	}
}

// tallyBatches counts the notifications of each batch.
type tallyBatches struct {
	inner notify.BatchCreator
	tally *tallyStore
}

// CreateNotifications counts, then creates.
func (b tallyBatches) CreateNotifications(ctx context.Context, ns []*notify.Notification) []error {
	b.tally.created.Add(int64(len(ns)))
	return b.inner.CreateNotifications(ctx, ns)
}

func Example_storeWrapper() {
	ctx := context.Background()
	store := &tallyStore{Store: memstore.New()}
	queue := memqueue.New(memqueue.Options{})
	defer queue.Close()
	n, err := notify.New(notify.Config{Store: store, Queue: queue, SecretKey: []byte("example secret key, at least 32 bytes"),
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer n.Close(ctx)
	caller, tpl := exampleService(n, false, 0, notify.KeyTypeLive)
	for _, to := range []string{"07700 900123", "07700 900456", "07700 900111"} {
		if _, err := n.SendSMS(ctx, caller, &notify.SMSRequest{PhoneNumber: to, TemplateID: tpl.ID,
			Personalisation: map[string]any{"name": "Sam", "code": "1"}}); err != nil {
			fmt.Println(err)
			return
		}
	}
	// 07700 900111 is a simulated recipient: answered, never stored.
	fmt.Println("created:", store.created.Load())
	// Output:
	// created: 2
}
