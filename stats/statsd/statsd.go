// Package statsd is a notify.Stats that sends metrics to a StatsD server
// over UDP, in the plain StatsD line protocol upstream GOV.UK Notify used:
//
//	name:1|c      a counter (Incr)
//	name:1.5|ms   a timing in milliseconds, with a fractional part (Timing)
//	name:3|g      a gauge (Gauge)
//
// A Client never blocks or fails its caller: Incr, Timing and Gauge put the
// metric on a buffered channel and return; when the channel is full the
// metric is dropped and counted (see Client.Dropped). One goroutine formats
// the metrics and batches the lines, separated by newlines, into packets of
// at most Options.MaxPacketSize bytes, sent when full and every
// Options.FlushInterval. A StatsD server that is down or unreachable
// therefore costs its callers nothing.
//
// A metric name may not hold the protocol's separators: ':', '|', '@',
// newlines and spaces are replaced by '_'. A negative gauge is sent as a
// reset to zero followed by the value, in one packet, since StatsD reads a
// leading minus sign as a change to the gauge. NaN and infinite gauges are
// dropped.
//
// This small client stands in for a library on purpose: the buffered
// sender of github.com/cactus/go-statsd-client blocks its callers once its
// packet queue is full and keeps no count of lost metrics, which a
// best-effort Stats must not do.
package statsd

import (
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/notifykit/notify"
)

// Defaults of Options.
const (
	// DefaultFlushInterval is how long a partly filled packet waits.
	DefaultFlushInterval = 100 * time.Millisecond
	// DefaultMaxPacketSize keeps a packet within an Ethernet frame once IP
	// and UDP headers are added (1500 − 68).
	DefaultMaxPacketSize = 1432
	// DefaultQueueSize is how many metrics wait for the sender before new
	// ones are dropped.
	DefaultQueueSize = 8192
)

// Options configure a Client. Zero values select the defaults.
type Options struct {
	// Prefix is put before every name, e.g. "notifications.api." (end it
	// with a dot).
	Prefix string
	// FlushInterval is the longest a metric waits in a partly filled
	// packet (default DefaultFlushInterval).
	FlushInterval time.Duration
	// MaxPacketSize bounds the payload of a packet in bytes (default
	// DefaultMaxPacketSize). A single line longer than this is sent alone.
	MaxPacketSize int
	// QueueSize is the capacity of the channel between callers and the
	// sender (default DefaultQueueSize).
	QueueSize int
}

// kind is the StatsD type of a metric.
type kind uint8

const (
	counter kind = iota
	timing
	gauge
)

// metric is one call waiting for the sender.
type metric struct {
	name  string
	value float64
	kind  kind
}

// Client is a StatsD client. It implements notify.Stats and notify.Gauger,
// and is safe for concurrent use. Create it with New and stop it with
// Close.
type Client struct {
	conn   net.Conn
	opts   Options
	queue  chan metric
	closed atomic.Bool
	quit   chan struct{}
	done   chan struct{}
	once   sync.Once

	dropped     atomic.Uint64
	writeErrors atomic.Uint64
}

var (
	_ notify.Stats  = (*Client)(nil)
	_ notify.Gauger = (*Client)(nil)
)

// New returns a Client that sends to addr ("host:port"). It resolves addr
// and opens a UDP socket; it does not need a server to answer (UDP has no
// handshake), so a server that is down is not an error here.
func New(addr string, opts Options) (*Client, error) {
	if addr == "" {
		return nil, errors.New("statsd: empty address")
	}
	raddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("statsd: resolve %q: %w", addr, err)
	}
	conn, err := net.DialUDP("udp", nil, raddr)
	if err != nil {
		return nil, fmt.Errorf("statsd: dial %s: %w", addr, err)
	}
	c := newClient(conn, opts)
	go c.run()
	return c, nil
}

// newClient returns a Client writing to conn whose sender is not started.
func newClient(conn net.Conn, opts Options) *Client {
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = DefaultFlushInterval
	}
	if opts.MaxPacketSize <= 0 {
		opts.MaxPacketSize = DefaultMaxPacketSize
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = DefaultQueueSize
	}
	return &Client{
		conn:  conn,
		opts:  opts,
		queue: make(chan metric, opts.QueueSize),
		quit:  make(chan struct{}),
		done:  make(chan struct{}),
	}
}

// Incr adds one to the counter name.
func (c *Client) Incr(name string) { c.put(metric{name: name, value: 1, kind: counter}) }

// Timing records d under name, in milliseconds.
func (c *Client) Timing(name string, d time.Duration) {
	c.put(metric{name: name, value: float64(d) / float64(time.Millisecond), kind: timing})
}

// Gauge sets the gauge name to value.
func (c *Client) Gauge(name string, value float64) {
	c.put(metric{name: name, value: value, kind: gauge})
}

// put hands m to the sender without waiting.
func (c *Client) put(m metric) {
	if c.closed.Load() {
		c.dropped.Add(1)
		return
	}
	select {
	case c.queue <- m:
	default:
		c.dropped.Add(1)
	}
}

// Dropped returns how many metrics were dropped because the queue was full
// or the Client closed.
func (c *Client) Dropped() uint64 { return c.dropped.Load() }

// WriteErrors returns how many packets the socket refused (for instance
// after the server's host answered that nothing listens on the port).
func (c *Client) WriteErrors() uint64 { return c.writeErrors.Load() }

// Close sends the metrics still queued, stops the sender and closes the
// socket. Metrics recorded after Close are dropped. Calling Close again
// does nothing and returns nil.
func (c *Client) Close() error {
	var err error
	c.once.Do(func() {
		c.closed.Store(true)
		close(c.quit)
		<-c.done
		if cerr := c.conn.Close(); cerr != nil {
			err = fmt.Errorf("statsd: close: %w", cerr)
		}
	})
	return err
}

// run is the sender: it batches queued metrics into packets until Close.
func (c *Client) run() {
	defer close(c.done)
	ticker := time.NewTicker(c.opts.FlushInterval)
	defer ticker.Stop()
	s := sender{c: c, buf: make([]byte, 0, c.opts.MaxPacketSize)}
	for {
		select {
		case m := <-c.queue:
			s.add(m)
		case <-ticker.C:
			s.flush()
		case <-c.quit:
			for {
				select {
				case m := <-c.queue:
					s.add(m)
				default:
					s.flush()
					return
				}
			}
		}
	}
}

// sender holds the packet being filled; only run uses it.
type sender struct {
	c    *Client
	buf  []byte // the packet
	line []byte // the metric being formatted
}

// add appends m to the packet, sending the packet first when m does not
// fit.
func (s *sender) add(m metric) {
	s.line = s.c.format(s.line[:0], m)
	if len(s.line) == 0 {
		return
	}
	if len(s.buf) > 0 && len(s.buf)+1+len(s.line) > s.c.opts.MaxPacketSize {
		s.flush()
	}
	if len(s.buf) > 0 {
		s.buf = append(s.buf, '\n')
	}
	s.buf = append(s.buf, s.line...)
	if len(s.buf) >= s.c.opts.MaxPacketSize {
		s.flush()
	}
}

// flush sends the packet, if any.
func (s *sender) flush() {
	if len(s.buf) == 0 {
		return
	}
	if _, err := s.c.conn.Write(s.buf); err != nil {
		s.c.writeErrors.Add(1)
	}
	s.buf = s.buf[:0]
}

// format appends the protocol line(s) of m to b; it appends nothing for a
// metric that cannot be sent.
func (c *Client) format(b []byte, m metric) []byte {
	if m.name == "" {
		return b
	}
	switch m.kind {
	case counter:
		b = c.appendName(b, m.name)
		return append(b, ":1|c"...)
	case timing:
		b = c.appendName(b, m.name)
		b = append(b, ':')
		b = strconv.AppendFloat(b, m.value, 'f', -1, 64)
		return append(b, "|ms"...)
	default:
		if math.IsNaN(m.value) || math.IsInf(m.value, 0) {
			return b
		}
		if m.value < 0 {
			b = c.appendName(b, m.name)
			b = append(b, ":0|g\n"...)
		}
		b = c.appendName(b, m.name)
		b = append(b, ':')
		b = strconv.AppendFloat(b, m.value, 'f', -1, 64)
		return append(b, "|g"...)
	}
}

// appendName appends the prefix and name with the protocol's separators
// replaced.
func (c *Client) appendName(b []byte, name string) []byte {
	for _, s := range [2]string{c.opts.Prefix, name} {
		for i := 0; i < len(s); i++ {
			switch ch := s[i]; ch {
			case ':', '|', '@', '\n', '\r', ' ':
				b = append(b, '_')
			default:
				b = append(b, ch)
			}
		}
	}
	return b
}
