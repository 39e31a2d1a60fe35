// Package sandbox is a notify.Provider that sends nothing. It records every
// message it is given, fakes delivery receipts (as GOV.UK Notify's test keys do: numbers ending
// 7700900003 and temp-fail@simulator.notify fail temporarily, 7700900002 and
// perm-fail@simulator.notify permanently, everything else is delivered), and
// can be told to fail, for tests of retries and reliability.
//
// The Notifier uses a sandbox for simulate keys, research-mode services and
// every channel without a real provider.
package sandbox

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// Options configure a Sandbox. The zero value accepts every message at once.
type Options struct {
	// FailRate is the fraction (0 to 1) of sends that fail with a retryable
	// error.
	FailRate float64
	// FailPermanently, when set, decides which messages fail with a
	// permanent error.
	FailPermanently func(m notify.Message) bool
	// Latency is how long each send takes.
	Latency time.Duration
	// Seed seeds the random failures, for repeatable runs (0: random).
	Seed uint64
}

// ErrSimulatedFailure is the retryable error of a simulated failure.
var ErrSimulatedFailure = errors.New("sandbox: simulated provider failure")

// Sent is a message the sandbox accepted.
type Sent struct {
	Message notify.Message
	Ref     string
	At      time.Time
}

// Sandbox is a fake provider for every channel. It is safe for concurrent
// use.
type Sandbox struct {
	opts     Options
	mu       sync.Mutex
	rnd      *rand.Rand
	sent     []Sent
	attempts int
}

var (
	_ notify.Provider         = (*Sandbox)(nil)
	_ notify.ReceiptSimulator = (*Sandbox)(nil)
)

// New returns a Sandbox.
func New(opts Options) *Sandbox {
	seed := opts.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	return &Sandbox{opts: opts, rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// Name is "sandbox".
func (s *Sandbox) Name() string { return notify.SandboxName }

// Type is empty: the sandbox takes every channel.
func (s *Sandbox) Type() notify.NotificationType { return "" }

// Send records m and returns a fresh reference, or fails as configured.
func (s *Sandbox) Send(ctx context.Context, m notify.Message) (string, error) {
	if s.opts.Latency > 0 {
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(s.opts.Latency):
		}
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts++
	if s.opts.FailPermanently != nil && s.opts.FailPermanently(m) {
		return "", notify.Permanent(errors.New("sandbox: simulated permanent failure"))
	}
	if s.opts.FailRate > 0 && s.rnd.Float64() < s.opts.FailRate {
		return "", ErrSimulatedFailure
	}
	ref := uuid.NewString()
	s.sent = append(s.sent, Sent{Message: m, Ref: ref, At: time.Now()})
	return ref, nil
}

// SimulateReceipt returns the fake receipt for a sent message.
func (s *Sandbox) SimulateReceipt(m notify.Message, ref string) notify.Receipt {
	return notify.Receipt{Provider: notify.SandboxName, NotificationID: m.NotificationID,
		ProviderReference: ref, Status: notify.SimulatedStatus(m.Type, m.To)}
}

// Sent returns a copy of every message accepted so far, in order.
func (s *Sandbox) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Sent, len(s.sent))
	copy(out, s.sent)
	return out
}

// SentTo returns the accepted messages whose normalised recipient is to.
func (s *Sandbox) SentTo(to string) []Sent {
	var out []Sent
	for _, m := range s.Sent() {
		if m.Message.To == to {
			out = append(out, m)
		}
	}
	return out
}

// Attempts is how many sends were tried, failed ones included.
func (s *Sandbox) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

// Reset forgets every recorded message.
func (s *Sandbox) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent, s.attempts = nil, 0
}
