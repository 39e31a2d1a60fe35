package notify_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/cache/memcache"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/store/memstore"
)

// discardQueue accepts tasks and drops them, so the benchmark measures the
// send path, not a growing queue.
type discardQueue struct{}

func (discardQueue) Enqueue(context.Context, string, notify.Task) error { return nil }
func (discardQueue) Consume(ctx context.Context, _ string, _ notify.Handler) error {
	<-ctx.Done()
	return nil
}

// BenchmarkSendSMS measures SendSMS on memory adapters: a live key of a
// live service, a UK mobile, a template with two placeholders.
func BenchmarkSendSMS(b *testing.B) {
	for _, bc := range []struct {
		name  string
		queue notify.Queue
	}{
		{"memqueue", memqueue.New(memqueue.Options{})},
		{"discard-queue", discardQueue{}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			n, err := notify.New(notify.Config{Store: memstore.New(), Queue: bc.queue, Cache: memcache.New(memcache.Options{}),
				SecretKey: []byte("bench: a secret key of 32 bytes or more"), Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			svc, _ := n.CreateService(ctx, notify.Service{Name: "Bench", MessageLimit: 1 << 30, SMSMessageLimit: 1 << 30, RateLimit: 1 << 30})
			tpl, _ := n.CreateTemplate(ctx, notify.Template{ServiceID: svc.ID, Type: notify.SMS, Name: "t",
				Content: "Hello ((name)), your appointment is on ((date)). Reply STOP to opt out."})
			key, _ := n.CreateAPIKey(ctx, svc.ID, "k", notify.KeyTypeLive)
			caller := &notify.Caller{Service: svc, Key: key}
			req := &notify.SMSRequest{PhoneNumber: "07723 456789", TemplateID: tpl.ID,
				Personalisation: map[string]any{"name": "Sam", "date": "1 December"}}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := n.SendSMS(ctx, caller, req); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if c, ok := bc.queue.(interface{ Close() error }); ok {
				_ = c.Close()
			}
			_ = time.Second
		})
	}
}
