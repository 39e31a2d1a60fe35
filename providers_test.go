package notify

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type fakeProvider struct {
	name  string
	err   error
	calls atomic.Int32
}

func (p *fakeProvider) Name() string           { return p.name }
func (p *fakeProvider) Type() NotificationType { return SMS }
func (p *fakeProvider) Send(context.Context, Message) (string, error) {
	p.calls.Add(1)
	if p.err != nil {
		return "", p.err
	}
	return p.name + "-ref", nil
}

func TestProviderPoolWeightedChoice(t *testing.T) {
	t.Parallel()
	a, b, off := &fakeProvider{name: "a"}, &fakeProvider{name: "b"}, &fakeProvider{name: "off"}
	pool := newProviderPool([]Provider{a, b, off}, ProviderChoice{Priorities: map[string]int{"a": 30, "b": 10, "off": 0}}, time.Now)
	firsts := map[string]int{}
	const n = 8000
	for range n {
		order := pool.order()
		require.Len(t, order, 3)
		firsts[order[0].Name()]++
		assert.Equal(t, "off", order[2].Name(), "a disabled provider is tried last")
	}
	assert.InDelta(t, 0.75, float64(firsts["a"])/n, 0.04)
	assert.InDelta(t, 0.25, float64(firsts["b"])/n, 0.04)
	assert.Zero(t, firsts["off"])
}

func TestProviderPoolErrorsLowerPriorityThenItRecovers(t *testing.T) {
	t.Parallel()
	now := time.Now()
	clock := func() time.Time { return now }
	a := &fakeProvider{name: "a"}
	pool := newProviderPool([]Provider{a}, ProviderChoice{ErrorThreshold: 3, ErrorWindow: time.Minute, Recovery: 10 * time.Minute}, clock)
	for range 3 {
		pool.failed(a)
	}
	assert.Equal(t, 100.0, pool.priorities()["a"], "at the threshold nothing changes")
	pool.failed(a)
	assert.Equal(t, 50.0, pool.priorities()["a"], "past the threshold the priority halves")
	now = now.Add(5 * time.Minute)
	assert.InDelta(t, 100.0, pool.priorities()["a"], 0.001, "half the recovery time brings back half the base")
	// Errors spread over more than the window do not add up.
	for range 3 {
		pool.failed(a)
		now = now.Add(2 * time.Minute)
	}
	pool.failed(a)
	assert.InDelta(t, 100.0, pool.priorities()["a"], 0.001)
}

func TestSendViaFailsOver(t *testing.T) {
	t.Parallel()
	down := &fakeProvider{name: "down", err: errors.New("503")}
	up := &fakeProvider{name: "up"}
	var failed []string
	p, ref, err := sendVia(context.Background(), []Provider{down, up},
		func(p Provider) (string, error) { return p.Send(context.Background(), Message{}) },
		func(p Provider) { failed = append(failed, p.Name()) })
	require.NoError(t, err)
	assert.Equal(t, "up", p.Name())
	assert.Equal(t, "up-ref", ref)
	assert.Equal(t, []string{"down"}, failed)

	suspended := &fakeProvider{name: "suspended", err: Permanent(errors.New("account suspended"))}
	p, _, err = sendVia(context.Background(), []Provider{suspended, up},
		func(p Provider) (string, error) { return p.Send(context.Background(), Message{}) }, nil)
	require.NoError(t, err, "a provider's permanent error fails over too")
	assert.Equal(t, "up", p.Name())

	invalid := &fakeProvider{name: "invalid", err: Permanent(errors.New("invalid number"))}
	_, _, err = sendVia(context.Background(), []Provider{suspended, invalid},
		func(p Provider) (string, error) { return p.Send(context.Background(), Message{}) }, nil)
	assert.True(t, IsPermanent(err), "permanent when every provider refused permanently")
	_, _, err = sendVia(context.Background(), []Provider{invalid, down},
		func(p Provider) (string, error) { return p.Send(context.Background(), Message{}) }, nil)
	assert.False(t, IsPermanent(err), "one retryable refusal makes the whole attempt retryable")

	other := &fakeProvider{name: "other", err: errors.New("timeout")}
	_, _, err = sendVia(context.Background(), []Provider{down, other},
		func(p Provider) (string, error) { return p.Send(context.Background(), Message{}) }, nil)
	require.Error(t, err)
	assert.False(t, IsPermanent(err))
	assert.ErrorContains(t, err, "503")
	assert.ErrorContains(t, err, "timeout")
}
