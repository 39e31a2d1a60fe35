package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/provider/sandbox"
)

// testOptions are flags for reliability tests only: they make the sandbox
// provider fail, slow down or log what it accepts, and shorten the Redis
// queue's retry delays. They are never needed in production, so -help does
// not list them (see register); they are accepted all the same:
//
//	-sandbox-fail-rate F              fraction of sends that fail retryably
//	-sandbox-permanent-fail-suffix S  sends to recipients ending in S fail permanently
//	-sandbox-latency D                each send takes D
//	-sandbox-log FILE                 append one JSON line per accepted send
//	-sandbox-seed N                   seed of the random failures (0: random)
//	-retry-backoff D                  first retry delay of the Redis queue (doubling, capped at 8×D)
type testOptions struct {
	sandboxFailRate float64
	sandboxPermFail string
	sandboxLatency  time.Duration
	sandboxLog      string
	retryBackoff    time.Duration
	sandboxFailSeed uint64
}

// register adds the test-only flags to fs and returns them as a flag set
// of their own, so that fs's usage can leave them out (printUsage).
func (t *testOptions) register(fs *flag.FlagSet) *flag.FlagSet {
	test := flag.NewFlagSet("test-only", flag.ContinueOnError)
	test.Float64Var(&t.sandboxFailRate, "sandbox-fail-rate", 0, "TEST ONLY: fraction (0 to 1) of sandbox sends that fail with a retryable error")
	test.StringVar(&t.sandboxPermFail, "sandbox-permanent-fail-suffix", "", "TEST ONLY: sandbox sends to recipients ending in this suffix fail permanently")
	test.DurationVar(&t.sandboxLatency, "sandbox-latency", 0, "TEST ONLY: how long each sandbox send takes")
	test.StringVar(&t.sandboxLog, "sandbox-log", "", "TEST ONLY: append one JSON line per send the sandbox accepted to this file (shared by processes)")
	test.DurationVar(&t.retryBackoff, "retry-backoff", 0, "TEST ONLY: first retry delay of the Redis queue, doubling up to 8 times it (0: the queue's default, 1s doubling to 5m)")
	test.Uint64Var(&t.sandboxFailSeed, "sandbox-seed", 0, "TEST ONLY: seed of the sandbox's random failures (0: random)")
	test.VisitAll(func(f *flag.Flag) { fs.Var(f.Value, f.Name, f.Usage) })
	return test
}

// printUsage writes fs's usage message, as the flag package would, without
// the flags of hidden.
func printUsage(fs, hidden *flag.FlagSet) {
	shown := flag.NewFlagSet(fs.Name(), flag.ContinueOnError)
	shown.SetOutput(fs.Output())
	fs.VisitAll(func(f *flag.Flag) {
		if hidden.Lookup(f.Name) != nil {
			return
		}
		shown.Var(f.Value, f.Name, f.Usage)
		// The default shown is the one registered, not a value parsed
		// before -help.
		shown.Lookup(f.Name).DefValue = f.DefValue
	})
	fmt.Fprintf(shown.Output(), "Usage of %s:\n", fs.Name())
	shown.PrintDefaults()
}

func (t *testOptions) check() error {
	if t.sandboxFailRate < 0 || t.sandboxFailRate > 1 {
		return fmt.Errorf("-sandbox-fail-rate %v: want 0 to 1", t.sandboxFailRate)
	}
	if t.sandboxLatency < 0 || t.retryBackoff < 0 {
		return errors.New("-sandbox-latency and -retry-backoff must not be negative")
	}
	return nil
}

// active reports whether any flag that changes the sandbox's behaviour is
// set.
func (t *testOptions) active() bool {
	return t.sandboxFailRate > 0 || t.sandboxPermFail != "" || t.sandboxLatency > 0 || t.sandboxLog != ""
}

// backoff returns the Redis queue's retry delays, or nil for its default.
func (t *testOptions) backoff() func(attempt int) time.Duration {
	base := t.retryBackoff
	if base <= 0 {
		return nil
	}
	return func(attempt int) time.Duration {
		attempt = min(max(attempt, 1), 4)
		return base << (attempt - 1) // base, 2×, 4×, 8× at most
	}
}

// sandbox returns the sandbox provider the flags describe and a function
// that closes its send log.
func (t *testOptions) sandbox() (notify.Provider, func(), error) {
	opts := sandbox.Options{FailRate: t.sandboxFailRate, Latency: t.sandboxLatency, Seed: t.sandboxFailSeed}
	if suffix := t.sandboxPermFail; suffix != "" {
		opts.FailPermanently = func(m notify.Message) bool { return strings.HasSuffix(m.To, suffix) }
	}
	sb := sandbox.New(opts)
	if t.sandboxLog == "" {
		return sb, func() {}, nil
	}
	f, err := os.OpenFile(t.sandboxLog, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("-sandbox-log: %w", err)
	}
	l := &sendLog{f: f, pid: os.Getpid()}
	return &loggedSandbox{Sandbox: sb, log: l}, func() { _ = l.close() }, nil
}

// sendLog appends one JSON line per accepted send. Each line is written
// with a single write on a file opened with O_APPEND, so lines from
// several processes sharing the file never interleave.
type sendLog struct {
	mu  sync.Mutex
	f   *os.File
	pid int
}

// SendLogLine is one line of a -sandbox-log file.
type SendLogLine struct {
	NotificationID string    `json:"notification_id"`
	Ref            string    `json:"ref"`
	To             string    `json:"to"`
	PID            int       `json:"pid"`
	At             time.Time `json:"at"`
}

func (l *sendLog) write(m notify.Message, ref string) error {
	b, err := json.Marshal(SendLogLine{NotificationID: m.NotificationID.String(), Ref: ref, To: m.To, PID: l.pid, At: time.Now().UTC()})
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return os.ErrClosed
	}
	_, err = l.f.Write(append(b, '\n'))
	return err
}

func (l *sendLog) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// loggedSandbox is a sandbox that logs every send it accepts.
type loggedSandbox struct {
	*sandbox.Sandbox
	log *sendLog
}

// Send sends through the sandbox and logs an accepted send before
// returning, so that a process killed right after still has it on record.
func (s *loggedSandbox) Send(ctx context.Context, m notify.Message) (string, error) {
	ref, err := s.Sandbox.Send(ctx, m)
	if err != nil {
		return "", err
	}
	if lerr := s.log.write(m, ref); lerr != nil {
		// The send happened: report the lost line, do not fail the send.
		fmt.Fprintf(os.Stderr, "sandbox-log: %v\n", lerr)
	}
	return ref, nil
}
