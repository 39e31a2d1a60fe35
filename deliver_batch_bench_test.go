package notify_test

import (
	"context"
	"database/sql"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", to create a schema per run
	"github.com/redis/go-redis/v9"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/queue/redisqueue"
	"github.com/notifykit/notify/stats/instrument"
	"github.com/notifykit/notify/store/gormstore"
)

// drainSize is how many notifications each drain delivers.
const drainSize = 5000

// BenchmarkDrain measures delivery end to end: drainSize notifications are
// created and queued, then the workers start and the clock runs until every
// one is final (delivered through the built-in sandbox, receipt applied).
// It compares batched delivery (RunOptions.BatchSize 64) with one task at a
// time, on SQLite with an in-process batch queue, and, when
// NOTIFY_TEST_REDIS_ADDR and NOTIFY_TEST_POSTGRES_DSN are set, on SQLite
// and on PostgreSQL with Redis (4 workers per queue, as notifyd runs by
// default). final/s is the figure to read; cpu-µs/final is the CPU time
// the process (workers, queue and store clients; not the database) spent
// per notification during the drains, steadier than final/s on a busy
// machine.
func BenchmarkDrain(b *testing.B) {
	type backend struct {
		name  string
		store func(b *testing.B) notify.Store
		queue func(b *testing.B) notify.Queue
	}
	backends := []backend{
		{"sqlite+memory-batch-queue", func(b *testing.B) notify.Store { return deliverySQLite(b) },
			func(*testing.B) notify.Queue { return newChanBatchQueue() }},
		{"sqlite+redis", func(b *testing.B) notify.Store { return deliverySQLite(b) }, benchRedisQueue},
		{"postgres+redis", benchPostgresStore, benchRedisQueue},
	}
	for _, be := range backends {
		for _, mode := range []struct {
			name  string
			batch int
		}{{"batch", 0}, {"per-task", 1}} {
			b.Run(be.name+"/"+mode.name, func(b *testing.B) {
				var total, cpu time.Duration
				drains := 0
				for b.Loop() {
					b.StopTimer()
					d := newDrain(b, be.store(b), be.queue(b))
					b.StartTimer()
					cpu0 := processCPU()
					total += d.run(b, mode.batch)
					cpu += processCPU() - cpu0
					drains++
				}
				b.ReportMetric(float64(drains*drainSize)/total.Seconds(), "final/s")
				b.ReportMetric(float64(cpu.Microseconds())/float64(drains*drainSize), "cpu-µs/final")
			})
		}
	}
}

// drain is one Notifier with drainSize notifications waiting.
type drain struct {
	n     *notify.Notifier
	stats *deliveryStats
}

// newDrain builds a Notifier on s and q and creates and queues drainSize
// SMS notifications of a live service, from 16 goroutines.
func newDrain(b *testing.B, s notify.Store, q notify.Queue) *drain {
	b.Helper()
	stats := newDeliveryStats()
	n, err := notify.New(instrument.Config(notify.Config{Store: s, Queue: q, Stats: stats, SecretKey: []byte("bench: a secret key of 32 bytes or more"),
		Logger: slog.New(slog.DiscardHandler)}, instrument.DefaultPrefix))
	if err != nil {
		b.Fatal(err)
	}
	svc, err := n.CreateService(ctx, notify.Service{Name: "Drain", MessageLimit: 1 << 30, SMSMessageLimit: 1 << 30, RateLimit: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	tpl, err := n.CreateTemplate(ctx, notify.Template{ServiceID: svc.ID, Type: notify.SMS, Name: "t", Content: "Hello ((name))"})
	if err != nil {
		b.Fatal(err)
	}
	key, err := n.CreateAPIKey(ctx, svc.ID, "k", notify.KeyTypeLive)
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 16 {
		wg.Go(func() {
			for i := w; i < drainSize; i += 16 {
				nt := &notify.Notification{
					ID: uuid.New(), ServiceID: svc.ID, TemplateID: tpl.ID, TemplateVersion: 1, APIKeyID: key.ID,
					KeyType: notify.KeyTypeLive, Type: notify.SMS, To: "07723 456789", NormalisedTo: "447723456789",
					Personalisation: map[string]any{"name": "Sam"}, Body: "Hello Sam", From: "notify",
					Status: notify.StatusCreated, Queue: notify.QueueSendSMS, PhonePrefix: "44", RateMultiplier: 1,
					CreatedAt: time.Now(),
				}
				if err := s.CreateNotification(ctx, nt); err != nil {
					errs <- err
					return
				}
				if err := q.Enqueue(ctx, notify.QueueSendSMS, notify.Task{Name: notify.TaskDeliverSMS, NotificationID: nt.ID}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return &drain{n: n, stats: stats}
}

// run starts the workers and returns how long they took to make every
// notification final.
func (d *drain) run(b *testing.B, batchSize int) time.Duration {
	b.Helper()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		done <- d.n.RunWith(runCtx, notify.RunOptions{Queues: []string{notify.QueueSendSMS}, NoSweeper: true, BatchSize: batchSize})
	}()
	final := func() int { return d.stats.count(instrument.DefaultPrefix + "callback.sandbox.delivered") }
	deadline := start.Add(5 * time.Minute)
	for final() < drainSize {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d final after 5 minutes", final(), drainSize)
		}
		time.Sleep(time.Millisecond)
	}
	took := time.Since(start)
	stop()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	return took
}

// benchRedisQueue returns a redisqueue on NOTIFY_TEST_REDIS_ADDR under a
// prefix of its own, deleted afterwards, or skips.
func benchRedisQueue(b *testing.B) notify.Queue {
	b.Helper()
	addr := os.Getenv("NOTIFY_TEST_REDIS_ADDR")
	if addr == "" {
		b.Skip("NOTIFY_TEST_REDIS_ADDR not set: skipping Redis")
	}
	client := redis.NewClient(&redis.Options{Addr: addr, PoolSize: 64})
	prefix := "drain-" + uuid.NewString()[:8] + ":"
	q := redisqueue.New(client, redisqueue.Options{Prefix: prefix, Logger: slog.New(slog.DiscardHandler)})
	b.Cleanup(func() {
		_ = q.Close()
		keys, _ := client.Keys(context.Background(), prefix+"*").Result()
		if len(keys) > 0 {
			_ = client.Del(context.Background(), keys...).Err()
		}
		_ = client.Close()
	})
	return q
}

// benchPostgresStore returns a gormstore in a fresh schema of the database
// at NOTIFY_TEST_POSTGRES_DSN, dropped afterwards, or skips.
func benchPostgresStore(b *testing.B) notify.Store {
	b.Helper()
	dsn := os.Getenv("NOTIFY_TEST_POSTGRES_DSN")
	if dsn == "" {
		b.Skip("NOTIFY_TEST_POSTGRES_DSN not set: skipping PostgreSQL")
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	schema := "drain_" + strings.ReplaceAll(uuid.NewString(), "-", "")
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		b.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		b.Fatalf("NOTIFY_TEST_POSTGRES_DSN must be a postgres:// URL here: %v", err)
	}
	query := u.Query()
	query.Set("search_path", schema)
	u.RawQuery = query.Encode()
	st, err := gormstore.OpenPostgres(ctx, u.String(), gormstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = st.Close()
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		_ = admin.Close()
	})
	return st
}
