package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

const metricsSeed = `{"services": [{
  "id": "6f2c1f9e-3a53-4f0e-9d8b-1c1f0f3c2a11", "name": "Metrics", "restricted": false,
  "api_keys": [{"id": "0b7a5c43-8f0e-4b38-a5d4-7f3d8a3e9c21", "name": "test", "key_type": "test",
                "secret": "3d1f6a52-9c4e-4f7b-8a2d-5e6f7a8b9c0d"}],
  "templates": [{"id": "d4c3b2a1-1a2b-4c3d-8e4f-5a6b7c8d9e0f", "type": "sms", "name": "Hi", "content": "Hi ((name))"}]}]}`

// udpSink collects the lines a statsd client sends.
type udpSink struct {
	conn  net.PacketConn
	mu    sync.Mutex
	lines []string
}

func newUDPSink(t *testing.T) *udpSink {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &udpSink{conn: conn}
	t.Cleanup(func() { _ = conn.Close() })
	go func() {
		buf := make([]byte, 65536)
		for {
			n, _, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			s.mu.Lock()
			s.lines = append(s.lines, strings.Split(strings.TrimSpace(string(buf[:n])), "\n")...)
			s.mu.Unlock()
		}
	}()
	return s
}

// has reports whether a line starting with prefix arrived.
func (s *udpSink) has(prefix string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

// TestServerMetrics sends one SMS through the server with -statsd pointing
// at a real UDP listener, and checks the exact names of the send, its
// delivery, its receipt and the HTTP request over UDP, then the same events
// on GET /metrics.
func TestServerMetrics(t *testing.T) {
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.json")
	require.NoError(t, os.WriteFile(seed, []byte(metricsSeed), 0o600))
	sink := newUDPSink(t)
	addr := startServer(t, "-db", filepath.Join(dir, "notify.db"), "-seed", seed, "-statsd", sink.conn.LocalAddr().String())
	base := "http://" + addr

	tok, err := notify.NewToken(uuid.MustParse("6f2c1f9e-3a53-4f0e-9d8b-1c1f0f3c2a11"), "3d1f6a52-9c4e-4f7b-8a2d-5e6f7a8b9c0d", time.Now())
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, base+"/v2/notifications/sms", strings.NewReader(
		`{"phone_number": "07700 900789", "template_id": "d4c3b2a1-1a2b-4c3d-8e4f-5a6b7c8d9e0f", "personalisation": {"name": "Sam"}}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	require.Equal(t, http.StatusCreated, res.StatusCode, string(body))

	const p = "notifications.api."
	want := []string{
		p + "POST.v2_notifications.post_sms_notification.201:1|c",
		p + "POST.v2_notifications.post_sms_notification.201:", // the timing
		p + "dao.create_notification:1|c",
		p + "queue.enqueue.research-mode:1|c",
		p + "tasks.deliver_sms:1|c",
		p + "dao.claim_notification:1|c",
		p + "clients.sandbox.success:1|c",
		p + "clients.sandbox.request-time:",
		p + "sms.total-time:",
		p + "sms.test-key.total-time:",
		p + "callback.sandbox.delivered:1|c",
	}
	require.Eventually(t, func() bool {
		for _, w := range want {
			if !sink.has(w) {
				return false
			}
		}
		return true
	}, 15*time.Second, 50*time.Millisecond, "statsd lines")
	for _, w := range want {
		assert.True(t, sink.has(w), w)
	}

	res, err = http.Get(base + "/metrics")
	require.NoError(t, err)
	scrape, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	require.NoError(t, err)
	text := string(scrape)
	for _, series := range []string{
		`notify_http_requests_total{code="201",handler="post_sms_notification",method="POST",module="v2_notifications"} 1`,
		`notify_dao_calls_total{method="create_notification"} 1`,
		`notify_provider_sends_total{provider="sandbox",result="success"} 1`,
		`notify_receipts_total{provider="sandbox",status="delivered"} 1`,
		`notify_tasks_total{task="deliver_sms"} 1`,
	} {
		assert.Contains(t, text, series)
	}
}
