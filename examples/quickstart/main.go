// Command quickstart wires a Notifier on the in-memory adapters and the
// sandbox provider, sends text messages and emails with each key type, shows
// a trial-mode refusal and the daily limit, runs the workers and prints each
// notification's final status. It needs no server.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/cache/memcache"
	"github.com/notifykit/notify/provider/sandbox"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/store/memstore"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx := context.Background()
	queue := memqueue.New(memqueue.Options{Backoff: func(int) time.Duration { return 50 * time.Millisecond }})
	defer queue.Close()
	n, err := notify.New(notify.Config{
		Store:     memstore.New(),
		Queue:     queue,
		Cache:     memcache.New(memcache.Options{}),
		Sandbox:   sandbox.New(sandbox.Options{}),
		SecretKey: []byte("quickstart only: use a real secret key"),
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return err
	}

	// A trial-mode service that may send 3 text messages a day, one team
	// member and one guest.
	svc, err := n.CreateService(ctx, notify.Service{Name: "Quickstart", Restricted: true, SMSMessageLimit: 3})
	if err != nil {
		return err
	}
	must(n.AddTeamMember(ctx, notify.TeamMember{ServiceID: svc.ID, EmailAddress: "me@example.gov.uk", MobileNumber: "07700 900123"}))
	must(n.AddGuestListEntry(ctx, notify.GuestListEntry{ServiceID: svc.ID, Recipient: "guest@example.gov.uk"}))
	smsTpl, err := n.CreateTemplate(ctx, notify.Template{ServiceID: svc.ID, Type: notify.SMS, Name: "Code", Content: "Hello ((name)), your code is ((code))."})
	if err != nil {
		return err
	}
	emailTpl, err := n.CreateTemplate(ctx, notify.Template{ServiceID: svc.ID, Type: notify.Email, Name: "Welcome",
		Subject: "Welcome, ((name))", Content: "Hello ((name)),\n\nThanks for signing up."})
	if err != nil {
		return err
	}
	callers := map[notify.KeyType]*notify.Caller{}
	for _, kt := range []notify.KeyType{notify.KeyTypeLive, notify.KeyTypeTeam, notify.KeyTypeSimulate} {
		k, err := n.CreateAPIKey(ctx, svc.ID, "quickstart-"+string(kt), kt)
		if err != nil {
			return err
		}
		callers[kt] = &notify.Caller{Service: svc, Key: k}
		fmt.Printf("key %-6s %s\n", kt, notify.FormatKey(k.Name, svc.ID, k.Secret))
	}

	var sent []uuid.UUID
	send := func(label string, kt notify.KeyType, typ notify.NotificationType, to string) {
		var nt *notify.Notification
		var err error
		values := map[string]any{"name": "Sam", "code": "4821"}
		if typ == notify.SMS {
			nt, err = n.SendSMS(ctx, callers[kt], &notify.SMSRequest{PhoneNumber: to, TemplateID: smsTpl.ID, Personalisation: values})
		} else {
			nt, err = n.SendEmail(ctx, callers[kt], &notify.EmailRequest{EmailAddress: to, TemplateID: emailTpl.ID, Personalisation: values})
		}
		var e *notify.Error
		switch {
		case errors.As(err, &e):
			fmt.Printf("%-34s refused %d %s: %s\n", label, e.Status, e.Name, e.Message)
		case err != nil:
			fmt.Printf("%-34s error: %v\n", label, err)
		default:
			if _, err := n.Store().GetNotification(ctx, nt.ID); errors.Is(err, notify.ErrNotFound) {
				fmt.Printf("%-34s accepted %s (simulated: not stored, counted or sent)\n", label, nt.ID)
				return
			}
			fmt.Printf("%-34s accepted %s (%s)\n", label, nt.ID, nt.Status)
			sent = append(sent, nt.ID)
		}
	}

	fmt.Println("\n-- sending")
	send("live key, sms to team member", notify.KeyTypeLive, notify.SMS, "+44 7700 900123")
	send("live key, email to guest", notify.KeyTypeLive, notify.Email, "guest@example.gov.uk")
	send("team key, email to team member", notify.KeyTypeTeam, notify.Email, "Me@Example.gov.uk")
	send("simulate key, sms to anyone", notify.KeyTypeSimulate, notify.SMS, "07700 900003")
	send("simulate key, email to anyone", notify.KeyTypeSimulate, notify.Email, "perm-fail@simulator.notify")
	send("live key, sms to a stranger", notify.KeyTypeLive, notify.SMS, "07700 900456")
	send("team key, email to a stranger", notify.KeyTypeTeam, notify.Email, "stranger@example.com")
	send("simulate key, simulated recipient", notify.KeyTypeSimulate, notify.SMS, "07700 900000")

	// The text message to the team member above was the day's first.
	fmt.Println("\n-- daily limit (3 text messages a day for this trial service, the first sent above; emails have their own, simulate keys are not counted)")
	for i := 2; i <= 4; i++ {
		send(fmt.Sprintf("live key, sms #%d today", i), notify.KeyTypeLive, notify.SMS, "07700900123")
	}

	fmt.Println("\n-- delivering")
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- n.Run(runCtx) }()
	deadline := time.Now().Add(10 * time.Second)
	for _, id := range sent {
		for {
			nt, err := n.Store().GetNotification(ctx, id)
			if err != nil {
				stop()
				return err
			}
			if nt.Status.Final() || time.Now().After(deadline) {
				fmt.Printf("%s %-6s %-5s %-28s %s\n", nt.ID, nt.KeyType, nt.Type, nt.To, nt.Status)
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	stop()
	return <-done
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}
