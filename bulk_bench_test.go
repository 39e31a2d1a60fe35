package notify_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/store/gormstore"
	"github.com/notifykit/notify/store/memstore"
)

// bulkCSV is a CSV of rows rows for the template "Hello ((name)), your
// reference is ((ref))."
func bulkCSV(rows int) string {
	var b strings.Builder
	b.WriteString("email address,name,ref\r\n")
	for i := range rows {
		fmt.Fprintf(&b, "person%d@example.com,Person %d,REF-%08d\r\n", i, i, i)
	}
	return b.String()
}

// BenchmarkSendBulk measures the acceptance of a 100,000-row job: parsing,
// every row checked and rendered, the job and its rows stored (COPY on
// PostgreSQL, when NOTIFY_TEST_POSTGRES_DSN is set; one transaction of
// batch INSERTs on SQLite). One op is one job.
func BenchmarkSendBulk(b *testing.B) {
	stores := map[string]func(b *testing.B) notify.Store{
		"memstore": func(*testing.B) notify.Store { return memstore.New() },
		"sqlite": func(b *testing.B) notify.Store {
			s, err := gormstore.OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "notify.db"), gormstore.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			return s
		},
	}
	if os.Getenv("NOTIFY_TEST_POSTGRES_DSN") != "" {
		stores["postgres"] = func(b *testing.B) notify.Store {
			s, err := gormstore.OpenPostgres(context.Background(), benchSchemaDSN(b), gormstore.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			return s
		}
	}
	const rows = 100_000
	csv := bulkCSV(rows)
	for name, open := range stores {
		b.Run(name, func(b *testing.B) {
			n, err := notify.New(notify.Config{Store: open(b), Queue: discardQueue{},
				SecretKey: []byte("bench: a secret key of 32 bytes or more"), Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			svc, _ := n.CreateService(ctx, notify.Service{Name: "Bench", EmailMessageLimit: 1 << 30, RateLimit: 1 << 30})
			tpl, _ := n.CreateTemplate(ctx, notify.Template{ServiceID: svc.ID, Type: notify.Email, Name: "t", Subject: "Ref",
				Content: "Hello ((name)), your reference is ((ref))."})
			key, _ := n.CreateAPIKey(ctx, svc.ID, "k", notify.KeyTypeLive)
			caller := &notify.Caller{Service: svc, Key: key}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := n.SendBulk(ctx, caller, &notify.BulkRequest{Name: "b.csv", TemplateID: tpl.ID, CSV: csv}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
