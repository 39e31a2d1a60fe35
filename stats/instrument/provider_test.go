package instrument_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/provider/providertest"
	"github.com/notifykit/notify/provider/sandbox"
	"github.com/notifykit/notify/stats/instrument"
)

func TestProviderSend(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    sandbox.Options
		wantErr bool
		events  []event
	}{
		{"success", sandbox.Options{}, false, []event{
			{"timing", "clients.sandbox.request-time"}, {"incr", "clients.sandbox.success"},
		}},
		{"error", sandbox.Options{FailPermanently: func(notify.Message) bool { return true }}, true, []event{
			{"timing", "clients.sandbox.request-time"}, {"incr", "clients.sandbox.error"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			sb := sandbox.New(tc.opts)
			p := instrument.Provider(sb, rec)
			assert.Equal(t, sb.Name(), p.Name())
			assert.Equal(t, sb.Type(), p.Type())

			ref, err := p.Send(t.Context(), providertest.Message(notify.SMS))
			if tc.wantErr {
				require.Error(t, err)
				assert.ErrorIs(t, err, notify.ErrPermanent, "errors pass through unchanged")
			} else {
				require.NoError(t, err)
				assert.NotEmpty(t, ref)
				require.Len(t, sb.Sent(), 1, "the message reached the wrapped provider")
				assert.Equal(t, ref, sb.Sent()[0].Ref)
			}
			assert.Equal(t, tc.events, rec.Events(""))
		})
	}
}

// plainProvider has neither SimulateReceipt nor Close.
type plainProvider struct{ err error }

func (plainProvider) Name() string                  { return "mmg" }
func (plainProvider) Type() notify.NotificationType { return notify.SMS }
func (p plainProvider) Send(context.Context, notify.Message) (string, error) {
	return "ref-1", p.err
}

// closingProvider has Close but not SimulateReceipt.
type closingProvider struct {
	plainProvider
	closed bool
}

func (p *closingProvider) Close() error { p.closed = true; return errors.New("closed") }

// closingSandbox has both.
type closingSandbox struct {
	*sandbox.Sandbox
	closed bool
}

func (p *closingSandbox) Close() error { p.closed = true; return nil }

func TestProviderOptionalInterfaces(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		inner             notify.Provider
		simulator, closer bool
	}{
		{"plain", plainProvider{}, false, false},
		{"closer", &closingProvider{}, false, true},
		{"simulator", sandbox.New(sandbox.Options{}), true, false},
		{"simulator and closer", &closingSandbox{Sandbox: sandbox.New(sandbox.Options{})}, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := instrument.Provider(tc.inner, &recorder{})
			sim, isSim := p.(notify.ReceiptSimulator)
			assert.Equal(t, tc.simulator, isSim, "ReceiptSimulator kept exactly when the inner provider has it")
			c, isCloser := p.(interface{ Close() error })
			assert.Equal(t, tc.closer, isCloser, "Close kept exactly when the inner provider has it")
			u, ok := p.(interface{ Unwrap() notify.Provider })
			require.True(t, ok)
			assert.Equal(t, tc.inner, u.Unwrap())

			if isSim {
				m := providertest.Message(notify.SMS)
				want := tc.inner.(notify.ReceiptSimulator).SimulateReceipt(m, "ref")
				got := sim.SimulateReceipt(m, "ref")
				assert.Equal(t, want.Status, got.Status, "SimulateReceipt is the inner provider's")
				assert.Equal(t, want.ProviderReference, got.ProviderReference)
			}
			if isCloser {
				wantErr := tc.inner.(interface{ Close() error }).Close()
				assert.Equal(t, wantErr, c.Close(), "Close is the inner provider's")
			}
		})
	}
	assert.Nil(t, instrument.Provider(nil, nil))
}

func TestProviderErrorCounted(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	boom := errors.New("boom")
	p := instrument.Provider(plainProvider{err: boom}, rec)
	_, err := p.Send(t.Context(), notify.Message{})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, []event{{"timing", "clients.mmg.request-time"}, {"incr", "clients.mmg.error"}}, rec.Events(""))
}

func TestProviderConformance(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	providertest.Run(t, providertest.Harness{
		New: func(*testing.T) notify.Provider { return instrument.Provider(sandbox.New(sandbox.Options{}), rec) },
	})
	assert.NotEmpty(t, rec.Events("clients.sandbox.success"))
}
