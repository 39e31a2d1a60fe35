// Command drain waits until every notification in a notifyd database is in
// a final status and says how long that took: the drain after a load.
//
//	go run ./bench/drain -postgres DSN -load-start-ms T0 -load-end-ms T1
//	go run ./bench/drain -sqlite notify.db -load-start-ms T0 -load-end-ms T1
//
// Final statuses are delivered, permanent-failure, temporary-failure and
// technical-failure, and sent for international text messages (they get no
// receipt). It polls the number of notifications not yet final every
// -interval, for at most -timeout, and prints, as its last line:
//
//	total=N final=N backlog=N drain_s=F final_per_s=F drain_per_s=F timed_out=0|1 statuses=...
//
// drain_s runs from the end of the load (-load-end-ms, or the start of this
// command) until the last poll that found nothing left; final_per_s is the
// final notifications divided by the time from the start of the load to
// that moment (end to end); backlog is what was not final at the first
// poll and drain_per_s that backlog divided by drain_s.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"
)

// notFinalSQL counts the notifications that are not final yet.
const notFinalSQL = `SELECT count(*) FROM notifications
	WHERE status IN ('created', 'sending', 'pending') OR (status = 'sent' AND NOT international)`

func main() {
	pg := flag.String("postgres", "", "PostgreSQL DSN")
	file := flag.String("sqlite", "", "SQLite database file")
	startMS := flag.Int64("load-start-ms", 0, "when the load started (Unix ms; default: when this command started)")
	endMS := flag.Int64("load-end-ms", 0, "when the load ended (Unix ms; default: when this command started)")
	interval := flag.Duration("interval", 200*time.Millisecond, "time between polls")
	timeout := flag.Duration("timeout", 5*time.Minute, "give up after this long")
	flag.Parse()
	if (*pg == "") == (*file == "") {
		fmt.Fprintln(os.Stderr, "drain: give exactly one of -postgres and -sqlite")
		os.Exit(2)
	}
	began := time.Now()
	loadStart, loadEnd := began, began
	if *startMS > 0 {
		loadStart = time.UnixMilli(*startMS)
	}
	if *endMS > 0 {
		loadEnd = time.UnixMilli(*endMS)
	}

	driver, dsn := "pgx", *pg
	if *pg == "" {
		driver, dsn = "sqlite", *file+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		fmt.Fprintln(os.Stderr, "drain:", err)
		os.Exit(1)
	}
	db.SetMaxOpenConns(1)
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	count := func(q string) (int64, error) {
		var n int64
		err := db.QueryRowContext(ctx, q).Scan(&n)
		return n, err
	}
	backlog := int64(-1)
	timedOut := false
	var doneAt time.Time
	for {
		left, err := count(notFinalSQL)
		if err != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				timedOut = true
				doneAt = time.Now()
				break
			}
			fmt.Fprintln(os.Stderr, "drain: poll:", err)
			os.Exit(1)
		}
		if backlog < 0 {
			backlog = left
		}
		if left == 0 {
			doneAt = time.Now()
			break
		}
		select {
		case <-ctx.Done():
			timedOut = true
		case <-time.After(*interval):
		}
		if timedOut {
			doneAt = time.Now()
			break
		}
	}

	// The final tally, outside the timeout.
	ctx = context.Background()
	rows, err := tally(ctx, db)
	if err != nil {
		fmt.Fprintln(os.Stderr, "drain: tally:", err)
		os.Exit(1)
	}
	var total, final int64
	var parts []string
	for _, r := range rows {
		total += r.N
		name := r.Status
		if r.International {
			name += "(intl)"
		}
		parts = append(parts, fmt.Sprintf("%s:%d", name, r.N))
		switch r.Status {
		case "delivered", "permanent-failure", "temporary-failure", "technical-failure":
			final += r.N
		case "sent":
			if r.International {
				final += r.N
			}
		}
	}
	sort.Strings(parts)

	drain := doneAt.Sub(loadEnd).Seconds()
	if drain < 0 {
		drain = 0
	}
	e2e := doneAt.Sub(loadStart).Seconds()
	perS := func(n int64, s float64) float64 {
		if s <= 0 {
			return 0
		}
		return float64(n) / s
	}
	t := 0
	if timedOut {
		t = 1
	}
	fmt.Printf("notifications %d, final %d; backlog at the first poll %d; drained %.2fs after the load (timed out: %v)\n",
		total, final, backlog, drain, timedOut)
	fmt.Printf("total=%d final=%d backlog=%d drain_s=%.2f final_per_s=%.1f drain_per_s=%.1f timed_out=%d statuses=%s\n",
		total, final, backlog, drain, perS(final, e2e), perS(backlog, drain), t, strings.Join(parts, ","))
	if timedOut {
		os.Exit(3)
	}
}

// row is one line of the final tally.
type row struct {
	Status        string
	International bool
	N             int64
}

// tally counts the notifications by status and whether international.
func tally(ctx context.Context, db *sql.DB) ([]row, error) {
	rs, err := db.QueryContext(ctx, `SELECT status, international, count(*) AS n FROM notifications
		GROUP BY status, international`)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []row
	for rs.Next() {
		var r row
		if err := rs.Scan(&r.Status, &r.International, &r.N); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rs.Err()
}
