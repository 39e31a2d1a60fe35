package notify_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, to make a schema

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/cache/memcache"
	"github.com/notifykit/notify/store/gormstore"
)

// discardBatchQueue is a discardQueue that also takes batches.
type discardBatchQueue struct{ discardQueue }

func (discardBatchQueue) EnqueueBatch(context.Context, []notify.QueuedTask) []error { return nil }

// BenchmarkSendSMSParallel measures SendSMS from 32 goroutines per CPU, as
// an API server under load sees it, on gormstore (SQLite, and PostgreSQL
// when NOTIFY_TEST_POSTGRES_DSN is set), with group commit off and on.
// sends/s is the throughput.
func BenchmarkSendSMSParallel(b *testing.B) {
	stores := []struct {
		name string
		open func(b *testing.B) notify.Store
	}{
		{"sqlite", func(b *testing.B) notify.Store {
			st, err := gormstore.OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "notify.db"), gormstore.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = st.Close() })
			return st
		}},
		{"postgres", func(b *testing.B) notify.Store {
			st, err := gormstore.OpenPostgres(context.Background(), benchSchemaDSN(b), gormstore.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = st.Close() })
			return st
		}},
	}
	modes := []struct {
		name string
		gc   notify.GroupCommit
	}{
		{"one-by-one", notify.GroupCommit{Disabled: true}},
		{"group-commit", notify.GroupCommit{InFlight: 1}},
		{"group-commit-2", notify.GroupCommit{InFlight: 2}},
	}
	for _, st := range stores {
		for _, m := range modes {
			b.Run(st.name+"/"+m.name, func(b *testing.B) {
				benchSendParallel(b, st.open(b), m.gc)
			})
		}
	}
}

// countingStore counts the commits and rows of its BatchCreator.
type countingStore struct {
	notify.Store
	commits, rows atomic.Int64
}

func (s *countingStore) CreateNotifications(ctx context.Context, ns []*notify.Notification) []error {
	s.commits.Add(1)
	s.rows.Add(int64(len(ns)))
	return s.Store.(notify.BatchCreator).CreateNotifications(ctx, ns)
}

func benchSendParallel(b *testing.B, inner notify.Store, gc notify.GroupCommit) {
	st := &countingStore{Store: inner}
	n, err := notify.New(notify.Config{Store: st, Queue: discardBatchQueue{}, Cache: memcache.New(memcache.Options{}),
		SecretKey: []byte("bench: a secret key of 32 bytes or more"), Logger: slog.New(slog.DiscardHandler), GroupCommit: gc})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	svc, err := n.CreateService(ctx, notify.Service{Name: "Bench", MessageLimit: 1 << 30, SMSMessageLimit: 1 << 30, RateLimit: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	tpl, err := n.CreateTemplate(ctx, notify.Template{ServiceID: svc.ID, Type: notify.SMS, Name: "t",
		Content: "Hello ((name)), your appointment is on ((date)). Reply STOP to opt out."})
	if err != nil {
		b.Fatal(err)
	}
	key, err := n.CreateAPIKey(ctx, svc.ID, "k", notify.KeyTypeLive)
	if err != nil {
		b.Fatal(err)
	}
	caller := &notify.Caller{Service: svc, Key: key}
	req := &notify.SMSRequest{PhoneNumber: "07723 456789", TemplateID: tpl.ID,
		Personalisation: map[string]any{"name": "Sam", "date": "1 December"}}
	b.SetParallelism(32)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := n.SendSMS(ctx, caller, req); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sends/s")
	if c := st.commits.Load(); c > 0 {
		b.ReportMetric(float64(st.rows.Load())/float64(c), "rows/commit")
	}
}

// benchSchemaDSN creates an empty PostgreSQL schema for one benchmark,
// dropped when it ends, and returns a DSN whose search_path points at it.
// It skips without NOTIFY_TEST_POSTGRES_DSN.
func benchSchemaDSN(b *testing.B) string {
	dsn := os.Getenv("NOTIFY_TEST_POSTGRES_DSN")
	if dsn == "" {
		b.Skip("NOTIFY_TEST_POSTGRES_DSN not set: skipping PostgreSQL")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	schema := "bench_" + strings.ReplaceAll(uuid.NewString(), "-", "")
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
		_ = db.Close()
	})
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			b.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return fmt.Sprintf("%s search_path=%s", dsn, schema)
}
