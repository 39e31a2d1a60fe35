package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// setupSetting records, in the database, how it was first set up: "seed",
// or the demo's ids (JSON). The name predates the cmd/notifyd directory and
// stays, so databases set up by earlier versions are not set up again.
const setupSetting = "examples/server.setup"

// demoIDs are the ids of the demo service and its templates.
type demoIDs struct {
	Service uuid.UUID `json:"service_id"`
	SMS     uuid.UUID `json:"sms_template_id"`
	Email   uuid.UUID `json:"email_template_id"`
}

// Demo team member: a trial service's live and team keys may send to it.
const (
	demoEmail = "demo@example.gov.uk"
	demoPhone = "07700 900123"
)

// demo creates the demo service on the first start with an empty database
// and prints its keys (they are shown only then: secrets are stored
// encrypted). On later starts it prints the ids again.
func demo(ctx context.Context, n *notify.Notifier, out io.Writer, o *options) error {
	ids := demoIDs{Service: uuid.New(), SMS: uuid.New(), Email: uuid.New()}
	mine, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	got, err := n.Store().LoadOrStoreSetting(ctx, setupSetting, string(mine))
	if err != nil {
		return err
	}
	if got == "seed" {
		return nil
	}
	if got != string(mine) {
		if err := json.Unmarshal([]byte(got), &ids); err != nil {
			return fmt.Errorf("demo: setting %s: %w", setupSetting, err)
		}
		err := waitForService(ctx, n, ids.Service, demoWait)
		if err == nil {
			where, afresh := "-db "+o.db, "(or delete "+o.db+"* to start afresh)\n"
			if o.postgres != "" {
				where, afresh = "-postgres DSN", ""
			}
			fmt.Fprintf(out, "Demo service %s: SMS template %s, email template %s.\n"+
				"Its API keys were printed at the first start; make a new one with\n"+
				"  go run ./cmd/notifyd key create %s -service %s -name mine -type normal\n%s",
				ids.Service, ids.SMS, ids.Email, where, ids.Service, afresh)
			return nil
		}
		if !errors.Is(err, notify.ErrNotFound) {
			return err
		}
		// A first start that stopped half-way: create it now.
	}
	return createDemo(ctx, n, out, ids, o)
}

// reachable is the address a client on this machine uses for the listening
// address: an unspecified host (-addr :6011, 0.0.0.0) becomes localhost.
func reachable(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// demoWait is how long a process that lost the race to set up the demo
// waits for the winner to create it before assuming the winner died.
const demoWait = 10 * time.Second

// waitForService waits up to d for the service to exist: another process
// starting at the same moment may be creating it.
func waitForService(ctx context.Context, n *notify.Notifier, id uuid.UUID, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		_, err := n.Store().GetService(ctx, id)
		if !errors.Is(err, notify.ErrNotFound) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func createDemo(ctx context.Context, n *notify.Notifier, out io.Writer, ids demoIDs, o *options) error {
	svc, err := n.CreateService(ctx, notify.Service{ID: ids.Service, Name: "Demo service", Restricted: true,
		MessageLimit: notify.DefaultMessageLimit, ContactLink: demoEmail}) // a contact link lets it send files by email
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := n.AddTeamMember(ctx, notify.TeamMember{ServiceID: svc.ID, EmailAddress: demoEmail, MobileNumber: demoPhone}); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	sms, err := n.CreateTemplate(ctx, notify.Template{ID: ids.SMS, ServiceID: svc.ID, Type: notify.SMS, Name: "Demo text message",
		Content: "Hello ((name)), your code is ((code)).", CreatedBy: demoEmail})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	email, err := n.CreateTemplate(ctx, notify.Template{ID: ids.Email, ServiceID: svc.ID, Type: notify.Email, Name: "Demo email",
		Subject: "Welcome, ((name))", Content: "Hello ((name)),\n\nThanks for trying notify.", CreatedBy: demoEmail})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	keys := map[notify.KeyType]string{}
	names := map[notify.KeyType]string{notify.KeyTypeLive: "demo_live", notify.KeyTypeTeam: "demo_team", notify.KeyTypeSimulate: "demo_test"}
	for _, kt := range []notify.KeyType{notify.KeyTypeLive, notify.KeyTypeTeam, notify.KeyTypeSimulate} {
		k, err := n.CreateAPIKey(ctx, svc.ID, names[kt], kt)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		keys[kt] = notify.FormatKey(k.Name, svc.ID, k.Secret)
	}
	addr := o.addr
	fmt.Fprintf(out, `Created a demo trial service %q (%s).
Its team member is %s / %s: in trial mode the live and team keys
send only to the team (and guest list); the test key sends to anyone and
nothing is counted.

API keys (shown only now; keep them):
  live  %s
  team  %s
  test  %s

Templates:
  sms    %s  %q
  email  %s  subject %q

Base URL: http://%s
Try it (the -token flag prints a bearer token for a key; a token is valid
for 30 seconds, so make one per request):
  KEY=%s
  curl -s http://%s/v2/notifications/sms \
    -H "Authorization: Bearer $(go run ./cmd/notifyd -token $KEY)" \
    -d '{"phone_number": "%s", "template_id": "%s", "personalisation": {"name": "Sam", "code": "4821"}}'
  curl -s http://%s/v2/notifications/email \
    -H "Authorization: Bearer $(go run ./cmd/notifyd -token $KEY)" \
    -d '{"email_address": "%s", "template_id": "%s", "personalisation": {"name": "Sam"}}'
  curl -s http://%s/v2/notifications/ID_FROM_THE_ANSWER \
    -H "Authorization: Bearer $(go run ./cmd/notifyd -token $KEY)"

`, svc.Name, svc.ID, demoEmail, demoPhone,
		keys[notify.KeyTypeLive], keys[notify.KeyTypeTeam], keys[notify.KeyTypeSimulate],
		sms.ID, sms.Content, email.ID, email.Subject,
		addr, keys[notify.KeyTypeLive], addr, demoPhone, sms.ID, addr, demoEmail, email.ID, addr)
	return nil
}
