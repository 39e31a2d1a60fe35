// Command bulk measures how fast a bulk send is accepted on PostgreSQL, and
// sets it against what COPY alone does on the same database in the same
// run.
//
//	go run ./bench/bulk -postgres "$DSN" -rows 100000 -n 3
//
// In a fresh schema (dropped at the end) it seeds a live service with an
// email template "Hello ((name)), your reference is ((ref))" and, n times:
//
//   - bulk: Notifier.SendBulk of a CSV of rows rows (email address, name,
//     ref), timed from the call to its answer: parsing, every row checked
//     and rendered, the job and its rows stored in one transaction (COPY);
//   - copy: pgx CopyFrom of the same number of rows of the same shape, made
//     beforehand, into bench_copy, a copy (columns and indexes) of the
//     notifications table, in one transaction: the floor of the store step
//     as it was first measured, ids and times given as text;
//   - copy_native: the same rows with the ids, times and numbers given as
//     pgx encodes them without parsing (pgtype values), the ids ascending
//     as SendBulk assigns them to a job's rows, into bench_copy_native,
//     another copy of the table: the floor of the store step as SendBulk
//     now takes it.
//
// Each run also prints bulk_go_cpu_s, the CPU time this process used
// during the bulk send (every goroutine), and native_pg_cpu_s, the CPU time
// PostgreSQL's backend used for the copy_native run (from /proc; -1 when
// the server runs elsewhere): on a busy machine these say more than the
// wall times of what each side costs.
//
// After each bulk send (untimed) it counts the job's rows in the database,
// so that a send that stored less than it answered fails the run.
//
// With -cpuprofile FILE, each bulk send's CPU profile goes to FILE.run
// (go tool pprof -top FILE.* merges them).
//
// Each run prints a line of key=value pairs; the last line has the medians:
// bulk_rows_per_s, copy_rows_per_s, native_rows_per_s, bulk_seconds,
// copy_seconds, native_seconds.
//
// With -lane it measures instead, on memory adapters, the delivery latency
// of single sends (created to handed to the provider) alone and while a
// job of -rows rows drains through the bulk lane (lane.go):
//
//	go run ./bench/bulk -lane -rows 20000 -singles 300 -rate 50
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/store/gormstore"
)

// discardQueue drops tasks: the benchmark measures acceptance.
type discardQueue struct{}

func (discardQueue) Enqueue(context.Context, string, notify.Task) error { return nil }
func (discardQueue) Consume(ctx context.Context, _ string, _ notify.Handler) error {
	<-ctx.Done()
	return nil
}

func main() {
	dsn := flag.String("postgres", os.Getenv("NOTIFY_TEST_POSTGRES_DSN"), "PostgreSQL DSN (default $NOTIFY_TEST_POSTGRES_DSN)")
	rows := flag.Int("rows", 100000, "rows a job")
	runs := flag.Int("n", 3, "runs")
	laneMode := flag.Bool("lane", false, "measure single-send latency while a job drains (memory adapters; no database)")
	singles := flag.Int("singles", 300, "-lane: single sends")
	rate := flag.Float64("rate", 50, "-lane: single sends a second")
	latency := flag.Duration("latency", 2*time.Millisecond, "-lane: the sandbox's latency per send")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of each bulk send (not of the COPY runs) to FILE.1 ... FILE.n")
	flag.Parse()
	if *laneMode {
		lane(*rows, *singles, *rate, *latency)
		return
	}
	if *dsn == "" {
		fail(fmt.Errorf("no -postgres DSN"))
	}
	ctx := context.Background()
	schema := "bench_bulk_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	admin, err := pgx.Connect(ctx, *dsn)
	if err != nil {
		fail(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		fail(err)
	}
	defer func() { _, _ = admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE") }()
	sdsn := withSearchPath(*dsn, schema)

	store, err := gormstore.OpenPostgres(ctx, sdsn, gormstore.Options{})
	if err != nil {
		fail(err)
	}
	defer store.Close()
	n, err := notify.New(notify.Config{Store: store, Queue: discardQueue{}, SecretKey: []byte("bench/bulk: a secret key of 32 bytes"),
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fail(err)
	}
	svc, err := n.CreateService(ctx, notify.Service{Name: "Bench", EmailMessageLimit: 1 << 30, SMSMessageLimit: 1 << 30, RateLimit: 1 << 30})
	if err != nil {
		fail(err)
	}
	tpl, err := n.CreateTemplate(ctx, notify.Template{ServiceID: svc.ID, Type: notify.Email, Name: "t", Subject: "Your reference",
		Content: "Hello ((name)), your reference is ((ref))."})
	if err != nil {
		fail(err)
	}
	key, err := n.CreateAPIKey(ctx, svc.ID, "k", notify.KeyTypeLive)
	if err != nil {
		fail(err)
	}
	caller := &notify.Caller{Service: svc, Key: key}
	var csv strings.Builder
	csv.WriteString("email address,name,ref\r\n")
	for i := range *rows {
		fmt.Fprintf(&csv, "person%d@example.com,Person %d,REF-%08d\r\n", i, i, i)
	}
	conn, err := pgx.Connect(ctx, sdsn)
	if err != nil {
		fail(err)
	}
	defer conn.Close(ctx)
	for _, table := range []string{"bench_copy", "bench_copy_native"} {
		if _, err := conn.Exec(ctx, "CREATE TABLE "+table+" (LIKE notifications INCLUDING ALL)"); err != nil {
			fail(err)
		}
	}
	cols := []string{"id", "service_id", "template_id", "template_version", "api_key_id", "key_type", "notification_type",
		"recipient", "normalised_recipient", "personalisation", "body", "subject", "sender", "status", "queue",
		"job_id", "job_row_number", "claimed_until", "created_at"}

	var backend int
	if err := conn.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		fail(err)
	}
	var bulkS, copyS, nativeS []float64
	for run := 1; run <= *runs; run++ {
		if *cpuprofile != "" {
			startProfile(fmt.Sprintf("%s.%d", *cpuprofile, run))
		}
		cpu0 := processCPU()
		start := time.Now()
		job, err := n.SendBulk(ctx, caller, &notify.BulkRequest{Name: "bench.csv", TemplateID: tpl.ID, CSV: csv.String()})
		if err != nil {
			fail(err)
		}
		bulk := time.Since(start).Seconds()
		goCPU := processCPU() - cpu0
		pprof.StopCPUProfile()
		if job.NotificationCount != *rows {
			fail(fmt.Errorf("job has %d rows, want %d", job.NotificationCount, *rows))
		}
		var stored int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM notifications WHERE job_id = $1", job.ID).Scan(&stored); err != nil {
			fail(err)
		}
		if stored != *rows {
			fail(fmt.Errorf("job %s has %d rows stored, want %d", job.ID, stored, *rows))
		}

		jobID := uuid.New()
		now := time.Now()
		src := make([][]any, *rows)
		for i := range src {
			src[i] = []any{uuid.NewString(), svc.ID.String(), tpl.ID.String(), 1, key.ID.String(), "normal", "email",
				fmt.Sprintf("person%d@example.com", i), fmt.Sprintf("person%d@example.com", i),
				fmt.Sprintf(`{"name":"Person %d","ref":"REF-%08d"}`, i, i),
				fmt.Sprintf("Hello Person %d, your reference is REF-%08d.", i, i), "Your reference", "bench@notifications.service.gov.uk",
				"created", notify.QueueBulkEmail, jobID.String(), i, notify.HeldUntil, now}
		}
		cp := copyRows(ctx, conn, "bench_copy", cols, src)

		ids := make([]uuid.UUID, *rows)
		for i := range ids {
			ids[i] = uuid.New()
		}
		slices.SortFunc(ids, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
		pg := func(id uuid.UUID) pgtype.UUID { return pgtype.UUID{Bytes: id, Valid: true} }
		for i := range src {
			src[i] = []any{pg(ids[i]), pg(svc.ID), pg(tpl.ID), int32(1), pg(key.ID), "normal", "email",
				fmt.Sprintf("person%d@example.com", i), fmt.Sprintf("person%d@example.com", i),
				fmt.Sprintf(`{"name":"Person %d","ref":"REF-%08d"}`, i, i),
				fmt.Sprintf("Hello Person %d, your reference is REF-%08d.", i, i), "Your reference", "bench@notifications.service.gov.uk",
				"created", notify.QueueBulkEmail, pg(jobID), int32(i), notify.HeldUntil, now} //nolint:gosec // i < rows
		}
		pg0 := backendCPU(backend)
		nat := copyRows(ctx, conn, "bench_copy_native", cols, src)
		pgCPU := backendCPU(backend) - pg0
		if pg0 < 0 {
			pgCPU = -1
		}

		bulkS, copyS, nativeS = append(bulkS, bulk), append(copyS, cp), append(nativeS, nat)
		fmt.Printf("run=%d rows=%d bulk_seconds=%.3f bulk_rows_per_s=%.0f copy_seconds=%.3f copy_rows_per_s=%.0f native_seconds=%.3f native_rows_per_s=%.0f bulk_go_cpu_s=%.2f native_pg_cpu_s=%.2f\n",
			run, *rows, bulk, float64(*rows)/bulk, cp, float64(*rows)/cp, nat, float64(*rows)/nat, goCPU, pgCPU)
	}
	mb, mc, mn := median(bulkS), median(copyS), median(nativeS)
	fmt.Printf("median rows=%d runs=%d bulk_seconds=%.3f bulk_rows_per_s=%.0f copy_seconds=%.3f copy_rows_per_s=%.0f native_seconds=%.3f native_rows_per_s=%.0f\n",
		*rows, *runs, mb, float64(*rows)/mb, mc, float64(*rows)/mc, mn, float64(*rows)/mn)
}

// copyRows COPYs src into table in one transaction and returns the
// seconds it took, commit included.
func copyRows(ctx context.Context, conn *pgx.Conn, table string, cols []string, src [][]any) float64 {
	start := time.Now()
	tx, err := conn.Begin(ctx)
	if err != nil {
		fail(err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(src)); err != nil {
		fail(err)
	}
	if err := tx.Commit(ctx); err != nil {
		fail(err)
	}
	return time.Since(start).Seconds()
}

// processCPU is the CPU time (user and system) this process has used, in
// seconds.
func processCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// backendCPU is the CPU time (user and system) PostgreSQL's backend pid
// has used, in seconds, read from /proc when the server runs on this
// machine; -1 when it cannot be read.
func backendCPU(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// The fields after the command name, which is in parentheses.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return -1
	}
	var utime, stime float64
	if _, err := fmt.Sscan(f[11], &utime); err != nil {
		return -1
	}
	if _, err := fmt.Sscan(f[12], &stime); err != nil {
		return -1
	}
	return (utime + stime) / 100 // USER_HZ
}

// startProfile starts a CPU profile into a new file at path; the caller
// stops it with pprof.StopCPUProfile, which flushes it.
func startProfile(path string) {
	f, err := os.Create(path)
	if err != nil {
		fail(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fail(err)
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// withSearchPath points dsn (URL or key=value) at schema.
func withSearchPath(dsn, schema string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return fmt.Sprintf("%s search_path=%s", dsn, schema)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench/bulk:", err)
	os.Exit(1)
}
