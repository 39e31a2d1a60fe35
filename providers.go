package notify

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// Defaults of provider choice.
const (
	DefaultProviderPriority       = 100
	DefaultProviderErrorThreshold = 50
	DefaultProviderErrorWindow    = time.Minute
	DefaultProviderRecovery       = 5 * time.Minute
)

// ProviderChoice tunes how the Notifier chooses among several providers of
// a channel, as upstream does: a weighted random choice by priority among the
// active ones; a provider that fails more than ErrorThreshold times within
// ErrorWindow has its priority halved, and priorities drift back to their
// configured value over Recovery.
type ProviderChoice struct {
	// Priorities by provider name; a provider not listed has
	// DefaultProviderPriority. A priority of 0 or less disables a provider
	// (it is still tried when every other one failed).
	Priorities map[string]int
	// ErrorThreshold is the number of errors within ErrorWindow that lowers
	// a provider's priority (50).
	ErrorThreshold int
	// ErrorWindow is the window errors are counted in (1m).
	ErrorWindow time.Duration
	// Recovery is how long a lowered priority takes to drift back to its
	// configured value (5m).
	Recovery time.Duration
}

// providerPool holds the providers of one channel and their current
// priorities. It is safe for concurrent use.
type providerPool struct {
	cfg   ProviderChoice
	now   func() time.Time
	mu    sync.Mutex
	items []*poolItem
}

type poolItem struct {
	p        Provider
	base     float64
	weight   float64
	updated  time.Time
	errors   int
	windowAt time.Time
}

func newProviderPool(ps []Provider, cfg ProviderChoice, now func() time.Time) *providerPool {
	setDefault(&cfg.ErrorThreshold, DefaultProviderErrorThreshold)
	setDefault(&cfg.ErrorWindow, DefaultProviderErrorWindow)
	setDefault(&cfg.Recovery, DefaultProviderRecovery)
	pool := &providerPool{cfg: cfg, now: now}
	t := now()
	for _, p := range ps {
		base := float64(DefaultProviderPriority)
		if v, ok := cfg.Priorities[p.Name()]; ok {
			base = float64(max(v, 0))
		}
		pool.items = append(pool.items, &poolItem{p: p, base: base, weight: base, updated: t, windowAt: t})
	}
	return pool
}

// recover moves an item's weight back towards its base.
func (pool *providerPool) recover(it *poolItem, now time.Time) {
	if it.weight < it.base && pool.cfg.Recovery > 0 {
		step := it.base * float64(now.Sub(it.updated)) / float64(pool.cfg.Recovery)
		it.weight = min(it.base, it.weight+step)
	}
	it.updated = now
}

// order returns the providers to try for one delivery: first a weighted
// random choice among those with a positive priority, then the others by
// descending priority (failover), disabled ones last.
func (pool *providerPool) order() []Provider {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	now := pool.now()
	total := 0.0
	for _, it := range pool.items {
		pool.recover(it, now)
		if it.weight > 0 {
			total += it.weight
		}
	}
	first := -1
	if total > 0 {
		r := rand.Float64() * total
		for i, it := range pool.items {
			if it.weight <= 0 {
				continue
			}
			if r < it.weight {
				first = i
				break
			}
			r -= it.weight
			first = i // rounding: the last positive one
		}
	}
	rest := make([]int, 0, len(pool.items))
	for i := range pool.items {
		if i != first {
			rest = append(rest, i)
		}
	}
	slices.SortStableFunc(rest, func(a, b int) int {
		wa, wb := pool.items[a].weight, pool.items[b].weight
		switch {
		case wa > wb:
			return -1
		case wa < wb:
			return 1
		}
		return 0
	})
	out := make([]Provider, 0, len(pool.items))
	if first >= 0 {
		out = append(out, pool.items[first].p)
	}
	for _, i := range rest {
		out = append(out, pool.items[i].p)
	}
	return out
}

// failed records a retryable error of p; past the threshold within the
// window its priority is halved.
func (pool *providerPool) failed(p Provider) {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	now := pool.now()
	for _, it := range pool.items {
		if it.p != p {
			continue
		}
		pool.recover(it, now)
		if now.Sub(it.windowAt) > pool.cfg.ErrorWindow {
			it.errors, it.windowAt = 0, now
		}
		it.errors++
		if it.errors > pool.cfg.ErrorThreshold {
			it.weight /= 2
			it.errors, it.windowAt = 0, now
		}
		return
	}
}

// priorities returns the current priority of each provider by name.
func (pool *providerPool) priorities() map[string]float64 {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	now := pool.now()
	out := make(map[string]float64, len(pool.items))
	for _, it := range pool.items {
		pool.recover(it, now)
		out[it.p.Name()] = it.weight
	}
	return out
}

// ProviderPriorities returns the current priority of each real provider of
// a channel, by name: the configured one, or less after errors.
func (n *Notifier) ProviderPriorities(typ NotificationType) map[string]float64 {
	if pool := n.pools[typ]; pool != nil {
		return pool.priorities()
	}
	return nil
}

// sendVia tries the providers in order until one accepts: an error fails
// over to the next provider within the same delivery attempt (a permanent
// error may be the provider's own, such as a suspended account, so the
// others are still tried). It returns the provider that accepted, or the
// errors: permanent only when every provider refused permanently.
func sendVia(ctx context.Context, ps []Provider, send func(Provider) (string, error), failed func(Provider)) (Provider, string, error) {
	var errs []error
	allPermanent := true
	for _, p := range ps {
		ref, err := send(p)
		if err == nil {
			return p, ref, nil
		}
		errs = append(errs, err)
		allPermanent = allPermanent && IsPermanent(err)
		if failed != nil {
			failed(p)
		}
		if ctx.Err() != nil {
			break
		}
	}
	last := ps[len(errs)-1]
	if len(errs) == 1 {
		return last, "", errs[0]
	}
	if allPermanent {
		return last, "", Permanent(errors.Join(errs...))
	}
	return last, "", retryableErrors(errs)
}

// retryableErrors joins the errors of an attempt that may be retried: its
// text names every error, but errors.Is sees only the retryable ones, so
// a provider's permanent refusal does not make the attempt permanent.
type retryableErrors []error

func (es retryableErrors) Error() string { return errors.Join(es...).Error() }

func (es retryableErrors) Unwrap() []error {
	var out []error
	for _, e := range es {
		if !IsPermanent(e) {
			out = append(out, e)
		}
	}
	return out
}
