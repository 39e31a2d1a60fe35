package storetest

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

// base is the reference instant of the suite: UTC, microsecond precision,
// as SQL stores keep it.
var base = time.Date(2024, time.May, 1, 10, 0, 0, 123456000, time.UTC)

// at returns base plus d, truncated to the microsecond.
func at(d time.Duration) time.Time { return base.Add(d).Truncate(time.Microsecond) }

func ptr[T any](v T) *T { return &v }

func newService() *notify.Service {
	id := uuid.New()
	svc := &notify.Service{
		ID:                id,
		Name:              "Service " + id.String()[:8],
		Restricted:        true,
		MessageLimit:      50,
		Permissions:       []notify.Permission{notify.PermissionSMS, notify.PermissionEmail},
		PrefixSMS:         true,
		SMSSender:         "GOVUK",
		EmailFrom:         "test.service",
		RateLimit:         3000,
		DataRetentionDays: 7,
		CallbackURL:       "https://example.com/callback",
		CallbackToken:     "a-token-of-some-length",
		CreatedAt:         at(-48 * time.Hour),
		UpdatedAt:         at(-48 * time.Hour),
	}
	svc.SMSMessageLimit, svc.EmailMessageLimit, svc.InternationalSMSMessageLimit = 40, 30, 20
	return svc
}

func newTemplate(serviceID uuid.UUID, typ notify.NotificationType, name string) *notify.Template {
	t := &notify.Template{
		ID:          uuid.New(),
		ServiceID:   serviceID,
		Type:        typ,
		Name:        name,
		Content:     "Hello ((name)), your code is ((code)) – thanks’",
		ProcessType: notify.ProcessNormal,
		CreatedBy:   "someone@example.com",
		CreatedAt:   at(-24 * time.Hour),
	}
	if typ == notify.Email {
		t.Subject = "Subject for ((name))"
	}
	return t
}

func newAPIKey(serviceID uuid.UUID, kt notify.KeyType, created time.Time) *notify.APIKey {
	return &notify.APIKey{
		ID:              uuid.New(),
		ServiceID:       serviceID,
		Name:            "key " + string(kt),
		KeyType:         kt,
		EncryptedSecret: []byte{0x00, 0x01, 0xfe, 0xff, 'a', 0x00, 0x80},
		CreatedAt:       created,
	}
}

// notification returns a valid SMS notification of the fixture's service,
// created at base+d, with every commonly used field filled.
func (f *fixture) notification(d time.Duration) *notify.Notification {
	return &notify.Notification{
		ID:              uuid.New(),
		ServiceID:       f.svc.ID,
		TemplateID:      f.sms.ID,
		TemplateVersion: 1,
		APIKeyID:        f.key.ID,
		KeyType:         notify.KeyTypeLive,
		Type:            notify.SMS,
		To:              "07700 900 123",
		NormalisedTo:    "447700900123",
		Personalisation: map[string]any{
			"name":    "Amala ’ – 🙂",
			"vip":     true,
			"nothing": nil,
			"address": map[string]any{
				"lines":    []any{"1 High Street", "Town"},
				"postcode": "SW1A 1AA",
			},
			"tags": []any{"a", "b", map[string]any{"c": "d"}},
		},
		Body:           "Hello Amala ’ – 🙂, your code is 1234",
		From:           "GOVUK",
		Status:         notify.StatusCreated,
		Queue:          notify.QueueSendSMS,
		PhonePrefix:    "44",
		RateMultiplier: 1,
		BillableUnits:  1,
		CreatedAt:      at(d),
	}
}

// create stores n and fails the test on error.
func (f *fixture) create(n *notify.Notification) *notify.Notification {
	f.t.Helper()
	require.NoError(f.t, f.store.CreateNotification(f.ctx, n))
	return n
}

// utc normalises a time for comparison (location and monotonic reading).
func utc(t time.Time) time.Time { return t.UTC() }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	return ptr(t.UTC())
}

// normNotification makes n comparable with assert.Equal across stores: times
// in UTC and an empty personalisation as nil.
func normNotification(n notify.Notification) notify.Notification {
	n.CreatedAt = utc(n.CreatedAt)
	n.UpdatedAt = utcPtr(n.UpdatedAt)
	n.SentAt = utcPtr(n.SentAt)
	n.ClaimedUntil = utcPtr(n.ClaimedUntil)
	if len(n.Personalisation) == 0 {
		n.Personalisation = nil
	}
	return n
}

func normService(s notify.Service) notify.Service {
	s.CreatedAt = utc(s.CreatedAt)
	s.UpdatedAt = utc(s.UpdatedAt)
	if len(s.Permissions) == 0 {
		s.Permissions = nil
	} else {
		s.Permissions = slices.Clone(s.Permissions)
		slices.Sort(s.Permissions)
	}
	return s
}

func normTemplate(t notify.Template) notify.Template {
	t.CreatedAt = utc(t.CreatedAt)
	t.UpdatedAt = utcPtr(t.UpdatedAt)
	return t
}

func normAPIKey(k notify.APIKey) notify.APIKey {
	k.CreatedAt = utc(k.CreatedAt)
	k.ExpiryDate = utcPtr(k.ExpiryDate)
	return k
}

func normInbound(m notify.InboundSMS) notify.InboundSMS {
	m.CreatedAt = utc(m.CreatedAt)
	return m
}

func assertNotification(t *testing.T, want, got *notify.Notification, msgAndArgs ...any) {
	t.Helper()
	if !assert.NotNil(t, got, msgAndArgs...) {
		return
	}
	assert.Equal(t, normNotification(*want), normNotification(*got), msgAndArgs...)
}

// notificationIDs returns the ids of ns in order.
func notificationIDs(ns []notify.Notification) []uuid.UUID {
	ids := make([]uuid.UUID, len(ns))
	for i, n := range ns {
		ids[i] = n.ID
	}
	return ids
}

// compareIDs orders uuids by their bytes (PostgreSQL's uuid order, and the
// order of their lower-case text form).
func compareIDs(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }

// newestFirst sorts notifications by created_at then id, descending.
func newestFirst(ns []*notify.Notification) []uuid.UUID {
	s := slices.Clone(ns)
	slices.SortFunc(s, func(a, b *notify.Notification) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return compareIDs(b.ID, a.ID)
	})
	ids := make([]uuid.UUID, len(s))
	for i, n := range s {
		ids[i] = n.ID
	}
	return ids
}

// cancelled returns a context that is already cancelled.
func cancelled(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx
}

// race runs fn in n goroutines started together and returns their errors.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	done := make(chan struct{})
	for i := range n {
		go func() {
			defer func() { done <- struct{}{} }()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	for range n {
		<-done
	}
	return errs
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
