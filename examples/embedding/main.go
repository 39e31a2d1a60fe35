// Command embedding sends a text message from a Go service with notify and,
// with -addr, serves the Notify-compatible API below /notify.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/store/memstore"
)

func main() {
	addr := flag.String("addr", "", "also serve the API below /notify on this address, e.g. 127.0.0.1:6011")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, *addr); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, out io.Writer, addr string) error {
	queue := memqueue.New(memqueue.Options{}) // several processes: redisqueue.New
	defer queue.Close()
	n, err := notify.New(notify.Config{
		Store:     memstore.New(), // production: gormstore.OpenPostgres
		Queue:     queue,
		SecretKey: []byte(os.Getenv("NOTIFY_SECRET_KEY")), // empty: a development key, with a warning
	})
	if err != nil {
		return err
	}
	defer n.Close(context.WithoutCancel(ctx)) // stops Run, stores what was accepted; before the queue's Close
	go func() {
		if err := n.Run(ctx); err != nil { // workers: deliver, apply receipts, sweep
			log.Print(err)
		}
	}()

	// A trial service sends only to its team and guest list.
	svc, err := n.CreateService(ctx, notify.Service{Name: "Passports", Restricted: true})
	if err != nil {
		return err
	}
	if err := n.AddTeamMember(ctx, notify.TeamMember{ServiceID: svc.ID, MobileNumber: "07700 900123"}); err != nil {
		return err
	}
	key, err := n.CreateAPIKey(ctx, svc.ID, "backend", notify.KeyTypeLive)
	if err != nil {
		return err
	}
	tpl, err := n.CreateTemplate(ctx, notify.Template{ServiceID: svc.ID, Type: notify.SMS, Name: "Code",
		Content: "Your code is ((code))"})
	if err != nil {
		return err
	}
	caller, err := n.Caller(ctx, svc.ID, key.ID)
	if err != nil {
		return err
	}

	for _, to := range []string{"07700 900123", "07700 900456"} {
		nt, err := n.SendSMS(ctx, caller, &notify.SMSRequest{PhoneNumber: to, TemplateID: tpl.ID,
			Personalisation: map[string]any{"code": "4821"}})
		switch {
		case errors.Is(err, notify.ErrTrialMode):
			fmt.Fprintln(out, to, "refused: not in the team while the service is in trial mode")
		case err != nil:
			return err
		default:
			for !nt.Status.Final() {
				time.Sleep(10 * time.Millisecond)
				if nt, err = n.Get(ctx, caller, nt.ID); err != nil {
					return err
				}
			}
			fmt.Fprintln(out, to, nt.Status+":", nt.Body)
		}
	}
	if addr == "" {
		return nil
	}

	// The API for GOV.UK Notify's clients, mounted below /notify.
	mux := http.NewServeMux()
	mux.Handle("/notify/", http.StripPrefix("/notify", httpapi.New(n, httpapi.Options{BaseURL: "/notify"})))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "serving on http://%s/notify with key %s\n", ln.Addr(), notify.FormatKey(key.Name, svc.ID, key.Secret))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); _ = srv.Shutdown(context.WithoutCancel(ctx)) }()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
