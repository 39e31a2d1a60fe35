package httpapi

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// statusProbeInterval is the least time between two probes of the store
// by GET /_status: the answers in between repeat the last probe's, so
// that no caller can hammer the database through it.
const statusProbeInterval = time.Second

// statusProbeSetting is the setting the write probe upserts.
const statusProbeSetting = "httpapi.status-probe"

// settingWriter is the write GET /_status tries when the Pinger has it
// (notify.Store does): a store that answers but cannot write, full or
// read-only, is not ok.
type settingWriter interface {
	LoadOrStoreSetting(ctx context.Context, name, value string) (string, error)
}

// statusProbe is a Pinger that pings p and, when p can, writes a setting,
// at most once per interval; concurrent calls share one probe.
type statusProbe struct {
	p        Pinger
	interval time.Duration

	mu      sync.Mutex
	at      time.Time     // when the last probe ended
	err     error         // its result
	version *string       // the schema version it read, nil when unknown
	running chan struct{} // closed when the probe in flight ends
}

// newStatusProbe returns the probe of GET /_status on p.
func newStatusProbe(p Pinger) *statusProbe {
	return &statusProbe{p: p, interval: statusProbeInterval}
}

// Ping returns the result of the last probe when it is recent, else
// probes (or waits for the probe in flight).
func (s *statusProbe) Ping(ctx context.Context) error {
	s.mu.Lock()
	if !s.at.IsZero() && time.Since(s.at) < s.interval {
		err := s.err
		s.mu.Unlock()
		return err
	}
	if ch := s.running; ch != nil {
		s.mu.Unlock()
		select {
		case <-ch:
			s.mu.Lock()
			defer s.mu.Unlock()
			return s.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	ch := make(chan struct{})
	s.running = ch
	s.mu.Unlock()

	// The probe outlives a caller that goes away: its result serves the
	// others.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	err := s.probe(pctx)
	var version *string
	if err == nil {
		version = schemaVersion(pctx, s.p)
	}
	cancel()

	s.mu.Lock()
	s.at, s.err, s.version, s.running = time.Now(), err, version, nil
	s.mu.Unlock()
	close(ch)
	return err
}

// probe pings, then writes when the store can.
func (s *statusProbe) probe(ctx context.Context) error {
	if err := s.p.Ping(ctx); err != nil {
		return err
	}
	w, ok := s.p.(settingWriter)
	if !ok {
		return nil
	}
	if _, err := w.LoadOrStoreSetting(ctx, statusProbeSetting, "ok"); err != nil {
		return fmt.Errorf("the store answers but cannot write: %w", err)
	}
	return nil
}

// errNoSchemaVersion says the probed store told no schema version.
var errNoSchemaVersion = errors.New("httpapi: the store has no schema version")

// CurrentSchemaVersion is the schema version the last probe read, so that
// the status body costs the store nothing between probes.
func (s *statusProbe) CurrentSchemaVersion(context.Context) (int, error) {
	s.mu.Lock()
	v := s.version
	s.mu.Unlock()
	if v == nil {
		return 0, errNoSchemaVersion
	}
	return strconv.Atoi(*v)
}
