package gormstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	notify "github.com/notifykit/notify"
)

// BenchmarkCreateNotifications measures one multi-row insert of a batch
// of typical API-sent SMS, on SQLite and, when configured, PostgreSQL;
// ns/op is per batch, rows/s the throughput.
func BenchmarkCreateNotifications(b *testing.B) {
	for _, size := range []int{1, 16, 256, 1000} {
		b.Run(fmt.Sprintf("sqlite-%d", size), func(b *testing.B) { benchBatch(b, newSQLite(b), size) })
		b.Run(fmt.Sprintf("postgres-%d", size), func(b *testing.B) {
			pgDSN(b)
			benchBatch(b, newPostgres(b), size)
		})
	}
}

func benchBatch(b *testing.B, st *Store, size int) {
	ctx := context.Background()
	svc, tmpl, key := uuid.New(), uuid.New(), uuid.New()
	batch := make([]*notify.Notification, size)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for i := range batch {
			batch[i] = benchNotification(svc, tmpl, key)
		}
		b.StartTimer()
		if errs := st.CreateNotifications(ctx, batch); errs != nil {
			b.Fatal(errs)
		}
	}
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "rows/s")
}
