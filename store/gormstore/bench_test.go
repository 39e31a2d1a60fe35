package gormstore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	notify "github.com/notifykit/notify"
)

// benchNotification is a typical API-sent SMS.
func benchNotification(serviceID, templateID, keyID uuid.UUID) *notify.Notification {
	ref := "benchmark-reference"
	return &notify.Notification{
		ID: uuid.New(), ServiceID: serviceID, TemplateID: templateID, TemplateVersion: 1, APIKeyID: keyID,
		KeyType: notify.KeyTypeLive, Type: notify.SMS, To: "07700 900 123", NormalisedTo: "447700900123",
		ClientReference: &ref, Personalisation: map[string]any{"name": "Amala", "code": "123456"},
		Body: "Hello Amala, your code is 123456", From: "notify", Status: notify.StatusCreated,
		Queue: notify.QueueSendSMS, RateMultiplier: 1, CreatedAt: time.Now(),
	}
}

func benchCreate(b *testing.B, st *Store, parallelism int) {
	ctx := context.Background()
	svc, tmpl, key := uuid.New(), uuid.New(), uuid.New()
	b.ReportAllocs()
	b.ResetTimer()
	if parallelism <= 0 {
		for b.Loop() {
			if err := st.CreateNotification(ctx, benchNotification(svc, tmpl, key)); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	// RunParallel starts parallelism × GOMAXPROCS goroutines.
	b.SetParallelism(max(1, parallelism/max(1, runtimeProcs())))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := st.CreateNotification(ctx, benchNotification(svc, tmpl, key)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// benchRawInsert is the ceiling for the store: the same INSERT through a
// prepared database/sql statement on the store's own writer pool, without
// gorm or the store's checks and encoding (values precomputed).
func benchRawInsert(b *testing.B, st *Store, parallelism int) {
	sqlDB, err := st.w.DB()
	if err != nil {
		b.Fatal(err)
	}
	query := insertNotificationSQL
	if st.dialect == dialectPostgres {
		for i := 1; strings.Contains(query, "?"); i++ {
			query = strings.Replace(query, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	stmt, err := sqlDB.Prepare(query)
	if err != nil {
		b.Fatal(err)
	}
	defer stmt.Close()
	n := benchNotification(uuid.New(), uuid.New(), uuid.New())
	pers, _ := jsonText(n.Personalisation)
	insert := func() error {
		_, err := stmt.Exec(uuid.NewString(), n.ServiceID.String(), n.TemplateID.String(), 1, n.APIKeyID.String(),
			"normal", "sms", n.To, n.NormalisedTo, *n.ClientReference, pers, n.Body, "", n.From, "", nil,
			"created", n.Queue, false, "", 1.0, 0, "", nil, nil, nil, nil, nil, st.ts(time.Now()), nil)
		return err
	}
	b.ReportAllocs()
	b.ResetTimer()
	if parallelism <= 0 {
		for b.Loop() {
			if err := insert(); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	b.SetParallelism(max(1, parallelism/max(1, runtimeProcs())))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := insert(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkCreateNotification measures the hot insert: on SQLite from one
// goroutine and from 8, on PostgreSQL from 8 goroutines (the pool holds 3
// connections per CPU). The -raw variants are the driver's ceiling. To see
// the database's own ceiling, create the schema in a schema pgb (open a
// store with search_path=pgb) and run pgbench with the same 30-column
// INSERT into pgb.notifications:
//
//	pgbench -n -c 8 -j 2 -T 10 -M prepared -f insert.sql notify_test
func BenchmarkCreateNotification(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchCreate(b, newSQLite(b), 0) })
	b.Run("sqlite-8", func(b *testing.B) { benchCreate(b, newSQLite(b), 8) })
	b.Run("sqlite-raw", func(b *testing.B) { benchRawInsert(b, newSQLite(b), 0) })
	b.Run("postgres-8", func(b *testing.B) {
		pgDSN(b)
		benchCreate(b, newPostgres(b), 8)
	})
	b.Run("postgres-8-raw", func(b *testing.B) {
		pgDSN(b)
		benchRawInsert(b, newPostgres(b), 8)
	})
}
