package notify_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// TestCallersAreCheckedAtUse: a Caller made before a change to its key or
// service does not keep the rights it had.
func TestCallersAreCheckedAtUse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		svc    notify.Service
		change func(t *testing.T, f *fixture)
		to     string
		want   error // nil: the send now succeeds
	}{
		{"a revoked key is refused", notify.Service{}, func(t *testing.T, f *fixture) {
			require.NoError(t, f.env.Notifier.RevokeAPIKey(ctx, f.svc.ID, f.keys[notify.KeyTypeLive].Key.ID))
		}, teamPhone, notify.ErrKeyRevoked},
		{"an archived service is refused", notify.Service{}, func(t *testing.T, f *fixture) {
			updateService(t, f, func(s *notify.Service) { s.Archived = true })
		}, teamPhone, notify.ErrServiceArchived},
		{"a service made live sends to anyone", notify.Service{Restricted: true}, func(t *testing.T, f *fixture) {
			updateService(t, f, func(s *notify.Service) { s.Restricted = false })
		}, strangerSMS, nil},
		{"a service put back in trial mode is refused", notify.Service{}, func(t *testing.T, f *fixture) {
			updateService(t, f, func(s *notify.Service) { s.Restricted = true })
		}, strangerSMS, notify.ErrTrialMode},
		{"a permission taken away is refused", notify.Service{}, func(t *testing.T, f *fixture) {
			updateService(t, f, func(s *notify.Service) { s.Permissions = []notify.Permission{notify.PermissionEmail} })
		}, teamPhone, &notify.Error{Code: notify.CodeServicePermission}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tt.svc)
			snapshot := *f.keys[notify.KeyTypeLive] // made before the change
			tt.change(t, f)
			_, err := f.env.Notifier.SendSMS(ctx, &snapshot, &notify.SMSRequest{PhoneNumber: tt.to,
				TemplateID: f.sms.ID, Personalisation: map[string]any{"name": "Jo"}})
			if tt.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

// updateService changes the service through the Notifier's Store.
func updateService(t *testing.T, f *fixture, change func(*notify.Service)) {
	t.Helper()
	svc, err := f.env.Store.GetService(ctx, f.svc.ID)
	require.NoError(t, err)
	change(svc)
	require.NoError(t, f.env.Store.UpdateService(ctx, svc))
}

// TestMethodsThatTakeACaller: every one refuses a nil Caller (or one with
// no service or key) without panicking, and a revoked key.
func TestMethodsThatTakeACaller(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{})
	n := f.env.Notifier
	id := uuid.New()
	calls := map[string]func(c *notify.Caller) error{
		"SendSMS": func(c *notify.Caller) error {
			return second(n.SendSMS(ctx, c, &notify.SMSRequest{PhoneNumber: teamPhone, TemplateID: f.sms.ID,
				Personalisation: map[string]any{"name": "Jo"}}))
		},
		"SendEmail": func(c *notify.Caller) error {
			return second(n.SendEmail(ctx, c, &notify.EmailRequest{EmailAddress: teamEmail, TemplateID: f.email.ID,
				Personalisation: map[string]any{"name": "Jo"}}))
		},
		"SendJSON": func(c *notify.Caller) error {
			return second(n.SendJSON(ctx, c, notify.SMS, []byte(`{"phone_number": "`+teamPhone+`", "template_id": "`+
				f.sms.ID.String()+`", "personalisation": {"name": "Jo"}}`)))
		},
		"SendV1": func(c *notify.Caller) error {
			return second(n.SendV1(ctx, c, notify.SMS, []byte(`{"to": "`+teamPhone+`", "template": "`+
				f.sms.ID.String()+`", "personalisation": {"name": "Jo"}}`)))
		},
		"Get":             func(c *notify.Caller) error { return second(n.Get(ctx, c, id)) },
		"List":            func(c *notify.Caller) error { return second(n.List(ctx, c, nil)) },
		"Template":        func(c *notify.Caller) error { return second(n.Template(ctx, c, f.sms.ID)) },
		"TemplateVersion": func(c *notify.Caller) error { return second(n.TemplateVersion(ctx, c, f.sms.ID, 1)) },
		"Templates":       func(c *notify.Caller) error { return second(n.Templates(ctx, c, "")) },
		"PreviewTemplate": func(c *notify.Caller) error {
			return second(n.PreviewTemplate(ctx, c, f.sms.ID, map[string]any{"name": "Jo"}))
		},
		"ReceivedTexts": func(c *notify.Caller) error { return second(n.ReceivedTexts(ctx, c, nil)) },
	}
	live := f.keys[notify.KeyTypeLive]
	revoked := f.env.Key(t, f.svc, notify.KeyTypeLive)
	require.NoError(t, n.RevokeAPIKey(ctx, f.svc.ID, revoked.Key.ID))
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			for _, c := range []*notify.Caller{nil, {Service: live.Service}, {Key: live.Key}} {
				var err error
				require.NotPanics(t, func() { err = call(c) })
				assert.Error(t, err, "%+v", c)
				assert.Nil(t, notify.ErrorList(err), "a missing caller is a programming error, not a refusal")
			}
			assert.ErrorIs(t, call(revoked), notify.ErrKeyRevoked)
			if name != "Get" {
				assert.NoError(t, call(live))
			}
		})
	}
}

func TestCallerRefusesAsAuthenticateDoes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{})
	n := f.env.Notifier
	live := f.keys[notify.KeyTypeLive]
	tests := []struct {
		name    string
		service uuid.UUID
		key     uuid.UUID
		want    error
	}{
		{"an unknown service", uuid.New(), live.Key.ID, notify.ErrNotFound},
		{"an unknown key", f.svc.ID, uuid.New(), notify.ErrNotFound},
		{"another service's key", newFixture(t, notify.Service{}).svc.ID, live.Key.ID, notify.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := n.Caller(ctx, tt.service, tt.key)
			assert.ErrorIs(t, err, tt.want)
			assert.Equal(t, 403, notify.StatusOf(err))
		})
	}
	c, err := n.Caller(ctx, f.svc.ID, live.Key.ID)
	require.NoError(t, err)
	assert.Equal(t, live.Key.ID, c.Key.ID)
	assert.Nil(t, c.Key.EncryptedSecret, "the sealed secret stays in the Store")
}
