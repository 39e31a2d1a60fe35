package notify_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/stats/instrument"
)

// BenchmarkTrickle measures delivery while notifications arrive at a
// steady rate (trickleRate a second for trickleFor, as sends do under a
// closed loop of clients) rather than all waiting at once, on PostgreSQL
// with Redis: notifications/batch is how many a worker's batch holds on
// average (from the claim calls), statements/notification the claim and
// transition calls per notification.
func BenchmarkTrickle(b *testing.B) {
	const (
		trickleRate = 800
		trickleFor  = 3 * time.Second
	)
	total := int(trickleRate * trickleFor / time.Second)
	for b.Loop() {
		b.StopTimer()
		s, q := benchPostgresStore(b), benchRedisQueue(b)
		stats := newDeliveryStats()
		n, err := notify.New(instrument.Config(notify.Config{Store: s, Queue: q, Stats: stats, SecretKey: []byte("bench: a secret key of 32 bytes or more"),
			Logger: slog.New(slog.DiscardHandler)}, instrument.DefaultPrefix))
		if err != nil {
			b.Fatal(err)
		}
		svc, err := n.CreateService(ctx, notify.Service{Name: "Trickle", MessageLimit: 1 << 30, SMSMessageLimit: 1 << 30, RateLimit: 1 << 30})
		if err != nil {
			b.Fatal(err)
		}
		tpl, err := n.CreateTemplate(ctx, notify.Template{ServiceID: svc.ID, Type: notify.SMS, Name: "t", Content: "Hello ((name))"})
		if err != nil {
			b.Fatal(err)
		}
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			done <- n.RunWith(runCtx, notify.RunOptions{Queues: []string{notify.QueueSendSMS}, NoSweeper: true})
		}()
		b.StartTimer()
		start := time.Now()
		var wg sync.WaitGroup
		slots := make(chan struct{}, 16)
		for i := range total {
			time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / trickleRate)))
			slots <- struct{}{}
			wg.Go(func() {
				defer func() { <-slots }()
				nt := &notify.Notification{
					ID: uuid.New(), ServiceID: svc.ID, TemplateID: tpl.ID, TemplateVersion: 1,
					KeyType: notify.KeyTypeLive, Type: notify.SMS, To: "07723 456789", NormalisedTo: "447723456789",
					Personalisation: map[string]any{"name": "Sam"}, Body: "Hello Sam", From: "notify",
					Status: notify.StatusCreated, Queue: notify.QueueSendSMS, PhonePrefix: "44", RateMultiplier: 1,
					CreatedAt: time.Now(),
				}
				if err := s.CreateNotification(ctx, nt); err != nil {
					b.Error(err)
					return
				}
				if err := q.Enqueue(ctx, notify.QueueSendSMS, notify.Task{Name: notify.TaskDeliverSMS, NotificationID: nt.ID}); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
		deadline := time.Now().Add(time.Minute)
		for stats.count(instrument.DefaultPrefix+"callback.sandbox.delivered") < total {
			if time.Now().After(deadline) {
				b.Fatal("not all delivered after a minute")
			}
			time.Sleep(time.Millisecond)
		}
		b.StopTimer()
		stop()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		p := instrument.DefaultPrefix
		claims := stats.count(p+"dao.claim_notifications") + stats.count(p+"dao.claim_notification")
		writes := claims + stats.count(p+"dao.transition_notifications") + stats.count(p+"dao.transition_notification")
		b.ReportMetric(float64(total)/float64(claims), "notifications/batch")
		b.ReportMetric(float64(writes)/float64(total), "statements/notification")
		b.StartTimer()
	}
}
