package notify_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/cache/memcache"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/store/memstore"
)

// newExampleNotifier wires a Notifier on the memory adapters.
func newExampleNotifier(providers ...notify.Provider) (*notify.Notifier, *memqueue.Queue) {
	q := memqueue.New(memqueue.Options{Backoff: func(int) time.Duration { return time.Millisecond }})
	n, err := notify.New(notify.Config{
		Store:     memstore.New(),
		Queue:     q,
		Cache:     memcache.New(memcache.Options{}),
		Providers: providers,
		SecretKey: []byte("example secret key, at least 32 bytes"),
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		panic(err)
	}
	return n, q
}

// exampleService creates a service with a team member, an SMS template and
// a key of type kt.
func exampleService(n *notify.Notifier, restricted bool, limit int, kt notify.KeyType) (*notify.Caller, *notify.Template) {
	ctx := context.Background()
	svc, err := n.CreateService(ctx, notify.Service{Name: "Example", Restricted: restricted, SMSMessageLimit: limit})
	if err != nil {
		panic(err)
	}
	if err := n.AddTeamMember(ctx, notify.TeamMember{ServiceID: svc.ID, MobileNumber: "07700 900123", EmailAddress: "me@example.gov.uk"}); err != nil {
		panic(err)
	}
	tpl, err := n.CreateTemplate(ctx, notify.Template{ServiceID: svc.ID, Type: notify.SMS, Name: "Code",
		Content: "Hello ((name)), your code is ((code))"})
	if err != nil {
		panic(err)
	}
	key, err := n.CreateAPIKey(ctx, svc.ID, "example", kt)
	if err != nil {
		panic(err)
	}
	return &notify.Caller{Service: svc, Key: key}, tpl
}

// waitFinal runs the workers until the notification reaches a final status.
func waitFinal(n *notify.Notifier, nt *notify.Notification) *notify.Notification {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() { _ = n.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for {
		got, err := n.Store().GetNotification(ctx, nt.ID)
		if err != nil {
			panic(err)
		}
		if got.Status.Final() || ctx.Err() != nil {
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func Example_sendWithLiveKey() {
	n, q := newExampleNotifier()
	defer q.Close()
	caller, tpl := exampleService(n, false, 0, notify.KeyTypeLive)
	nt, err := n.SendSMS(context.Background(), caller, &notify.SMSRequest{
		PhoneNumber: "07700 900456", TemplateID: tpl.ID,
		Personalisation: map[string]any{"name": "Sam", "code": "4821"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(nt.Status, nt.To, nt.NormalisedTo)
	fmt.Println(nt.Body)
	fmt.Println(waitFinal(n, nt).Status)
	// Output:
	// created 07700 900456 447700900456
	// Hello Sam, your code is 4821
	// delivered
}

func Example_trialModeRefusal() {
	n, q := newExampleNotifier()
	defer q.Close()
	caller, tpl := exampleService(n, true, 0, notify.KeyTypeLive)
	_, err := n.SendSMS(context.Background(), caller, &notify.SMSRequest{
		PhoneNumber: "07700 900456", TemplateID: tpl.ID,
		Personalisation: map[string]any{"name": "Sam", "code": "4821"},
	})
	var e *notify.Error
	if errors.As(err, &e) {
		fmt.Println(e.Status, e.Name)
		fmt.Println(e.Message)
	}
	// Output:
	// 400 BadRequestError
	// Can’t send to this recipient when service is in trial mode – see https://www.notifications.service.gov.uk/trial-mode
}

func Example_simulateKey() {
	n, q := newExampleNotifier()
	defer q.Close()
	caller, tpl := exampleService(n, true, 1, notify.KeyTypeSimulate)
	// Simulate keys reach anyone, are never counted, and get fake receipts:
	// numbers ending 7700900002 fail permanently.
	for _, to := range []string{"07700 900456", "07700 900002"} {
		nt, err := n.SendSMS(context.Background(), caller, &notify.SMSRequest{
			PhoneNumber: to, TemplateID: tpl.ID, Personalisation: map[string]any{"name": "Sam", "code": "1"},
		})
		if err != nil {
			fmt.Println(err)
			return
		}
		final := waitFinal(n, nt)
		fmt.Println(to, final.KeyType, final.SentBy, final.Status)
	}
	// Output:
	// 07700 900456 test sandbox delivered
	// 07700 900002 test sandbox permanent-failure
}

func Example_simulatedRecipient() {
	n, q := newExampleNotifier()
	defer q.Close()
	caller, tpl := exampleService(n, false, 0, notify.KeyTypeLive)
	ctx := context.Background()
	nt, err := n.SendSMS(ctx, caller, &notify.SMSRequest{
		PhoneNumber: "07700 900000", TemplateID: tpl.ID, Personalisation: map[string]any{"name": "Sam", "code": "1"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = n.Get(ctx, caller, nt.ID)
	fmt.Println("accepted:", nt.Body)
	fmt.Println("stored:", err)
	// Output:
	// accepted: Hello Sam, your code is 1
	// stored: No result found
}

func Example_dailyLimit() {
	n, q := newExampleNotifier()
	defer q.Close()
	caller, tpl := exampleService(n, true, 2, notify.KeyTypeLive)
	for i := 1; i <= 3; i++ {
		_, err := n.SendSMS(context.Background(), caller, &notify.SMSRequest{
			PhoneNumber: "07700 900123", TemplateID: tpl.ID, Personalisation: map[string]any{"name": "Sam", "code": i},
		})
		if err != nil {
			fmt.Println(i, notify.StatusOf(err), err)
			continue
		}
		fmt.Println(i, "accepted")
	}
	// Output:
	// 1 accepted
	// 2 accepted
	// 3 429 Exceeded send limits (sms: 2) for today
}

// shoutingProvider is a custom SMS provider: it "sends" by printing.
type shoutingProvider struct{}

func (shoutingProvider) Name() string                  { return "shouter" }
func (shoutingProvider) Type() notify.NotificationType { return notify.SMS }
func (shoutingProvider) Send(_ context.Context, m notify.Message) (string, error) {
	fmt.Println("to", m.To+":", strings.ToUpper(m.Body), "("+fmt.Sprint(m.Fragments), "fragment)")
	return "shout-1", nil
}

func Example_customProvider() {
	n, q := newExampleNotifier(shoutingProvider{})
	defer q.Close()
	caller, tpl := exampleService(n, false, 0, notify.KeyTypeLive)
	nt, err := n.SendSMS(context.Background(), caller, &notify.SMSRequest{
		PhoneNumber: "+44 7700 900456", TemplateID: tpl.ID, Personalisation: map[string]any{"name": "Sam", "code": "7"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Without receipts from the provider the notification stays sending.
	if err := n.Deliver(context.Background(), notify.Task{Name: notify.TaskDeliverSMS, NotificationID: nt.ID, Attempt: 1}); err != nil {
		fmt.Println(err)
		return
	}
	got, _ := n.Get(context.Background(), caller, nt.ID)
	fmt.Println(got.Status, got.SentBy, got.ProviderReference)
	// Output:
	// to 447700900456: HELLO SAM, YOUR CODE IS 7 (1 fragment)
	// sending shouter shout-1
}
