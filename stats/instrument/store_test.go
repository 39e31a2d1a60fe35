package instrument_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/stats/instrument"
	"github.com/notifykit/notify/store/memstore"
	"github.com/notifykit/notify/store/storetest"
)

// snake turns a Go method name into upstream's snake_case DAO style:
// CreateAPIKey → create_api_key, ListInboundSMS → list_inbound_sms.
func snake(name string) string {
	r := []rune(name)
	var b strings.Builder
	for i, c := range r {
		if i > 0 && unicode.IsUpper(c) &&
			(unicode.IsLower(r[i-1]) || (i+1 < len(r) && unicode.IsLower(r[i+1]))) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

func TestSnake(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Ping": "ping", "CreateAPIKey": "create_api_key", "ListAPIKeys": "list_api_keys",
		"ListInboundSMS":                      "list_inbound_sms",
		"FindNotificationByProviderReference": "find_notification_by_provider_reference",
	} {
		assert.Equal(t, want, snake(in), in)
	}
}

// storeCalls calls every Store method once; the key is the method name.
var storeCalls = map[string]func(ctx context.Context, s notify.Store) error{
	"Ping": func(ctx context.Context, s notify.Store) error { return s.Ping(ctx) },
	"CreateService": func(ctx context.Context, s notify.Store) error {
		return s.CreateService(ctx, &notify.Service{ID: uuid.New(), Name: "svc"})
	},
	"GetService": func(ctx context.Context, s notify.Store) error {
		_, err := s.GetService(ctx, uuid.New())
		return err
	},
	"UpdateService": func(ctx context.Context, s notify.Store) error {
		return s.UpdateService(ctx, &notify.Service{ID: uuid.New()})
	},
	"AddTeamMember": func(ctx context.Context, s notify.Store) error {
		return s.AddTeamMember(ctx, notify.TeamMember{ServiceID: uuid.New()})
	},
	"ListTeamMembers": func(ctx context.Context, s notify.Store) error {
		_, err := s.ListTeamMembers(ctx, uuid.New())
		return err
	},
	"AddGuestListEntry": func(ctx context.Context, s notify.Store) error {
		return s.AddGuestListEntry(ctx, notify.GuestListEntry{ServiceID: uuid.New()})
	},
	"ListGuestList": func(ctx context.Context, s notify.Store) error {
		_, err := s.ListGuestList(ctx, uuid.New())
		return err
	},
	"CreateAPIKey": func(ctx context.Context, s notify.Store) error {
		return s.CreateAPIKey(ctx, &notify.APIKey{ID: uuid.New(), ServiceID: uuid.New()})
	},
	"ListAPIKeys": func(ctx context.Context, s notify.Store) error {
		_, err := s.ListAPIKeys(ctx, uuid.New())
		return err
	},
	"RevokeAPIKey": func(ctx context.Context, s notify.Store) error {
		return s.RevokeAPIKey(ctx, uuid.New(), uuid.New(), time.Now())
	},
	"CreateTemplate": func(ctx context.Context, s notify.Store) error {
		return s.CreateTemplate(ctx, &notify.Template{ID: uuid.New(), ServiceID: uuid.New()})
	},
	"UpdateTemplate": func(ctx context.Context, s notify.Store) error {
		return s.UpdateTemplate(ctx, &notify.Template{ID: uuid.New(), ServiceID: uuid.New()})
	},
	"GetTemplate": func(ctx context.Context, s notify.Store) error {
		_, err := s.GetTemplate(ctx, uuid.New(), uuid.New())
		return err
	},
	"GetTemplateVersion": func(ctx context.Context, s notify.Store) error {
		_, err := s.GetTemplateVersion(ctx, uuid.New(), uuid.New(), 1)
		return err
	},
	"ListTemplates": func(ctx context.Context, s notify.Store) error {
		_, err := s.ListTemplates(ctx, uuid.New(), notify.SMS)
		return err
	},
	"CreateNotification": func(ctx context.Context, s notify.Store) error {
		return s.CreateNotification(ctx, &notify.Notification{ID: uuid.New(), ServiceID: uuid.New()})
	},
	"GetNotification": func(ctx context.Context, s notify.Store) error {
		_, err := s.GetNotification(ctx, uuid.New())
		return err
	},
	"ListNotifications": func(ctx context.Context, s notify.Store) error {
		_, err := s.ListNotifications(ctx, notify.NotificationFilter{ServiceID: uuid.New()})
		return err
	},
	"CountNotifications": func(ctx context.Context, s notify.Store) error {
		_, err := s.CountNotifications(ctx, uuid.New(), time.Now())
		return err
	},
	"ClaimNotification": func(ctx context.Context, s notify.Store) error {
		_, err := s.ClaimNotification(ctx, uuid.New(), time.Now(), time.Now().Add(time.Minute))
		return err
	},
	"ReleaseNotification": func(ctx context.Context, s notify.Store) error {
		return s.ReleaseNotification(ctx, uuid.New())
	},
	"TransitionNotification": func(ctx context.Context, s notify.Store) error {
		_, err := s.TransitionNotification(ctx, uuid.New(), []notify.Status{notify.StatusCreated}, notify.NotificationUpdate{Status: notify.StatusSending})
		return err
	},
	"FindNotificationByProviderReference": func(ctx context.Context, s notify.Store) error {
		_, err := s.FindNotificationByProviderReference(ctx, "sandbox", "ref")
		return err
	},
	"ListInProgress": func(ctx context.Context, s notify.Store) error {
		_, err := s.ListInProgress(ctx, "", time.Now(), 10)
		return err
	},
	"ListSweepable": func(ctx context.Context, s notify.Store) error {
		_, err := s.ListSweepable(ctx, time.Now(), time.Now(), 10)
		return err
	},
	"CreateInboundSMS": func(ctx context.Context, s notify.Store) error {
		return s.CreateInboundSMS(ctx, &notify.InboundSMS{ID: uuid.New(), ServiceID: uuid.New()})
	},
	"ListInboundSMS": func(ctx context.Context, s notify.Store) error {
		_, err := s.ListInboundSMS(ctx, uuid.New(), nil, 0)
		return err
	},
	"LoadOrStoreSetting": func(ctx context.Context, s notify.Store) error {
		_, err := s.LoadOrStoreSetting(ctx, "name", "value")
		return err
	},
}

func TestStoreEmitsDAONames(t *testing.T) {
	t.Parallel()
	methods := reflect.TypeFor[notify.Store]()
	require.Len(t, storeCalls, methods.NumMethod(), "storeCalls must cover every Store method")
	for i := range methods.NumMethod() {
		method := methods.Method(i).Name
		call, ok := storeCalls[method]
		require.True(t, ok, "no call for Store.%s", method)
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			s := instrument.Store(memstore.New(), rec)
			inner := memstore.New()

			err := call(t.Context(), s)
			wantErr := call(t.Context(), inner)
			// The wrapper passes the call on: same outcome as the bare store.
			assert.Equal(t, wantErr == nil, err == nil, "outcome of %s: %v", method, err)

			name := "dao." + snake(method)
			assert.Equal(t, []event{{"incr", name}, {"timing", name}}, rec.Events(""))
			for _, d := range rec.Durations() {
				assert.GreaterOrEqual(t, d, time.Duration(0))
			}
		})
	}
}

func TestStoreCountsFailedCalls(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	s := instrument.Store(memstore.New(), rec)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.GetService(ctx, uuid.New())
	require.ErrorIs(t, err, context.Canceled, "errors pass through unchanged")
	_, err = s.GetService(t.Context(), uuid.New())
	require.ErrorIs(t, err, notify.ErrNotFound)
	assert.Equal(t, []event{
		{"incr", "dao.get_service"}, {"timing", "dao.get_service"},
		{"incr", "dao.get_service"}, {"timing", "dao.get_service"},
	}, rec.Events(""))
}

// slowStore makes GetService take a while, to check the timing.
type slowStore struct {
	notify.Store
	delay time.Duration
}

func (s slowStore) GetService(ctx context.Context, id uuid.UUID) (*notify.Service, error) {
	time.Sleep(s.delay)
	return s.Store.GetService(ctx, id)
}

func TestStoreTimesTheCall(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	s := instrument.Store(slowStore{Store: memstore.New(), delay: 20 * time.Millisecond}, rec)
	_, _ = s.GetService(t.Context(), uuid.New())
	d := rec.Durations()
	require.Len(t, d, 1)
	assert.GreaterOrEqual(t, d[0], 20*time.Millisecond)
}

// closableStore is a store with Close.
type closableStore struct {
	notify.Store
	closed bool
}

func (s *closableStore) Close() error { s.closed = true; return nil }

func TestStoreOptionalMethods(t *testing.T) {
	t.Parallel()
	bare := memstore.New()
	w := instrument.Store(bare, nil)
	_, isCloser := w.(interface{ Close() error })
	assert.False(t, isCloser, "memstore has no Close, so neither has its wrapper")
	u, ok := w.(interface{ Unwrap() notify.Store })
	require.True(t, ok)
	assert.Same(t, bare, u.Unwrap())

	cs := &closableStore{Store: memstore.New()}
	wc := instrument.Store(cs, nil)
	c, ok := wc.(interface{ Close() error })
	require.True(t, ok, "Close is passed through")
	require.NoError(t, c.Close())
	assert.True(t, cs.closed)

	assert.Nil(t, instrument.Store(nil, nil))
	require.NoError(t, w.Ping(t.Context()), "a nil Stats records nothing")
}

func TestStoreConformance(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	storetest.Run(t, func(*testing.T) notify.Store { return instrument.Store(memstore.New(), rec) })
	assert.NotEmpty(t, rec.Events("dao.claim_notification"))
	assert.NotEmpty(t, rec.Events("dao.transition_notification"))
}
