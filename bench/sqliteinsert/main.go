// Command sqliteinsert measures the SQLite floor of the benchmark: single-row
// INSERTs, each its own transaction, into bench_notifications, a copy
// (columns and indexes) of the notifications table of a notifyd SQLite
// database, opened as the server opens it (pure-Go driver modernc.org/sqlite,
// WAL, synchronous NORMAL, one writer connection beginning IMMEDIATE
// transactions, the statement prepared once) and driven
// by the same number of clients as the loader. It is to SQLite what pgbench
// is to PostgreSQL in bench/run.sh.
//
//	go run ./bench/sqliteinsert -db notify.db -c 8 -d 15s
//
// Run it on a database no server is using. The copy is dropped at the end.
// The last line is key=value pairs: inserts=N inserts_per_s=F errors=N.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"
)

const copyName = "bench_notifications"

// insertSQL is one row shaped like the server's rows for the benchmark's
// SMS template (see bench/run.sh's seed).
const insertSQL = `INSERT INTO ` + copyName + ` (id, service_id, template_id, template_version, api_key_id, key_type,
	notification_type, recipient, normalised_recipient, client_reference, personalisation, body, subject,
	sender, reply_to, unsubscribe_url, status, queue, international, phone_prefix, rate_multiplier,
	billable_units, sent_by, sent_at, provider_reference, job_id, job_row_number, claimed_until,
	delivery_attempts, created_at, updated_at)
	VALUES (?, ?, ?, 1, ?, 'normal', 'sms', '07700 900123', '447700900123', NULL, '{"code":"123456"}',
	'Your code is 123456', '', 'notify', '', NULL, 'created', 'send-sms', 0, '44', 1, 1, '', NULL, NULL, NULL,
	NULL, NULL, 0, ?, NULL)`

func main() {
	file := flag.String("db", "", "SQLite database file with a notifications table")
	clients := flag.Int("c", 8, "concurrent clients")
	duration := flag.Duration("d", 15*time.Second, "duration")
	flag.Parse()
	if *file == "" || *clients <= 0 || *duration <= 0 {
		fmt.Fprintln(os.Stderr, "sqliteinsert: -db is required; -c and -d must be positive")
		os.Exit(2)
	}
	if err := run(*file, *clients, *duration); err != nil {
		fmt.Fprintln(os.Stderr, "sqliteinsert:", err)
		os.Exit(1)
	}
}

func run(file string, clients int, duration time.Duration) error {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_txlock", "immediate")
	db, err := sql.Open("sqlite", file+"?"+q.Encode())
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)

	if err := makeCopy(db); err != nil {
		return err
	}
	defer db.Exec(`DROP TABLE IF EXISTS ` + copyName) //nolint:errcheck // best effort at exit
	// Prepared once, as the server's statements are: the driver keeps the
	// compiled statement on the one connection.
	stmt, err := db.Prepare(insertSQL)
	if err != nil {
		return err
	}
	defer stmt.Close()

	service, template, key := uuid.New().String(), uuid.New().String(), uuid.New().String()
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var inserts, errs atomic.Int64
	var firstErr atomic.Value
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				// Each statement is its own (autocommit) transaction, as
				// the server's CreateNotification.
				_, err := stmt.Exec(uuid.New().String(), service, template, key, time.Now().UnixMicro())
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				inserts.Add(1)
			}
		})
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	rate := float64(inserts.Load()) / secs
	fmt.Printf("single-row inserts into a copy of notifications: %d in %.2fs = %.1f/s (%d clients, %d errors)\n",
		inserts.Load(), secs, rate, clients, errs.Load())
	if e, ok := firstErr.Load().(string); ok {
		fmt.Println("first error:", e)
	}
	fmt.Printf("inserts=%d inserts_per_s=%.1f errors=%d clients=%d\n", inserts.Load(), rate, errs.Load(), clients)
	return nil
}

// onNotifications finds the table of an index's statement, which may
// break its line after the table name.
var onNotifications = regexp.MustCompile(`\sON\s+notifications(\s|\()`)

// makeCopy creates bench_notifications with the columns and indexes of
// notifications, from the statements SQLite keeps in sqlite_master.
func makeCopy(db *sql.DB) error {
	if _, err := db.Exec(`DROP TABLE IF EXISTS ` + copyName); err != nil {
		return err
	}
	type obj struct {
		Type, Name, SQL string
	}
	var objs []obj
	rows, err := db.Query(`SELECT type, name, sql FROM sqlite_master
		WHERE tbl_name = 'notifications' AND sql IS NOT NULL ORDER BY type DESC`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var o obj
		if err := rows.Scan(&o.Type, &o.Name, &o.SQL); err != nil {
			rows.Close()
			return err
		}
		objs = append(objs, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(objs) == 0 || objs[0].Type != "table" {
		return fmt.Errorf("no notifications table in the database")
	}
	for _, o := range objs {
		stmt := o.SQL
		switch o.Type {
		case "table":
			stmt = strings.Replace(stmt, "notifications", copyName, 1)
		case "index":
			stmt = strings.Replace(stmt, " "+o.Name+" ", " bench_"+o.Name+" ", 1)
			stmt = onNotifications.ReplaceAllString(stmt, " ON "+copyName+"$1")
			if !strings.Contains(stmt, copyName) {
				return fmt.Errorf("cannot copy index %s: %s", o.Name, o.SQL)
			}
		}
		if _, err := db.Exec(stmt); err != nil {
			return fmt.Errorf("copy %s %s: %w", o.Type, o.Name, err)
		}
	}
	return nil
}
