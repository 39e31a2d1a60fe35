package reliability

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/seed"
)

// envGate is the variable that turns the scenarios on.
const envGate = "NOTIFY_TEST_RELIABILITY"

// secretKey is shared by every server process of a run.
const secretKey = "reliability-secret-key, 32 bytes or more"

// finalStatuses are the statuses a notification ends in.
var finalStatuses = []string{
	string(notify.StatusDelivered), string(notify.StatusPermanentFailure),
	string(notify.StatusTemporaryFailure), string(notify.StatusTechnicalFailure),
}

// service is a seeded service the scenarios send with.
type service struct {
	ID       uuid.UUID
	Secret   string
	Template uuid.UUID
	// Limit is the seed's message_limit: every daily limit not set below.
	Limit int
	// EmailLimit is the email_message_limit (0: Limit).
	EmailLimit int
	// EmailTemplate, when set, is an email template: sends to an email
	// address use it.
	EmailTemplate uuid.UUID
	// RateLimit is requests a minute per key type (0: the default 3000).
	RateLimit int
	// Restricted is trial mode: only the team number may be sent to.
	Restricted bool
}

// The seeded services: a live one with no daily limit and a rate limit
// no scenario reaches, two trial ones, and a trial one with a rate limit
// of 60 requests a minute.
var (
	liveService = service{ID: uuid.MustParse("a0000000-0000-4000-8000-000000000001"),
		Secret: "a0000000-0000-4000-8000-0000000000a1", Template: uuid.MustParse("a0000000-0000-4000-8000-0000000000b1"),
		Limit: 250000, RateLimit: 1_000_000}
	trial50 = service{ID: uuid.MustParse("a0000000-0000-4000-8000-000000000002"),
		Secret: "a0000000-0000-4000-8000-0000000000a2", Template: uuid.MustParse("a0000000-0000-4000-8000-0000000000b2"),
		Limit: 50, EmailLimit: 30, EmailTemplate: uuid.MustParse("a0000000-0000-4000-8000-0000000000c2"), Restricted: true}
	trial10 = service{ID: uuid.MustParse("a0000000-0000-4000-8000-000000000003"),
		Secret: "a0000000-0000-4000-8000-0000000000a3", Template: uuid.MustParse("a0000000-0000-4000-8000-0000000000b3"),
		Limit: 10, Restricted: true}
	rate60 = service{ID: uuid.MustParse("a0000000-0000-4000-8000-000000000004"),
		Secret: "a0000000-0000-4000-8000-0000000000a4", Template: uuid.MustParse("a0000000-0000-4000-8000-0000000000b4"),
		Limit: 1000, RateLimit: 60, Restricted: true}
)

// Recipients. The team number and email are the trial services' team
// member; numbers ending in permFailSuffix fail permanently when a
// scenario says so.
const (
	teamNumber     = "07700 900123"
	teamEmail      = "team@example.gov.uk"
	otherNumber    = "07700 900456"
	permFailNumber = "07700 900999"
	permFailSuffix = "7700900999"
)

// seedJSON is the -seed file of every server process.
func seedJSON() []byte {
	svc := func(s service, name string) seed.Service {
		ss := seed.Service{
			ID: s.ID, Name: name, Restricted: &s.Restricted, MessageLimit: s.Limit, EmailMessageLimit: s.EmailLimit, RateLimit: s.RateLimit,
			TeamMembers: []seed.TeamMember{{EmailAddress: teamEmail, MobileNumber: teamNumber}},
			APIKeys: []seed.APIKey{{ID: uuid.NewSHA1(s.ID, []byte("key")), Name: "live", KeyType: notify.KeyTypeLive,
				Secret: s.Secret}},
			Templates: []seed.Template{{ID: s.Template, Type: notify.SMS, Name: "Reliability",
				Content: "Reliability check ((n))", ProcessType: notify.ProcessNormal}},
		}
		if s.EmailTemplate != uuid.Nil {
			ss.Templates = append(ss.Templates, seed.Template{ID: s.EmailTemplate, Type: notify.Email,
				Name: "Reliability email", Subject: "Reliability ((n))", Content: "Reliability check ((n))"})
		}
		return ss
	}
	b, _ := json.Marshal(seed.File{Services: []seed.Service{
		svc(liveService, "Reliability live"), svc(trial50, "Reliability trial 50"), svc(trial10, "Reliability trial 10"),
		svc(rate60, "Reliability rate 60"),
	}})
	return b
}

// env is what the whole run shares: the server binary and one PostgreSQL
// server (each scenario gets its own database and its own Redis).
type env struct {
	root   string // module root
	dir    string // scratch directory
	bin    string // server binary
	seed   string // seed file
	pgData string
	pgPort int
	admin  *gorm.DB // the notify_test database, to create others
}

// setup builds the server and starts PostgreSQL; it skips loudly when the
// machine cannot run the scenarios.
func setup(t *testing.T) *env {
	t.Helper()
	if os.Getenv(envGate) != "1" {
		msg := fmt.Sprintf("SKIPPING the reliability scenarios: set %s=1 to run them (they need root, PostgreSQL and redis-server; .ci/run does)", envGate)
		fmt.Println("!!! " + msg)
		t.Skip(msg)
	}
	if os.Geteuid() != 0 {
		skipLoud(t, "the reliability scenarios need root (PostgreSQL runs as the postgres user)")
	}
	if _, err := user.Lookup("postgres"); err != nil {
		skipLoud(t, "no postgres user: install the PostgreSQL server packages")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		skipLoud(t, "redis-server is not on PATH (.ci/redis.sh installs it)")
	}
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	e := &env{root: root}
	e.dir, err = os.MkdirTemp("", "notify-reliability-")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(e.dir, 0o755))
	t.Cleanup(func() {
		if !t.Failed() || os.Getenv("NOTIFY_RELIABILITY_KEEP") == "" {
			_ = os.RemoveAll(e.dir)
		} else {
			fmt.Println("kept", e.dir)
		}
	})

	e.bin = filepath.Join(e.dir, "server")
	build := exec.Command("go", "build", "-o", e.bin, "./cmd/notifyd")
	build.Dir = root
	out, err := build.CombinedOutput()
	require.NoError(t, err, "building the server: %s", out)
	e.seed = filepath.Join(e.dir, "seed.json")
	require.NoError(t, os.WriteFile(e.seed, seedJSON(), 0o644))

	e.pgData = filepath.Join(e.dir, "pg")
	e.pgPort = freePort(t)
	dsn := e.startPostgres(t)
	t.Cleanup(func() { e.stopPostgres(t) })
	e.admin, err = gorm.Open(postgres.Open(dsn), &gorm.Config{Logger: logger.Discard})
	require.NoError(t, err)
	t.Cleanup(func() {
		if db, err := e.admin.DB(); err == nil {
			_ = db.Close()
		}
	})
	return e
}

func skipLoud(t *testing.T, why string) {
	t.Helper()
	fmt.Println("!!! SKIPPING the reliability scenarios: " + why)
	t.Skip(why)
}

// startPostgres starts (or restarts) the run's PostgreSQL and returns the
// DSN of its notify_test database.
func (e *env) startPostgres(t *testing.T) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(e.root, ".ci", "postgres.sh"), "start", e.pgData, strconv.Itoa(e.pgPort))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "postgres.sh start: %s", stderr.String())
	return strings.TrimSpace(string(out))
}

// stopPostgres stops it (fast shutdown: sessions are cut).
func (e *env) stopPostgres(t *testing.T) {
	t.Helper()
	out, err := exec.Command(filepath.Join(e.root, ".ci", "postgres.sh"), "stop", e.pgData).CombinedOutput()
	if err != nil {
		t.Logf("postgres.sh stop: %v: %s", err, out)
	}
}

// database creates a fresh database for a scenario and returns its DSN and
// a connection to it.
func (e *env) database(t *testing.T, name string) (string, *gorm.DB) {
	t.Helper()
	require.NoError(t, e.admin.Exec("DROP DATABASE IF EXISTS "+name).Error)
	require.NoError(t, e.admin.Exec("CREATE DATABASE "+name).Error)
	dsn := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", e.pgPort, name)
	db, err := gorm.Open(postgres.Open(dsn), &gorm.Config{Logger: logger.Discard})
	require.NoError(t, err)
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	return dsn, db
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// proc is a child process: a server or a redis-server.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	addr string
	done chan struct{}
}

// start runs a command with its output in a log file.
func start(t *testing.T, dir, name string, argv ...string) *proc {
	t.Helper()
	logPath := filepath.Join(dir, name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	require.NoError(t, err)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = f, f
	require.NoError(t, cmd.Start(), name)
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		_ = f.Close()
		close(p.done)
	}()
	t.Cleanup(func() { p.kill() })
	return p
}

// running reports whether the process has not exited.
func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL and waits for the process to go.
func (p *proc) kill() {
	if !p.running() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM and waits up to 20 s for a graceful exit, then kills.
func (p *proc) stop() {
	if !p.running() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.kill()
	}
}

// tail returns the last lines of the process's log, for failure reports.
func (p *proc) tail(n int) string {
	b, err := os.ReadFile(p.log)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// scenario is one scenario's processes and database.
type scenario struct {
	t       *testing.T
	e       *env
	name    string
	dir     string
	dsn     string
	db      *gorm.DB
	sendLog string
	procs   []*proc
	http    *http.Client
}

func (e *env) scenario(t *testing.T, name string) *scenario {
	t.Helper()
	dir := filepath.Join(e.dir, name)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	dsn, db := e.database(t, name)
	s := &scenario{t: t, e: e, name: name, dir: dir, dsn: dsn, db: db, sendLog: filepath.Join(dir, "sends.jsonl"),
		http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			MaxIdleConns: 512, MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second,
		}}}
	t.Cleanup(func() {
		for _, p := range s.procs {
			p.stop()
		}
		if t.Failed() {
			for _, p := range s.procs {
				t.Logf("--- last lines of %s (%s):\n%s", p.name, p.log, p.tail(15))
			}
		}
	})
	return s
}

// redisServer is a redis-server of a scenario, on a fixed port so that it
// can be restarted (empty: no persistence) where it was.
type redisServer struct {
	s    *scenario
	port int
	proc *proc
	n    int
}

func (s *scenario) startRedis() *redisServer {
	r := &redisServer{s: s, port: freePort(s.t)}
	r.start()
	return r
}

func (r *redisServer) addr() string { return fmt.Sprintf("127.0.0.1:%d", r.port) }

// start starts redis-server and waits until it answers PING.
func (r *redisServer) start() {
	t := r.s.t
	t.Helper()
	r.n++
	dir := filepath.Join(r.s.dir, fmt.Sprintf("redis%d", r.n))
	require.NoError(t, os.MkdirAll(dir, 0o755))
	r.proc = start(t, r.s.dir, fmt.Sprintf("redis%d", r.n), "redis-server", "--bind", "127.0.0.1", "--port", strconv.Itoa(r.port),
		"--protected-mode", "yes", "--save", "", "--appendonly", "no", "--dir", dir)
	client := redis.NewClient(&redis.Options{Addr: r.addr(), MaxRetries: -1})
	defer client.Close()
	deadline := time.Now().Add(15 * time.Second)
	for client.Ping(context.Background()).Err() != nil {
		require.True(t, r.proc.running(), "redis-server exited: %s", r.proc.tail(10))
		require.True(t, time.Now().Before(deadline), "redis-server did not answer PING")
		time.Sleep(50 * time.Millisecond)
	}
}

// dailyCount reads svc's daily counter of limit ("sms", "email",
// "international_sms") for today from the servers' cache.
func (r *redisServer) dailyCount(svc service, limit string) (int, error) {
	client := redis.NewClient(&redis.Options{Addr: r.addr()})
	defer client.Close()
	return client.Get(context.Background(),
		"notify:cache:"+notify.DailyChannelCacheKey(svc.ID, notify.DailyLimitName(limit), time.Now())).Int()
}

// crash kills redis-server: everything in it is lost.
func (r *redisServer) crash() { r.proc.kill() }

// server starts a server process with the scenario's database and common
// flags, and waits until /_status answers.
func (s *scenario) server(name, role string, extra ...string) *proc {
	s.t.Helper()
	p := s.serverNoWait(name, role, extra...)
	s.waitReady(p)
	return p
}

// serverNoWait starts a server process without waiting for it.
func (s *scenario) serverNoWait(name, role string, extra ...string) *proc {
	s.t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(s.t))
	argv := append([]string{s.e.bin, "-addr", addr, "-postgres", s.dsn, "-role", role, "-seed", s.e.seed,
		"-secret-key", secretKey, "-sandbox-log", s.sendLog, "-request-timeout", "10s"}, extra...)
	p := start(s.t, s.dir, name, argv...)
	p.addr = addr
	s.procs = append(s.procs, p)
	return p
}

// twoAPIsAndAWorker starts two api processes and a worker sharing the
// scenario's database and r, all at once on the empty database (so their
// migrations and seeding race), and waits until they answer.
func (s *scenario) twoAPIsAndAWorker(r *redisServer) (api1, api2 *proc) {
	s.t.Helper()
	common := fastRecovery(r.addr())
	api1 = s.serverNoWait("api1", "api", common...)
	api2 = s.serverNoWait("api2", "api", common...)
	w := s.serverNoWait("worker", "worker", common...)
	for _, p := range []*proc{api1, api2, w} {
		s.waitReady(p)
	}
	return api1, api2
}

// waitReady waits until the process answers GET /_status with 200.
func (s *scenario) waitReady(p *proc) {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := s.http.Get("http://" + p.addr + "/_status")
		if err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if !p.running() {
			s.t.Fatalf("%s exited during start-up:\n%s", p.name, p.tail(20))
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s did not become ready:\n%s", p.name, p.tail(20))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// result is the outcome of one send.
type result struct {
	status int // 0: no answer (err)
	body   []byte
	id     string
	err    error
	took   time.Duration
	at     time.Time
}

// send posts one notification through the api process at addr: an email
// with svc's email template when to is an email address, else an SMS.
func (s *scenario) send(ctx context.Context, addr string, svc service, to string, n int) result {
	r := result{at: time.Now()}
	defer func() { r.took = time.Since(r.at) }()
	tok, err := notify.NewToken(svc.ID, svc.Secret, time.Now())
	if err != nil {
		r.err = err
		return r
	}
	path := "/v2/notifications/sms"
	body := fmt.Sprintf(`{"phone_number": %q, "template_id": %q, "personalisation": {"n": "%d"}}`, to, svc.Template, n)
	if strings.Contains(to, "@") {
		path = "/v2/notifications/email"
		body = fmt.Sprintf(`{"email_address": %q, "template_id": %q, "personalisation": {"n": "%d"}}`, to, svc.EmailTemplate, n)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+path, strings.NewReader(body))
	if err != nil {
		r.err = err
		return r
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := s.http.Do(req)
	if err != nil {
		r.err = err
		r.took = time.Since(r.at)
		return r
	}
	defer res.Body.Close()
	r.status = res.StatusCode
	r.body, r.err = io.ReadAll(res.Body)
	if r.status == http.StatusCreated {
		var created struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(r.body, &created); err != nil || created.ID == "" {
			r.err = fmt.Errorf("201 without an id: %s", r.body)
		}
		r.id = created.ID
	}
	r.took = time.Since(r.at)
	return r
}

// sendMany sends count notifications with conc requests at once; pick
// chooses the api address, service and recipient (phone or email) of the
// i-th.
func (s *scenario) sendMany(count, conc int, pick func(i int) (addr string, svc service, to string)) []result {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out := make([]result, count)
	next := make(chan int)
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for i := range next {
				addr, svc, to := pick(i)
				out[i] = s.send(ctx, addr, svc, to, i)
			}
		})
	}
	for i := range count {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// tally counts results by status code (0: no answer).
func tally(rs []result) map[int]int {
	m := map[int]int{}
	for _, r := range rs {
		m[r.status]++
	}
	return m
}

// accepted returns the ids of the 201 answers.
func accepted(rs []result) []string {
	var ids []string
	for _, r := range rs {
		if r.status == http.StatusCreated && r.id != "" {
			ids = append(ids, r.id)
		}
	}
	return ids
}

// statusCounts returns the scenario database's notifications by status.
func (s *scenario) statusCounts() (map[string]int, error) {
	var rows []struct {
		Status string
		N      int
	}
	if err := s.db.Raw("SELECT status, count(*) AS n FROM notifications GROUP BY status").Scan(&rows).Error; err != nil {
		return nil, err
	}
	m := map[string]int{}
	for _, r := range rows {
		m[r.Status] = r.N
	}
	return m, nil
}

// inFlight counts notifications claimed by a worker and not yet recorded
// as sent: those whose provider outcome is unknown if the worker dies.
func (s *scenario) inFlight() int {
	var n int
	require.NoError(s.t, s.db.Raw(
		"SELECT count(*) FROM notifications WHERE status = 'created' AND claimed_until > now()").Scan(&n).Error)
	return n
}

// storedIDs returns the ids of every stored notification.
func (s *scenario) storedIDs() map[string]bool {
	var ids []string
	require.NoError(s.t, s.db.Raw("SELECT id::text FROM notifications").Scan(&ids).Error)
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// waitFinal waits until every stored notification is in a final status (or
// timeout) and returns the counts by status.
func (s *scenario) waitFinal(timeout time.Duration) map[string]int {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	var last map[string]int
	for {
		m, err := s.statusCounts()
		if err == nil {
			last = m
			if final(m) == sum(m) {
				return m
			}
		}
		if time.Now().After(deadline) {
			s.t.Logf("not every notification reached a final status within %v: %v", timeout, last)
			return last
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func final(m map[string]int) int {
	n := 0
	for _, st := range finalStatuses {
		n += m[st]
	}
	return n
}

// sends reads the sandbox's send log: how many sends each notification had.
func (s *scenario) sends() map[string]int {
	s.t.Helper()
	m := map[string]int{}
	f, err := os.Open(s.sendLog)
	if errors.Is(err, os.ErrNotExist) {
		return m
	}
	require.NoError(s.t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l struct {
			NotificationID string `json:"notification_id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			s.t.Errorf("send log: bad line %q: %v", sc.Text(), err)
			continue
		}
		m[l.NotificationID]++
	}
	require.NoError(s.t, sc.Err())
	return m
}

// duplicates returns how many notifications were sent more than once and
// how many extra sends that made.
func duplicates(sends map[string]int) (notifications, extra int) {
	for _, n := range sends {
		if n > 1 {
			notifications++
			extra += n - 1
		}
	}
	return notifications, extra
}

// reconciliation is the end-of-scenario check common to all scenarios.
type reconciliation struct {
	Accepted, Rows, Final, Missing, Unacknowledged int
	ByStatus                                       map[string]int
	Sent, DupNotifications, DupExtra               int
}

// reconcile waits for final statuses and compares accepted ids, stored
// rows and the send log.
func (s *scenario) reconcile(acceptedIDs []string, timeout time.Duration) reconciliation {
	s.t.Helper()
	byStatus := s.waitFinal(timeout)
	stored := s.storedIDs()
	r := reconciliation{Accepted: len(acceptedIDs), Rows: len(stored), Final: final(byStatus), ByStatus: byStatus}
	acc := make(map[string]bool, len(acceptedIDs))
	for _, id := range acceptedIDs {
		acc[id] = true
		if !stored[id] {
			r.Missing++
		}
	}
	for id := range stored {
		if !acc[id] {
			r.Unacknowledged++
		}
	}
	sends := s.sends()
	r.Sent = len(sends)
	r.DupNotifications, r.DupExtra = duplicates(sends)
	return r
}

func (r reconciliation) String() string {
	keys := make([]string, 0, len(r.ByStatus))
	for k := range r.ByStatus {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, r.ByStatus[k]))
	}
	return fmt.Sprintf("accepted=%d rows=%d final=%d [%s] missing=%d stored-not-acknowledged=%d sent-notifications=%d duplicate-sends=%d (on %d notifications)",
		r.Accepted, r.Rows, r.Final, strings.Join(parts, " "), r.Missing, r.Unacknowledged, r.Sent, r.DupExtra, r.DupNotifications)
}

// check asserts the invariant of every scenario: accepted = rows = final,
// nothing missing.
func (r reconciliation) check(t *testing.T) {
	t.Helper()
	if r.Missing != 0 || r.Accepted != r.Rows || r.Rows != r.Final {
		t.Errorf("reconciliation failed: %s", r)
	}
}

// report prints a scenario's counts on stdout (shown by go test -v and in
// CI logs).
func report(name, format string, args ...any) {
	fmt.Printf("[%s] %s\n", name, fmt.Sprintf(format, args...))
}
