// Command customprovider serves the Notify-compatible API with a team's own
// SMS vendor: text messages go out through Skylark (package skylark, a
// made-up HTTP SMS gateway) and Skylark's delivery receipts come back to
// POST /notifications/sms/skylark, mounted by httpapi from the provider
// itself, as the built-in providers' webhooks are.
//
//	SKYLARK_API_KEY=... SKYLARK_WEBHOOK_SECRET=... \
//	  go run ./examples/customprovider -skylark-url https://api.skylark.example
//
// It keeps everything in memory and prints a demo service's API key on
// start.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/examples/customprovider/skylark"
	"github.com/notifykit/notify/httpapi"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/store/memstore"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6012", "address to serve the API on")
	base := flag.String("skylark-url", "", "Skylark's API base URL")
	flag.Parse()
	if *base == "" {
		// Skylark is made up: there is no real API to point at.
		fmt.Fprintln(os.Stderr, "customprovider: -skylark-url is required (Skylark is a made-up vendor; "+
			"go test ./examples/customprovider/ runs this example against a fake Skylark)")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	o := skylark.Options{BaseURL: *base, APIKey: os.Getenv("SKYLARK_API_KEY"), WebhookSecret: os.Getenv("SKYLARK_WEBHOOK_SECRET")}
	if err := run(ctx, *addr, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "customprovider:", err)
		os.Exit(1)
	}
}

// setup builds a Notifier that sends text messages through Skylark and the
// API that serves it, Skylark's receipt webhook included.
func setup(o skylark.Options, log *slog.Logger) (*notify.Notifier, http.Handler, error) {
	p, err := skylark.New(o)
	if err != nil {
		return nil, nil, err
	}
	n, err := notify.New(notify.Config{Store: memstore.New(), Queue: memqueue.New(memqueue.Options{}),
		Providers: []notify.Provider{p}, SecretKey: []byte("customprovider example: use a real secret key"), Logger: log})
	if err != nil {
		return nil, nil, err
	}
	return n, httpapi.New(n, httpapi.Options{Logger: log, Webhooks: []notify.WebhookProvider{p}}), nil
}

// demo creates a live service with an SMS template and returns a live API
// key for it.
func demo(ctx context.Context, n *notify.Notifier) (key string, tpl *notify.Template, err error) {
	svc, err := n.CreateService(ctx, notify.Service{Name: "Skylark demo"})
	if err != nil {
		return "", nil, err
	}
	k, err := n.CreateAPIKey(ctx, svc.ID, "skylark-demo", notify.KeyTypeLive)
	if err != nil {
		return "", nil, err
	}
	tpl, err = n.CreateTemplate(ctx, notify.Template{ServiceID: svc.ID, Type: notify.SMS, Name: "Code",
		Content: "Your code is ((code))"})
	if err != nil {
		return "", nil, err
	}
	return notify.FormatKey(k.Name, svc.ID, k.Secret), tpl, nil
}

// run serves the API on addr and delivers until ctx is done.
func run(ctx context.Context, addr string, o skylark.Options, out io.Writer) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	n, api, err := setup(o, log)
	if err != nil {
		return err
	}
	key, tpl, err := demo(ctx, n)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "API key: %s\nSMS template: %s\n", key, tpl.ID)
	srv := &http.Server{Addr: addr, Handler: api, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	workers := make(chan error, 1)
	go func() { workers <- n.Run(ctx) }()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if err := <-workers; err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
