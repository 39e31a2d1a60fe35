package sandbox_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/provider/providertest"
	"github.com/notifykit/notify/provider/sandbox"
)

// switchable lets the harness turn failures on and off.
type switchable struct {
	*sandbox.Sandbox
	mode atomic.Int32 // 0 ok, 1 retryable, 2 permanent
}

func TestConformance(t *testing.T) {
	providertest.Run(t, providertest.Harness{
		New: func(t *testing.T) notify.Provider {
			s := &switchable{}
			s.Sandbox = sandbox.New(sandbox.Options{
				FailPermanently: func(notify.Message) bool { return s.mode.Load() == 2 },
			})
			return s
		},
		Delivered: func(t *testing.T, p notify.Provider, ref string) (notify.Message, bool) {
			for _, m := range p.(*switchable).Sent() {
				if m.Ref == ref {
					return m.Message, true
				}
			}
			return notify.Message{}, false
		},
		Fail: func(t *testing.T, p notify.Provider, permanent bool) {
			if permanent {
				p.(*switchable).mode.Store(2)
				return
			}
			p.(*switchable).mode.Store(1)
		},
		Heal: func(t *testing.T, p notify.Provider) { p.(*switchable).mode.Store(0) },
	})
}

func (s *switchable) Send(ctx context.Context, m notify.Message) (string, error) {
	if s.mode.Load() == 1 {
		return "", sandbox.ErrSimulatedFailure
	}
	return s.Sandbox.Send(ctx, m)
}

func TestFakeReceipts(t *testing.T) {
	s := sandbox.New(sandbox.Options{})
	cases := []struct {
		typ  notify.NotificationType
		to   string
		want notify.Status
	}{
		{notify.SMS, "447700900003", notify.StatusTemporaryFailure},
		{notify.SMS, "447700900002", notify.StatusPermanentFailure},
		{notify.SMS, "447700900001", notify.StatusDelivered},
		{notify.Email, "temp-fail@simulator.notify", notify.StatusTemporaryFailure},
		{notify.Email, "perm-fail@simulator.notify", notify.StatusPermanentFailure},
		{notify.Email, "delivered@simulator.notify", notify.StatusDelivered},
	}
	for _, c := range cases {
		m := providertest.Message(c.typ)
		m.To = c.to
		ref, err := s.Send(context.Background(), m)
		require.NoError(t, err)
		r := s.SimulateReceipt(m, ref)
		assert.Equal(t, c.want, r.Status, c.to)
		assert.Equal(t, "sandbox", r.Provider)
		assert.Equal(t, m.NotificationID, r.NotificationID)
	}
	assert.Len(t, s.SentTo("447700900003"), 1)
	assert.Equal(t, 6, s.Attempts())
	s.Reset()
	assert.Empty(t, s.Sent())
}

func TestFailRateIsRetryable(t *testing.T) {
	s := sandbox.New(sandbox.Options{FailRate: 1, Seed: 1})
	_, err := s.Send(context.Background(), providertest.Message(notify.SMS))
	require.ErrorIs(t, err, sandbox.ErrSimulatedFailure)
	assert.False(t, notify.IsPermanent(err))
	assert.Empty(t, s.Sent())
}
