// Metrics wrappers: the seed's statsd decorator (SPEC A8).

package notify

import (
	"context"
	"time"
)

// InstrumentProvider returns p with every Send timed under
// clients.{provider}.request-time and counted under
// clients.{provider}.success or clients.{provider}.error, where provider is
// p.Name() read once, here. The result implements ReceiptSimulator
// exactly when p does, has a Close() error method when p has one, and has
// Unwrap() Provider. A nil p gives nil; a nil stats records
// nothing.
func InstrumentProvider(p Provider, stats Stats) Provider {
	if p == nil {
		return nil
	}
	if stats == nil {
		stats = DiscardStats{}
	}
	base := "clients." + instrOrUnnamed(p.Name())
	w := &instrProvider{
		inner:       p,
		stats:       stats,
		requestTime: base + ".request-time",
		success:     base + ".success",
		failure:     base + ".error",
	}
	sim, isSim := p.(ReceiptSimulator)
	c, isCloser := p.(instrCloser)
	switch {
	case isSim && isCloser:
		return &instrSimClosingProvider{instrProvider: w, ReceiptSimulator: sim, instrCloser: c}
	case isSim:
		return &instrSimProvider{instrProvider: w, ReceiptSimulator: sim}
	case isCloser:
		return &instrClosingProvider{instrProvider: w, instrCloser: c}
	}
	return w
}

// provider is the instrumented Provider.
type instrProvider struct {
	inner                         Provider
	stats                         Stats
	requestTime, success, failure string
}

// simProvider is the instrumented Provider of a ReceiptSimulator.
type instrSimProvider struct {
	*instrProvider
	ReceiptSimulator
}

// closingProvider is the instrumented Provider of a provider that has
// Close.
type instrClosingProvider struct {
	*instrProvider
	instrCloser
}

// simClosingProvider is the instrumented Provider of a ReceiptSimulator
// that has Close.
type instrSimClosingProvider struct {
	*instrProvider
	ReceiptSimulator
	instrCloser
}

var (
	_ Provider         = (*instrProvider)(nil)
	_ ReceiptSimulator = (*instrSimProvider)(nil)
	_ ReceiptSimulator = (*instrSimClosingProvider)(nil)
	_ instrCloser      = (*instrClosingProvider)(nil)
	_ instrCloser      = (*instrSimClosingProvider)(nil)
)

// Unwrap returns the wrapped provider.
func (p *instrProvider) Unwrap() Provider { return p.inner }

// Name returns the wrapped provider's name.
func (p *instrProvider) Name() string { return p.inner.Name() }

// Type returns the wrapped provider's type.
func (p *instrProvider) Type() NotificationType { return p.inner.Type() }

// Send calls the wrapped provider's Send.
func (p *instrProvider) Send(ctx context.Context, m Message) (string, error) {
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
