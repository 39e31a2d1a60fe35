package statsd_test

import (
	"errors"
	"math"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify/stats/statsd"
)

// listen starts a UDP listener on 127.0.0.1 and returns it with its
// address.
func listen(t *testing.T) (*net.UDPConn, string) {
	t.Helper()
	return listenB(t)
}

// listenB is listen for tests and benchmarks.
func listenB(t testing.TB) (*net.UDPConn, string) {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	require.NoError(t, conn.SetReadBuffer(1<<20))
	t.Cleanup(func() { _ = conn.Close() })
	return conn, conn.LocalAddr().String()
}

// readPackets reads packets until want lines arrived or a read times out.
func readPackets(t *testing.T, conn *net.UDPConn, want int) (packets []string, lines []string) {
	t.Helper()
	buf := make([]byte, 65536)
	for len(lines) < want {
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(2*time.Second)))
		n, _, err := conn.ReadFromUDP(buf)
		if err != nil {
			break
		}
		p := string(buf[:n])
		packets = append(packets, p)
		lines = append(lines, strings.Split(p, "\n")...)
	}
	return packets, lines
}

func TestLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		send func(c *statsd.Client)
		want []string
	}{
		{"counter", func(c *statsd.Client) { c.Incr("dao.get_service") },
			[]string{"notifications.api.dao.get_service:1|c"}},
		{"timing with fraction", func(c *statsd.Client) { c.Timing("sms.total-time", 1500*time.Microsecond) },
			[]string{"notifications.api.sms.total-time:1.5|ms"}},
		{"whole timing", func(c *statsd.Client) { c.Timing("clients.mmg.request-time", 2*time.Second) },
			[]string{"notifications.api.clients.mmg.request-time:2000|ms"}},
		{"nanosecond timing", func(c *statsd.Client) { c.Timing("t", 1234567*time.Nanosecond) },
			[]string{"notifications.api.t:1.234567|ms"}},
		{"gauge", func(c *statsd.Client) { c.Gauge("queue.depth", 3.25) },
			[]string{"notifications.api.queue.depth:3.25|g"}},
		{"negative gauge resets first", func(c *statsd.Client) { c.Gauge("delta", -2) },
			[]string{"notifications.api.delta:0|g", "notifications.api.delta:-2|g"}},
		{"separators replaced", func(c *statsd.Client) { c.Incr("a:b|c@d e\nf") },
			[]string{"notifications.api.a_b_c_d_e_f:1|c"}},
		{"HTTP request", func(c *statsd.Client) {
			c.Incr("POST.v2_notifications.post_sms_notification.201")
			c.Timing("POST.v2_notifications.post_sms_notification.201", 12*time.Millisecond)
		}, []string{
			"notifications.api.POST.v2_notifications.post_sms_notification.201:1|c",
			"notifications.api.POST.v2_notifications.post_sms_notification.201:12|ms",
		}},
		{"unsendable values skipped", func(c *statsd.Client) {
			c.Gauge("nan", math.NaN())
			c.Gauge("inf", math.Inf(1))
			c.Incr("")
			c.Incr("after")
		}, []string{"notifications.api.after:1|c"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ln, addr := listen(t)
			c, err := statsd.New(addr, statsd.Options{Prefix: "notifications.api."})
			require.NoError(t, err)
			tc.send(c)
			require.NoError(t, c.Close(), "Close flushes")
			_, lines := readPackets(t, ln, len(tc.want))
			assert.Equal(t, tc.want, lines)
			assert.Zero(t, c.Dropped())
		})
	}
}

func TestFlushInterval(t *testing.T) {
	t.Parallel()
	ln, addr := listen(t)
	c, err := statsd.New(addr, statsd.Options{FlushInterval: 10 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	c.Incr("tick")
	// No Close: the partly filled packet goes out on the timer.
	_, lines := readPackets(t, ln, 1)
	assert.Equal(t, []string{"tick:1|c"}, lines)
}

func TestBatchesWithinMaxPacketSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		max  int
	}{
		{"default", 0},
		{"small", 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ln, addr := listen(t)
			c, err := statsd.New(addr, statsd.Options{MaxPacketSize: tc.max, FlushInterval: time.Hour})
			require.NoError(t, err)
			const n = 1000
			for range n {
				c.Incr("tasks.deliver_sms")
			}
			require.NoError(t, c.Close())
			packets, lines := readPackets(t, ln, n)
			require.Len(t, lines, n)
			limit := tc.max
			if limit == 0 {
				limit = statsd.DefaultMaxPacketSize
			}
			for _, p := range packets {
				assert.LessOrEqual(t, len(p), limit)
				assert.False(t, strings.HasSuffix(p, "\n"), "no trailing newline")
			}
			// Lines are packed: every packet but the last is nearly full.
			line := len("tasks.deliver_sms:1|c") + 1
			assert.LessOrEqual(t, len(packets), n/(limit/line)+1)
			for _, l := range lines {
				assert.Equal(t, "tasks.deliver_sms:1|c", l)
			}
		})
	}
}

func TestLongLineSentAlone(t *testing.T) {
	t.Parallel()
	ln, addr := listen(t)
	c, err := statsd.New(addr, statsd.Options{MaxPacketSize: 20})
	require.NoError(t, err)
	long := strings.Repeat("x", 40)
	c.Incr("a")
	c.Incr(long)
	c.Incr("b")
	require.NoError(t, c.Close())
	packets, _ := readPackets(t, ln, 3)
	assert.Equal(t, []string{"a:1|c", long + ":1|c", "b:1|c"}, packets)
}

// TestDeadServer checks that a StatsD server that is not there never slows
// or fails the caller.
func TestDeadServer(t *testing.T) {
	t.Parallel()
	// A port that was just free: nothing listens on it.
	ln, addr := listen(t)
	require.NoError(t, ln.Close())

	c, err := statsd.New(addr, statsd.Options{})
	require.NoError(t, err)
	const n = 100_000
	start := time.Now()
	for i := range n {
		switch i % 3 {
		case 0:
			c.Incr("dao.get_service")
		case 1:
			c.Timing("dao.get_service", time.Millisecond)
		default:
			c.Gauge("queue.depth", float64(i))
		}
	}
	elapsed := time.Since(start)
	closeStart := time.Now()
	require.NoError(t, c.Close())
	t.Logf("%d metrics in %v (%v each), close %v, dropped %d, write errors %d",
		n, elapsed, elapsed/n, time.Since(closeStart), c.Dropped(), c.WriteErrors())
	assert.Less(t, elapsed, 2*time.Second, "callers are never held up")
	assert.Less(t, time.Since(closeStart), 2*time.Second)
}

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		addr    string
		wantErr bool
	}{
		{"ok", "127.0.0.1:8125", false},
		{"empty", "", true},
		{"no port", "127.0.0.1", true},
		{"bad port", "127.0.0.1:notaport", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := statsd.New(tc.addr, statsd.Options{})
			if tc.wantErr {
				require.Error(t, err)
				assert.Nil(t, c)
				return
			}
			require.NoError(t, err)
			require.NoError(t, c.Close())
		})
	}
	_, err := statsd.New("127.0.0.1:notaport", statsd.Options{})
	var netErr net.Error
	assert.True(t, errors.As(err, &netErr), "the cause is wrapped: %v", err)
}

func TestAfterClose(t *testing.T) {
	t.Parallel()
	_, addr := listen(t)
	c, err := statsd.New(addr, statsd.Options{})
	require.NoError(t, err)
	require.NoError(t, c.Close())
	require.NoError(t, c.Close(), "a second Close does nothing")
	c.Incr("late")
	c.Timing("late", time.Second)
	c.Gauge("late", 1)
	assert.Equal(t, uint64(3), c.Dropped(), "metrics after Close are dropped and counted")
}
