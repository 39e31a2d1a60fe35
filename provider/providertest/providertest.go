// Package providertest is the conformance suite for notify.Provider
// implementations. Every provider package runs it from a conformance test:
//
//	func TestConformance(t *testing.T) {
//		providertest.Run(t, providertest.Harness{New: func(t *testing.T) notify.Provider { ... }})
//	}
package providertest

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// Harness describes the provider under test. Only New is required; every
// other field turns on more checks.
type Harness struct {
	// New returns a provider ready to send (its fake backend started).
	New func(t *testing.T) notify.Provider
	// Delivered, when set, returns what the provider's backend received
	// for ref, so the suite can check the message arrived intact.
	Delivered func(t *testing.T, p notify.Provider, ref string) (notify.Message, bool)
	// Shape lists the fields, beyond To, Body and Subject, that Delivered
	// reports, so the suite checks them too (the request shape).
	Shape Shape
	// Fail, when set, makes the provider's backend fail the following sends:
	// retryably, or permanently when permanent is true. Heal undoes it.
	Fail func(t *testing.T, p notify.Provider, permanent bool)
	Heal func(t *testing.T, p notify.Provider)
	// Failures are the backend's failure modes (a 429, a 5xx, a refused
	// recipient, a dropped connection...), each with the classification
	// the provider must give it. Each case gets a fresh provider.
	Failures []Failure
	// Receipts are the provider's delivery receipts with the status each
	// must map to (the status mapping).
	Receipts []ReceiptCase
	// NewLogged, when set, returns a provider that logs to log (at debug
	// level and above). The suite then sends, fails every Failures case,
	// and checks that no Secrets appear in the logs or in the errors.
	NewLogged func(t *testing.T, log *slog.Logger) notify.Provider
	// Secrets are the provider's credentials (passwords, auth tokens,
	// secret keys): they must never be logged or returned in an error,
	// nor their base64 encodings.
	Secrets []string
}

// Shape says which fields of a delivered message the backend reports.
type Shape struct {
	// HTMLBody: the HTML alternative of an email.
	HTMLBody bool
	// From: the email From address or the SMS sender.
	From bool
	// FromName: the display name of an email's sender.
	FromName bool
	// ReplyTo: the email Reply-To address.
	ReplyTo bool
	// UnsubscribeURL: the one-click unsubscribe URL of an email.
	UnsubscribeURL bool
	// NotificationID: the notification id (a header or a callback URL).
	NotificationID bool
}

// Failure is one way the backend fails.
type Failure struct {
	// Name describes the failure ("429", "connection refused"...).
	Name string
	// Set makes the backend of p fail the following sends this way.
	Set func(t *testing.T, p notify.Provider)
	// Permanent says whether the provider must report the failure as
	// permanent (wrapping notify.ErrPermanent) or as retryable.
	Permanent bool
}

// ReceiptCase is one delivery receipt and what it must become.
type ReceiptCase struct {
	// Name describes the receipt ("delivered", "bounce permanent"...).
	Name string
	// Parse parses the receipt as the provider package does.
	Parse func() (notify.Receipt, error)
	// Want is the expected status; WantRef, when set, the expected
	// provider reference, and WantID the expected notification id.
	Want    notify.Status
	WantRef string
	WantID  uuid.UUID
	// Err says that parsing must fail (a malformed receipt).
	Err bool
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

// FullMessage is Message with every optional field set: for email a
// Reply-To address and a one-click unsubscribe URL, and text that needs
// encoding (non-ASCII, long lines).
func FullMessage(typ notify.NotificationType) notify.Message {
	m := Message(typ)
	if typ == notify.Email {
		m.Subject = "Your appointment – Monday’s reminder"
		m.Body = "Hello Jo,\n\nYour appointment is on Monday at 10:00. Please bring the letter we sent you, " +
			"your passport or driving licence, and a list of the medicines you take.\n\n– The clinic ‘team’"
		m.HTMLBody = "<p>Hello Jo,</p><p>Your appointment is on <strong>Monday</strong>.</p><p>– The clinic</p>"
		m.ReplyTo = "replies@example.com"
		m.UnsubscribeURL = "https://unsubscribe.example.com/one-click/abc123?list=reminders"
	} else {
		m.Body = "Hello Jo – your code is 4821"
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
	if h.Delivered != nil {
		t.Run("request shape", func(t *testing.T) {
			p := h.New(t)
			for _, typ := range types(p) {
				m := FullMessage(typ)
				ref, err := p.Send(context.Background(), m)
				require.NoError(t, err, typ)
				got, ok := h.Delivered(t, p, ref)
				require.True(t, ok, "the backend received the message")
				checkShape(t, h.Shape, m, got)
			}
		})
	}
	for _, f := range h.Failures {
		t.Run("failure/"+f.Name, func(t *testing.T) {
			p := h.New(t)
			f.Set(t, p)
			_, err := p.Send(context.Background(), Message(types(p)[0]))
			require.Error(t, err)
			if f.Permanent {
				assert.True(t, notify.IsPermanent(err), "%s must be permanent: %v", f.Name, err)
			} else {
				assert.False(t, notify.IsPermanent(err), "%s must be retryable: %v", f.Name, err)
			}
		})
	}
	if len(h.Receipts) > 0 {
		t.Run("receipt status mapping", func(t *testing.T) {
			name := h.New(t).Name()
			for _, c := range h.Receipts {
				t.Run(c.Name, func(t *testing.T) {
					r, err := c.Parse()
					if c.Err {
						require.Error(t, err)
						return
					}
					require.NoError(t, err)
					assert.Equal(t, c.Want, r.Status)
					assert.Equal(t, name, r.Provider, "receipts name the provider that sent")
					if c.WantRef != "" {
						assert.Equal(t, c.WantRef, r.ProviderReference)
					}
					if c.WantID != uuid.Nil {
						assert.Equal(t, c.WantID, r.NotificationID)
					}
					assert.True(t, r.NotificationID != uuid.Nil || r.ProviderReference != "",
						"a receipt identifies its notification")
				})
			}
		})
	}
	if h.NewLogged != nil {
		t.Run("secrets never logged", func(t *testing.T) {
			var buf syncBuffer
			log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			var errs []string
			p := h.NewLogged(t, log)
			typ := types(p)[0]
			if _, err := p.Send(context.Background(), FullMessage(typ)); err != nil {
				errs = append(errs, err.Error())
			}
			for _, f := range h.Failures {
				p := h.NewLogged(t, log)
				f.Set(t, p)
				_, err := p.Send(context.Background(), Message(typ))
				if assert.Error(t, err, f.Name) {
					errs = append(errs, fmt.Sprintf("%v %+v %#v", err, err, err))
				}
			}
			text := buf.String() + "\n" + strings.Join(errs, "\n")
			for _, s := range h.Secrets {
				require.NotEmpty(t, s, "an empty secret would match anything")
				for _, form := range secretForms(s) {
					assert.NotContains(t, text, form, "a secret appears in the logs or errors")
				}
			}
		})
	}
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

// checkShape compares the fields the backend reports.
func checkShape(t *testing.T, sh Shape, want, got notify.Message) {
	t.Helper()
	assert.Equal(t, want.To, got.To, "To")
	assert.Equal(t, want.Body, got.Body, "Body")
	if want.Type == notify.Email {
		assert.Equal(t, want.Subject, got.Subject, "Subject")
	}
	if sh.HTMLBody && want.Type == notify.Email {
		assert.Equal(t, want.HTMLBody, got.HTMLBody, "HTMLBody")
	}
	if sh.From {
		assert.Equal(t, want.From, got.From, "From")
	}
	if sh.FromName && want.Type == notify.Email {
		assert.Equal(t, want.FromName, got.FromName, "FromName")
	}
	if sh.ReplyTo && want.Type == notify.Email {
		assert.Equal(t, want.ReplyTo, got.ReplyTo, "ReplyTo")
	}
	if sh.UnsubscribeURL && want.Type == notify.Email {
		assert.Equal(t, want.UnsubscribeURL, got.UnsubscribeURL, "UnsubscribeURL")
	}
	if sh.NotificationID {
		assert.Equal(t, want.NotificationID, got.NotificationID, "NotificationID")
	}
}

// secretForms are the ways a secret could leak: as is, URL-encoded, and
// inside base64 (HTTP basic auth, SMTP AUTH) at any alignment: for each of
// the three offsets, the base64 of the whole 3-byte groups of the secret,
// which appears unchanged whatever surrounds it. Groups shorter than six
// bytes are skipped as too likely to match by chance.
func secretForms(s string) []string {
	forms := []string{s}
	if q := url.QueryEscape(s); q != s {
		forms = append(forms, q)
	}
	for skip := range 3 {
		if skip > len(s) {
			break
		}
		rest := s[skip:]
		full := len(rest) / 3 * 3
		if full >= 6 {
			forms = append(forms, base64.StdEncoding.EncodeToString([]byte(rest[:full])))
		}
	}
	return forms
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// SilentServer listens on a loopback port and accepts connections without
// ever answering, for tests that a provider gives up on a peer that hangs
// (and that the failure is retryable). It returns the listener's address;
// everything is closed when the test ends.
func SilentServer(t testing.TB) *net.TCPAddr {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return ln.Addr().(*net.TCPAddr)
}
