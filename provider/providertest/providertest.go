// Package providertest is the conformance suite for notify.Provider
// implementations. Every provider package runs it from a conformance test:
//
//	func TestConformance(t *testing.T) {
//		providertest.Run(t, providertest.Harness{New: func(t *testing.T) notify.Provider { ... }})
//	}
package providertest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// Harness describes the provider under test.
type Harness struct {
	// New returns a provider ready to send (its fake backend started).
	New func(t *testing.T) notify.Provider
	// Delivered, when set, returns what the provider's backend received
	// for ref, so the suite can check the message arrived intact.
	Delivered func(t *testing.T, p notify.Provider, ref string) (notify.Message, bool)
	// Fail, when set, makes the provider's backend fail the following sends:
	// retryably, or permanently when permanent is true. Heal undoes it.
	Fail func(t *testing.T, p notify.Provider, permanent bool)
	Heal func(t *testing.T, p notify.Provider)
}

// Message returns a valid message of typ for the suite's sends.
func Message(typ notify.NotificationType) notify.Message {
	m := notify.Message{NotificationID: uuid.New(), ServiceID: uuid.New(), Type: typ}
	if typ == notify.Email {
		m.To = "someone@example.com"
		m.Subject = "Your appointment"
		m.Body = "Hello Jo,\n\nYour appointment is on Monday."
		m.HTMLBody = "<p>Hello Jo,</p><p>Your appointment is on Monday.</p>"
		m.From = "service@notifications.example"
		m.FromName = "Test service"
	} else {
		m.To = "447700900123"
		m.Body = "Hello Jo, your code is 4821"
		m.From = "notify"
		m.Fragments = 1
	}
	return m
}

func types(p notify.Provider) []notify.NotificationType {
	if p.Type() == "" {
		return []notify.NotificationType{notify.SMS, notify.Email}
	}
	return []notify.NotificationType{p.Type()}
}

// Run runs the suite.
func Run(t *testing.T, h Harness) {
	require.NotNil(t, h.New, "providertest: Harness.New is required")
	t.Run("identity", func(t *testing.T) {
		p := h.New(t)
		assert.NotEmpty(t, p.Name(), "Name identifies the provider in sent_by and metrics")
		assert.Contains(t, []notify.NotificationType{"", notify.SMS, notify.Email}, p.Type())
	})
	t.Run("send returns a reference", func(t *testing.T) {
		p := h.New(t)
		for _, typ := range types(p) {
			m := Message(typ)
			ref, err := p.Send(context.Background(), m)
			require.NoError(t, err, typ)
			assert.NotEmpty(t, ref, "the reference matches receipts to notifications")
			if h.Delivered != nil {
				got, ok := h.Delivered(t, p, ref)
				require.True(t, ok, "the backend received the message")
				assert.Equal(t, m.To, got.To)
				assert.Equal(t, m.Body, got.Body)
				if typ == notify.Email {
					assert.Equal(t, m.Subject, got.Subject)
				}
			}
		}
	})
	t.Run("references are unique under concurrency", func(t *testing.T) {
		p := h.New(t)
		typ := types(p)[0]
		var mu sync.Mutex
		refs := map[string]bool{}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 10 {
					ref, err := p.Send(context.Background(), Message(typ))
					if !assert.NoError(t, err) {
						return
					}
					mu.Lock()
					assert.False(t, refs[ref], "duplicate reference %q", ref)
					refs[ref] = true
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		assert.Len(t, refs, 80)
	})
	t.Run("cancelled context", func(t *testing.T) {
		p := h.New(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := p.Send(ctx, Message(types(p)[0]))
		require.Error(t, err)
		assert.False(t, notify.IsPermanent(err), "a cancelled send may be retried")
	})
	if h.Fail != nil {
		t.Run("retryable and permanent failures", func(t *testing.T) {
			p := h.New(t)
			typ := types(p)[0]
			h.Fail(t, p, false)
			_, err := p.Send(context.Background(), Message(typ))
			require.Error(t, err)
			assert.False(t, notify.IsPermanent(err), "a retryable failure is not permanent: %v", err)
			h.Fail(t, p, true)
			_, err = p.Send(context.Background(), Message(typ))
			require.Error(t, err)
			assert.True(t, errors.Is(err, notify.ErrPermanent), "a permanent failure wraps ErrPermanent: %v", err)
			if h.Heal != nil {
				h.Heal(t, p)
				_, err = p.Send(context.Background(), Message(typ))
				require.NoError(t, err)
			}
		})
	}
}
