package instrument

import (
	"context"
	"time"

	"github.com/notifykit/notify"
)

// Provider returns p with every Send timed under
// clients.{provider}.request-time and counted under
// clients.{provider}.success or clients.{provider}.error, where provider is
// p.Name() read once, here. The result implements notify.ReceiptSimulator
// exactly when p does, has a Close() error method when p has one, and has
// Unwrap() notify.Provider. A nil p gives nil; a nil stats records
// nothing.
func Provider(p notify.Provider, stats notify.Stats) notify.Provider {
	if p == nil {
		return nil
	}
	if stats == nil {
		stats = notify.DiscardStats{}
	}
	base := "clients." + orUnnamed(p.Name())
	w := &provider{
		inner:       p,
		stats:       stats,
		requestTime: base + ".request-time",
		success:     base + ".success",
		failure:     base + ".error",
	}
	sim, isSim := p.(notify.ReceiptSimulator)
	c, isCloser := p.(closer)
	switch {
	case isSim && isCloser:
		return &simClosingProvider{provider: w, ReceiptSimulator: sim, closer: c}
	case isSim:
		return &simProvider{provider: w, ReceiptSimulator: sim}
	case isCloser:
		return &closingProvider{provider: w, closer: c}
	}
	return w
}

// provider is the instrumented Provider.
type provider struct {
	inner                         notify.Provider
	stats                         notify.Stats
	requestTime, success, failure string
}

// simProvider is the instrumented Provider of a ReceiptSimulator.
type simProvider struct {
	*provider
	notify.ReceiptSimulator
}

// closingProvider is the instrumented Provider of a provider that has
// Close.
type closingProvider struct {
	*provider
	closer
}

// simClosingProvider is the instrumented Provider of a ReceiptSimulator
// that has Close.
type simClosingProvider struct {
	*provider
	notify.ReceiptSimulator
	closer
}

var (
	_ notify.Provider         = (*provider)(nil)
	_ notify.ReceiptSimulator = (*simProvider)(nil)
	_ notify.ReceiptSimulator = (*simClosingProvider)(nil)
	_ closer                  = (*closingProvider)(nil)
	_ closer                  = (*simClosingProvider)(nil)
)

// Unwrap returns the wrapped provider.
func (p *provider) Unwrap() notify.Provider { return p.inner }

// Name returns the wrapped provider's name.
func (p *provider) Name() string { return p.inner.Name() }

// Type returns the wrapped provider's type.
func (p *provider) Type() notify.NotificationType { return p.inner.Type() }

// Send calls the wrapped provider's Send.
func (p *provider) Send(ctx context.Context, m notify.Message) (string, error) {
	start := time.Now()
	ref, err := p.inner.Send(ctx, m)
	p.stats.Timing(p.requestTime, time.Since(start))
	if err != nil {
		p.stats.Incr(p.failure)
	} else {
		p.stats.Incr(p.success)
	}
	return ref, err
}
