package notify_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/store/memstore"
)

// BenchmarkAuthenticate measures Authenticate of a token of a live key
// with the read cache in front of the memory store: what a server does
// for each request, less HTTP. The service has a second key, tried too
// when it comes first.
func BenchmarkAuthenticate(b *testing.B) {
	n, err := notify.New(notify.Config{Store: memstore.New(), Queue: memqueue.New(memqueue.Options{}),
		SecretKey: testSecretKey, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	svc, err := n.CreateService(ctx, notify.Service{Name: "Auth", MessageLimit: 1000, SMSMessageLimit: 1000, RateLimit: 1000})
	if err != nil {
		b.Fatal(err)
	}
	var key *notify.APIKey
	for _, name := range []string{"old", "new"} {
		if key, err = n.CreateAPIKey(ctx, svc.ID, name, notify.KeyTypeLive); err != nil {
			b.Fatal(err)
		}
	}
	token, err := notify.NewToken(svc.ID, key.Secret, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	header := "Bearer " + token
	b.ReportAllocs()
	for b.Loop() {
		if _, err := n.Authenticate(ctx, header); err != nil {
			b.Fatal(err)
		}
	}
}
