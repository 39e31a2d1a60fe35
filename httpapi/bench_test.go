package httpapi_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	notify "github.com/notifykit/notify"
	"github.com/notifykit/notify/cache/memcache"
	"github.com/notifykit/notify/httpapi"
	"github.com/notifykit/notify/store/memstore"
)

// discardQueue drops every task.
type discardQueue struct{}

func (discardQueue) Enqueue(context.Context, string, notify.Task) error { return nil }
func (discardQueue) Consume(ctx context.Context, _ string, _ notify.Handler) error {
	<-ctx.Done()
	return nil
}

// BenchmarkPostSMS measures POST /v2/notifications/sms through the whole
// handler (middleware, JWT check, body, send, answer) on memory adapters,
// with a fresh token every 1,000 requests: the CPU and allocations the API
// spends per send apart from the network and the database. The daily
// counters are in a cache, as in any deployment: without one every send
// counts the day's notifications in the store, which memstore does by
// scanning them all, and the figure would grow with b.N.
func BenchmarkPostSMS(b *testing.B) {
	n, err := notify.New(notify.Config{Store: memstore.New(), Queue: discardQueue{}, Cache: memcache.New(memcache.Options{}),
		SecretKey: []byte("httpapi bench: a 32-byte secret key"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	svc, err := n.CreateService(ctx, notify.Service{Name: "Bench", SMSMessageLimit: 1 << 30, RateLimit: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	key, err := n.CreateAPIKey(ctx, svc.ID, "k", notify.KeyTypeLive)
	if err != nil {
		b.Fatal(err)
	}
	tpl, err := n.CreateTemplate(ctx, notify.Template{ServiceID: svc.ID, Type: notify.SMS, Name: "t",
		Content: "Your code is ((code))"})
	if err != nil {
		b.Fatal(err)
	}
	h := httpapi.New(n, httpapi.Options{Logger: slog.New(slog.DiscardHandler)})
	body := []byte(`{"phone_number": "07700 900123", "template_id": "` + tpl.ID.String() + `", "personalisation": {"code": "123456"}}`)
	var auth string
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if i%1000 == 0 {
			tok, err := notify.NewToken(key.ServiceID, key.Secret, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			auth = "Bearer " + tok
		}
		r := httptest.NewRequest(http.MethodPost, "/v2/notifications/sms", bytes.NewReader(body))
		r.Header.Set("Authorization", auth)
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusCreated {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
