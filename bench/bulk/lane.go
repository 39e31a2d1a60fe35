package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/cache/memcache"
	"github.com/notifykit/notify/provider/sandbox"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/store/memstore"
)

// lane measures, on memory adapters in this process, the delivery latency
// of single sends (created_at to sent_at: handed to the provider) at a
// steady rate, alone and while a job of rows rows drains through the bulk
// lane on the same workers, and prints p50 and p99 of each.
func lane(rows, singles int, rate float64, latency time.Duration) {
	for _, withJob := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		q := memqueue.New(memqueue.Options{})
		n, err := notify.New(notify.Config{Store: memstore.New(), Queue: q, Cache: memcache.New(memcache.Options{}),
			Sandbox: sandbox.New(sandbox.Options{Latency: latency}), SecretKey: []byte("bench/bulk: a secret key of 32 bytes"),
			Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			fail(err)
		}
		svc, _ := n.CreateService(ctx, notify.Service{Name: "Bench", SMSMessageLimit: 1 << 30, RateLimit: 1 << 30})
		tpl, _ := n.CreateTemplate(ctx, notify.Template{ServiceID: svc.ID, Type: notify.SMS, Name: "t", Content: "Hello ((name))"})
		key, _ := n.CreateAPIKey(ctx, svc.ID, "k", notify.KeyTypeLive)
		caller := &notify.Caller{Service: svc, Key: key}
		done := make(chan struct{})
		go func() { defer close(done); _ = n.Run(ctx) }()
		if withJob {
			var csv strings.Builder
			csv.WriteString("phone number,name\r\n")
			for i := range rows {
				fmt.Fprintf(&csv, "07700 90%04d,P%d\r\n", 3000+i%6000, i)
			}
			if _, err := n.SendBulk(ctx, caller, &notify.BulkRequest{Name: "lane.csv", TemplateID: tpl.ID, CSV: csv.String()}); err != nil {
				fail(err)
			}
			time.Sleep(200 * time.Millisecond) // the job has started draining
		}
		ids := make([]uuid.UUID, 0, singles)
		tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
		for range singles {
			<-tick.C
			nt, err := n.SendSMS(ctx, caller, &notify.SMSRequest{PhoneNumber: "07700 900321", TemplateID: tpl.ID,
				Personalisation: map[string]any{"name": "single"}})
			if err != nil {
				fail(err)
			}
			ids = append(ids, nt.ID)
		}
		tick.Stop()
		var lat []time.Duration
		deadline := time.Now().Add(2 * time.Minute)
		for _, id := range ids {
			for {
				nt, err := n.Store().GetNotification(ctx, id)
				if err == nil && nt.SentAt != nil {
					lat = append(lat, nt.SentAt.Sub(nt.CreatedAt))
					break
				}
				if time.Now().After(deadline) {
					fail(fmt.Errorf("single send %s not sent in time", id))
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		drained := -1
		if withJob {
			list, _ := n.Store().ListNotifications(ctx, notify.NotificationFilter{ServiceID: svc.ID, IncludeJobs: true,
				Statuses: []notify.Status{notify.StatusCreated}})
			drained = rows - len(list)
		}
		cancel()
		<-done
		_ = q.Close()
		slices.Sort(lat)
		fmt.Printf("lane job_rows=%d with_job=%t singles=%d rate_per_s=%.0f p50_ms=%.1f p99_ms=%.1f job_rows_sent_meanwhile=%d\n",
			rows, withJob, singles, rate, ms(lat[len(lat)/2]), ms(lat[len(lat)*99/100]), drained)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
