package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// testKey is a secret key for the servers the tests start.
const testKey = "cmd/notifyd tests: a secret key of 32+ bytes"

// seedPath is the seed file the server tests start with: the seed
// package's own test file, which uses every field of the format.
var seedPath = filepath.Join("..", "..", "seed", "testdata", "seed.json")

// Ids in seedPath.
var (
	seedService = uuid.MustParse("11111111-1111-4111-8111-111111111111")
	seedSMS     = uuid.MustParse("66666666-6666-4666-8666-666666666666")
)

func TestFlags(t *testing.T) {
	t.Parallel()
	env := func(k string) string {
		if k == "NOTIFY_SECRET_KEY" {
			return "from-env"
		}
		return ""
	}
	o, err := parseFlags(nil, env, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, &options{addr: "127.0.0.1:6011", db: "notify.db", role: "all", secretKey: "from-env",
		redisPrefix: "notify:", sweepAfter: time.Minute, visibilityTimeout: time.Minute, requestTimeout: 30 * time.Second,
		maxAttempts: 10, workers: 4, batch: 64, gather: 25 * time.Millisecond, bulkMaxRows: 100000, smsRate: 0.0227, providers: providerOptions{smtpTLS: "starttls"},
		security: securityOptions{maxConns: 1024, shutdownGrace: 10 * time.Second, recordSentGrace: 5 * time.Second}}, o)
	o, err = parseFlags([]string{"-secret-key", "flag", "-role", "worker"}, env, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "flag", o.secretKey)
	assert.Equal(t, "worker", o.role)
	o, err = parseFlags([]string{"-statsd", "127.0.0.1:8125", "-sms-rate", "0.0197"}, env, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:8125", o.statsd)
	assert.Equal(t, 0.0197, o.smsRate)
	o, err = parseFlags([]string{"-bulk-max-rows", "2500"}, env, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 2500, o.bulkMaxRows)
	o, err = parseFlags([]string{"-redis", "127.0.0.1:6379", "-sweep-after", "3s", "-visibility-timeout", "4s",
		"-sandbox-fail-rate", "0.5", "-sandbox-permanent-fail-suffix", "99", "-sandbox-latency", "5ms",
		"-sandbox-log", "/tmp/x", "-retry-backoff", "100ms"}, env, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:6379", o.redis)
	assert.Equal(t, 3*time.Second, o.sweepAfter)
	assert.True(t, o.sweepAfterSet)
	assert.Equal(t, 4*time.Second, o.visibilityTimeout)
	assert.Equal(t, testOptions{sandboxFailRate: 0.5, sandboxPermFail: "99", sandboxLatency: 5 * time.Millisecond,
		sandboxLog: "/tmp/x", retryBackoff: 100 * time.Millisecond}, o.test)
	o, err = parseFlags([]string{"-smtp", "127.0.0.1:1025", "-smtp-tls", "none", "-receipt-token", "mmg=secret-one",
		"-receipt-token", "firetext=secret-two"}, env, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:1025", o.providers.smtpAddr)
	assert.Equal(t, keyValues{"mmg": "secret-one", "firetext": "secret-two"}, o.providers.receiptTokens)
	for _, args := range [][]string{{"-smtp", "nohost"}, {"-smtp", "h:1", "-smtp-tls", "maybe"}, {"-receipt-token", "mmg"},
		{"-role", "boss"}, {"extra"}, {"-sweep-after", "0s"}, {"-visibility-timeout", "-1s"},
		{"-sandbox-fail-rate", "1.5"}, {"-max-attempts", "0"}, {"-workers", "0"}, {"-batch", "0"}, {"-sandbox-latency", "-1ms"}, {"-request-timeout", "-1s"},
		{"-bulk-max-rows", "0"}, {"-bulk-max-rows", "-1"}, {"-sms-rate", "0"}, {"-sms-rate", "-0.01"}, {"-sms-rate", "NaN"}} {
		_, err := parseFlags(args, env, io.Discard)
		assert.Error(t, err, args)
	}
}

// lockedBuffer collects output written by the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestServerDemo starts the server on a fresh SQLite file as a newcomer
// would, sends with the printed test key and waits for delivery.
func TestServerDemo(t *testing.T) {
	dir := t.TempDir()
	stdout, stderr := &lockedBuffer{}, &lockedBuffer{}
	runCtx, cancel := context.WithCancel(context.Background())
	addrCh := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(runCtx, []string{"-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "notify.db")},
			func(string) string { return "" }, stdout, stderr, func(a string) { addrCh <- a })
	}()
	var addr string
	select {
	case addr = <-addrCh:
	case err := <-done:
		t.Fatalf("server stopped: %v\n%s", err, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	base := "http://" + addr

	out := stdout.String()
	testKey := regexp.MustCompile(`(?m)^  test  (\S+)$`).FindStringSubmatch(out)
	smsID := regexp.MustCompile(`(?m)^  sms    (\S+)`).FindStringSubmatch(out)
	require.NotNil(t, testKey, out)
	require.NotNil(t, smsID, out)

	res, err := http.Get(base + "/_status")
	require.NoError(t, err)
	_ = res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)

	call := func(method, path, body string) (int, map[string]any) {
		sid, secret, err := notify.ParseKey(testKey[1])
		require.NoError(t, err)
		tok, err := notify.NewToken(sid, secret, time.Now())
		require.NoError(t, err)
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		var m map[string]any
		require.NoError(t, json.NewDecoder(res.Body).Decode(&m))
		return res.StatusCode, m
	}
	status, body := call(http.MethodPost, "/v2/notifications/sms",
		`{"phone_number": "07700 900789", "template_id": "`+smsID[1]+`", "personalisation": {"name": "Sam", "code": "1"}}`)
	require.Equal(t, http.StatusCreated, status, "%v", body)
	id := body["id"].(string)
	assert.Equal(t, base+"/v2/notifications/"+id, body["uri"])
	require.Eventually(t, func() bool {
		_, got := call(http.MethodGet, "/v2/notifications/"+id, "")
		return got["status"] == "delivered"
	}, 15*time.Second, 100*time.Millisecond)

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop")
	}
	assert.Contains(t, stderr.String(), "stopped")

	// A second start with the same database does not create another demo.
	stdout2 := &lockedBuffer{}
	ctx2, cancel2 := context.WithCancel(context.Background())
	done2 := make(chan error, 1)
	go func() {
		done2 <- run(ctx2, []string{"-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "notify.db")},
			func(string) string { return "" }, stdout2, io.Discard, func(string) { cancel2() })
	}()
	require.NoError(t, <-done2)
	assert.Contains(t, stdout2.String(), "Its API keys were printed at the first start")
	assert.NotContains(t, stdout2.String(), "Created a demo")
}

func TestServerToken(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	key := "my-key-" + seedService.String() + "-33333333-3333-4333-8333-333333333333"
	require.NoError(t, run(context.Background(), []string{"-token", key}, os.Getenv, &out, io.Discard, nil))
	assert.Regexp(t, `^[\w-]+\.[\w-]+\.[\w-]+\n$`, out.String())
	assert.Error(t, run(context.Background(), []string{"-token", "short"}, os.Getenv, io.Discard, io.Discard, nil))
}

func TestServerSeedFile(t *testing.T) {
	dir := t.TempDir()
	for range 2 {
		var stdout bytes.Buffer
		runCtx, cancel := context.WithCancel(context.Background())
		err := run(runCtx, []string{"-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "n.db"), "-seed", seedPath,
			"-secret-key", testKey}, func(string) string { return "" }, &stdout, io.Discard, func(string) { cancel() })
		cancel()
		require.NoError(t, err)
		assert.NotContains(t, stdout.String(), "demo")
	}
	// Without the seed flag a seeded database gets no demo service.
	var stdout bytes.Buffer
	runCtx, cancel := context.WithCancel(context.Background())
	require.NoError(t, run(runCtx, []string{"-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "n.db"), "-secret-key", testKey},
		func(string) string { return "" }, &stdout, io.Discard, func(string) { cancel() }))
	cancel()
	assert.Empty(t, stdout.String())
}

// startServer runs the server with testKey and args until the test ends
// and returns its address.
func startServer(t *testing.T, args ...string) string {
	t.Helper()
	return serve(t, append([]string{"-secret-key", testKey}, args...)...)
}

// serve runs the server with args until the test ends and returns its
// address.
func serve(t *testing.T, args ...string) string {
	t.Helper()
	runCtx, cancel := context.WithCancel(context.Background())
	addrCh := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(runCtx, append([]string{"-addr", "127.0.0.1:0"}, args...),
			func(string) string { return "" }, io.Discard, io.Discard, func(a string) { addrCh <- a })
	}()
	t.Cleanup(func() {
		cancel()
		assert.NoError(t, <-done)
	})
	select {
	case a := <-addrCh:
		return a
	case err := <-done:
		done <- err // for the cleanup
		t.Fatalf("server stopped: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	return ""
}

// TestServerRoles: an api process and a worker process share one database;
// the worker's sweeper delivers what the api accepted.
func TestServerRoles(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "shared.db")
	api := startServer(t, "-role", "api", "-db", db, "-seed", seedPath)
	worker := startServer(t, "-role", "worker", "-db", db)

	res, err := http.Get("http://" + worker + "/_status")
	require.NoError(t, err)
	_ = res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	res, err = http.Get("http://" + worker + "/v2/templates")
	require.NoError(t, err)
	_ = res.Body.Close()
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "a worker serves only /_status")

	call := func(method, path, body string) (int, map[string]any) {
		tok, err := notify.NewToken(seedService, "33333333-3333-4333-8333-333333333333", time.Now())
		require.NoError(t, err)
		req, err := http.NewRequest(method, "http://"+api+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		var m map[string]any
		require.NoError(t, json.NewDecoder(res.Body).Decode(&m))
		return res.StatusCode, m
	}
	status, body := call(http.MethodPost, "/v2/notifications/sms",
		`{"phone_number": "07700 900123", "template_id": "`+seedSMS.String()+`", "personalisation": {"code": "1"}}`)
	require.Equal(t, http.StatusCreated, status, "%v", body)
	id := body["id"].(string)
	require.Eventually(t, func() bool {
		_, got := call(http.MethodGet, "/v2/notifications/"+id, "")
		return got["status"] == "delivered"
	}, 20*time.Second, 200*time.Millisecond)
}
