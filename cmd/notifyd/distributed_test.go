package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/provider/sandbox"
)

func TestSandboxFlags(t *testing.T) {
	t.Parallel()
	msg := func(to string) notify.Message {
		return notify.Message{NotificationID: uuid.New(), Type: notify.SMS, To: to, Body: "hi"}
	}
	tests := []struct {
		name    string
		opts    testOptions
		to      string
		wantErr func(error) bool
	}{
		{"plain", testOptions{}, "447700900123", nil},
		{"permanent by suffix", testOptions{sandboxPermFail: "999"}, "447700900999", notify.IsPermanent},
		{"other suffix sends", testOptions{sandboxPermFail: "999"}, "447700900123", nil},
		{"always failing", testOptions{sandboxFailRate: 1}, "447700900123",
			func(err error) bool { return errors.Is(err, sandbox.ErrSimulatedFailure) && !notify.IsPermanent(err) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.NoError(t, tc.opts.check())
			p, closeFn, err := tc.opts.sandbox()
			require.NoError(t, err)
			defer closeFn()
			_, ok := p.(notify.ReceiptSimulator)
			assert.True(t, ok, "the sandbox keeps simulating receipts")
			ref, err := p.Send(t.Context(), msg(tc.to))
			if tc.wantErr == nil {
				require.NoError(t, err)
				assert.NotEmpty(t, ref)
				return
			}
			require.Error(t, err)
			assert.True(t, tc.wantErr(err), "%v", err)
		})
	}
}

func TestSandboxLog(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sends.jsonl")
	// Two "processes" append to the same file; failed sends are not logged.
	var ids []uuid.UUID
	for range 2 {
		o := testOptions{sandboxLog: path, sandboxPermFail: "999"}
		p, closeFn, err := o.sandbox()
		require.NoError(t, err)
		var wg sync.WaitGroup
		var mu sync.Mutex
		for range 50 {
			wg.Go(func() {
				id := uuid.New()
				_, err := p.Send(context.Background(), notify.Message{NotificationID: id, Type: notify.SMS, To: "447700900123"})
				assert.NoError(t, err)
				mu.Lock()
				ids = append(ids, id)
				mu.Unlock()
			})
		}
		wg.Wait()
		_, err = p.Send(context.Background(), notify.Message{NotificationID: uuid.New(), Type: notify.SMS, To: "447700900999"})
		require.Error(t, err)
		closeFn()
		closeFn() // closing twice is harmless
	}
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	seen := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l SendLogLine
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l), "every line is whole JSON: %q", sc.Text())
		assert.Equal(t, os.Getpid(), l.PID)
		assert.NotEmpty(t, l.Ref)
		seen[l.NotificationID]++
	}
	require.NoError(t, sc.Err())
	require.Len(t, seen, len(ids))
	for _, id := range ids {
		assert.Equal(t, 1, seen[id.String()])
	}
}

func TestRetryBackoff(t *testing.T) {
	t.Parallel()
	assert.Nil(t, (&testOptions{}).backoff(), "no flag: the queue's default")
	b := (&testOptions{retryBackoff: 100 * time.Millisecond}).backoff()
	for attempt, want := range map[int]time.Duration{0: 100 * time.Millisecond, 1: 100 * time.Millisecond,
		2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 4: 800 * time.Millisecond, 50: 800 * time.Millisecond} {
		assert.Equal(t, want, b(attempt), "attempt %d", attempt)
	}
}

func TestWithTimeout(t *testing.T) {
	t.Parallel()
	h := withTimeout(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dl, ok := r.Context().Deadline()
		assert.True(t, ok)
		assert.WithinDuration(t, time.Now().Add(time.Second), dl, 500*time.Millisecond)
		<-r.Context().Done()
		w.WriteHeader(http.StatusServiceUnavailable)
	}), time.Second)
	rec := httptest.NewRecorder()
	start := time.Now()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
}

func TestRedisOptions(t *testing.T) {
	t.Parallel()
	ro, err := redisOptions("127.0.0.1:6390")
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:6390", ro.Addr)
	assert.Equal(t, 1, ro.MaxRetries)
	assert.GreaterOrEqual(t, ro.PoolSize, 64)
	ro, err = redisOptions("redis://:pw@localhost:6391/2")
	require.NoError(t, err)
	assert.Equal(t, "localhost:6391", ro.Addr)
	assert.Equal(t, "pw", ro.Password)
	assert.Equal(t, 2, ro.DB)
	_, err = redisOptions("redis://host:port:bad/x")
	assert.Error(t, err)
}

// TestServerRedis: an api and a worker process sharing a database and a
// real Redis. The sweeper is slow (1m), so delivery within seconds proves
// the task went through Redis; the trial limit is kept on Redis.
func TestServerRedis(t *testing.T) {
	addr := os.Getenv("NOTIFY_TEST_REDIS_ADDR")
	if addr == "" {
		t.Skip("NOTIFY_TEST_REDIS_ADDR not set: skipping the server's Redis test")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "shared.db")
	prefix := "server-test-" + uuid.NewString() + ":"
	client := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() {
		keys, _ := client.Keys(context.Background(), prefix+"*").Result()
		if len(keys) > 0 {
			_ = client.Del(context.Background(), keys...).Err()
		}
		_ = client.Close()
	})
	common := []string{"-db", db, "-redis", addr, "-redis-prefix", prefix, "-sweep-after", "1m"}
	api := startServer(t, append([]string{"-role", "api", "-seed", seedPath}, common...)...)
	startServer(t, append([]string{"-role", "worker"}, common...)...)

	call := func(method, path, body string) (int, map[string]any) {
		tok, err := notify.NewToken(seedService, "33333333-3333-4333-8333-333333333333", time.Now())
		require.NoError(t, err)
		req, err := http.NewRequest(method, "http://"+api+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		raw, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(raw, &m), "%s", raw)
		return res.StatusCode, m
	}
	send := `{"phone_number": "07700 900123", "template_id": "` + seedSMS.String() + `", "personalisation": {"code": "1"}}`
	var ids []string
	for range 5 { // the seeded trial service's sms limit
		status, body := call(http.MethodPost, "/v2/notifications/sms", send)
		require.Equal(t, http.StatusCreated, status, "%v", body)
		ids = append(ids, body["id"].(string))
	}
	status, body := call(http.MethodPost, "/v2/notifications/sms", send)
	assert.Equal(t, http.StatusTooManyRequests, status, "%v", body)

	day := time.Now().UTC().Format("2006-01-02")
	count, err := client.Get(context.Background(), prefix+"cache:"+seedService.String()+"-sms-"+day+"-count").Int()
	require.NoError(t, err, "the daily counter is on Redis")
	assert.Equal(t, 5, count)

	for _, id := range ids {
		require.Eventually(t, func() bool {
			_, got := call(http.MethodGet, "/v2/notifications/"+id, "")
			return got["status"] == "delivered"
		}, 20*time.Second, 100*time.Millisecond, "notification %s", id)
	}
	streams, err := client.Keys(context.Background(), prefix+"queue:*").Result()
	require.NoError(t, err)
	assert.NotEmpty(t, streams, "tasks went through Redis streams")
}
