package notify_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// TestRefusalsHaveCodesAndSentinels checks that each refusal can be told
// apart without reading its message, and that its message and status are
// upstream's.
func TestRefusalsHaveCodesAndSentinels(t *testing.T) {
	t.Parallel()
	trial := newFixture(t, notify.Service{Restricted: true})
	limited := newFixture(t, notify.Service{Restricted: true, SMSMessageLimit: 1})
	live := newFixture(t, notify.Service{})
	_, err := limited.sendSMS(notify.KeyTypeLive, teamPhone)
	require.NoError(t, err, "the first of the day")
	revoked := live.env.Key(t, live.svc, notify.KeyTypeLive)
	require.NoError(t, live.env.Notifier.RevokeAPIKey(ctx, live.svc.ID, revoked.Key.ID))
	token, err := notify.NewToken(live.svc.ID, revoked.Key.Secret, time.Now())
	require.NoError(t, err)

	tests := []struct {
		name     string
		err      error
		code     notify.Code
		sentinel error // nil: none beyond the code
		status   int
		message  string
	}{
		{"trial mode", second(trial.sendSMS(notify.KeyTypeLive, strangerSMS)), notify.CodeTrialMode,
			notify.ErrTrialMode, 400, trialMsg},
		{"team key", second(live.sendSMS(notify.KeyTypeTeam, strangerSMS)), notify.CodeTeamKeyRecipient,
			notify.ErrTeamKeyRecipient, 400, teamMsg},
		{"daily limit", second(limited.sendSMS(notify.KeyTypeLive, teamPhone)), notify.CodeDailyLimit,
			notify.ErrDailyLimit, 429, "Exceeded send limits (sms: 1) for today"},
		{"rate limit", notify.Errorf(notify.NameRateLimit, http.StatusTooManyRequests, "",
			"Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"), notify.CodeRateLimit,
			notify.ErrRateLimit, 429, "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"},
		{"revoked key", second(live.env.Notifier.Authenticate(ctx, "Bearer "+token)), notify.CodeKeyRevoked,
			notify.ErrKeyRevoked, 403, notify.MsgKeyRevoked},
		{"get finds nothing", second(live.env.Notifier.Get(ctx, live.keys[notify.KeyTypeLive], uuid.New())),
			notify.CodeNotFound, notify.ErrNotFound, 404, "No result found"},
		{"template finds nothing", second(live.env.Notifier.Template(ctx, live.keys[notify.KeyTypeLive], uuid.New())),
			notify.CodeNotFound, notify.ErrNoResult, 404, "No result found"},
		{"send with an unknown template", second(live.env.Notifier.SendSMS(ctx, live.keys[notify.KeyTypeLive],
			&notify.SMSRequest{PhoneNumber: teamPhone, TemplateID: uuid.New()})), notify.CodeTemplateNotFound,
			notify.ErrTemplateNotFound, 400, notify.MsgTemplateNotFound},
		{"missing personalisation", second(live.env.Notifier.SendSMS(ctx, live.keys[notify.KeyTypeLive],
			&notify.SMSRequest{PhoneNumber: teamPhone, TemplateID: live.sms.ID})), notify.CodeMissingPersonalisation,
			notify.ErrMissingPersonalisation, 400, "Missing personalisation: name"},
		{"international without permission", second(live.sendSMS(notify.KeyTypeLive, "+1 202-483-3000")),
			notify.CodeServicePermission, nil, 400, notify.MsgInternationalSMS},
		{"a malformed phone number", second(live.sendSMS(notify.KeyTypeLive, "0770")), notify.CodeValidation, nil,
			400, "phone_number Not enough digits"},
		{"a landline without permission", second(live.sendSMS(notify.KeyTypeLive, "020 7946 0000")),
			notify.CodeInvalidPhone, nil, 400, "Not a UK mobile number"},
		{"a malformed email address", second(live.sendEmail(notify.KeyTypeLive, "test@")), notify.CodeValidation,
			notify.ErrInvalidEmail, 400, "email_address Not a valid email address"},
		{"a v1 email address", second(live.env.Notifier.SendV1(ctx, live.keys[notify.KeyTypeLive], notify.Email,
			[]byte(`{"to": "test@", "template": "`+live.email.ID.String()+`"}`))), notify.CodeInvalidEmail,
			notify.ErrInvalidEmail, 400, "Not a valid email address"},
	}
	sentinels := []error{notify.ErrTrialMode, notify.ErrTeamKeyRecipient, notify.ErrDailyLimit, notify.ErrRateLimit,
		notify.ErrKeyRevoked, notify.ErrNotFound, notify.ErrTemplateNotFound, notify.ErrMissingPersonalisation}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Error(t, tt.err)
			wrapped := fmt.Errorf("my service: %w", tt.err)
			assert.Equal(t, tt.code, notify.CodeOf(wrapped))
			assert.Equal(t, tt.status, notify.StatusOf(wrapped))
			assert.Equal(t, tt.message, notify.ErrorList(wrapped)[0].Message, "the message is upstream's")
			if tt.sentinel != nil {
				assert.ErrorIs(t, wrapped, tt.sentinel)
			}
			for _, s := range sentinels {
				if s != tt.sentinel && !(tt.code == notify.CodeTemplateNotFound && s == notify.ErrNotFound) &&
					!(tt.code == notify.CodeNotFound && s == notify.ErrNotFound) {
					assert.NotErrorIs(t, wrapped, s, "a refusal matches its own sentinel only")
				}
			}
		})
	}
}

// second returns the error of a two-result call.
func second[T any](_ T, err error) error { return err }

func TestDetailedErrorsAreReachable(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{})
	tests := []struct {
		name string
		to   string
		want notify.PhoneErrorCode
	}{
		{"too short", "0770", notify.PhoneTooShort},
		{"too long", "07700 900 123 456", notify.PhoneTooLong},
		{"letters", "07700 90012a", notify.PhoneUnknownCharacter},
		{"a landline without permission", "020 7946 0000", notify.PhoneNotUKMobile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.sendSMS(notify.KeyTypeLive, tt.to)
			var pe *notify.PhoneError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.want, pe.Code)
			assert.Equal(t, notify.FieldTo, notify.ErrorList(err)[0].Field)
		})
	}
	_, err := f.sendEmail(notify.KeyTypeLive, "nobody@")
	assert.ErrorIs(t, err, notify.ErrInvalidEmail)
}

func TestErrorCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want notify.Code
	}{
		{"nil", nil, ""},
		{"not a refusal", errors.New("connection refused"), notify.CodeInternal},
		{"a name without a code", &notify.Error{Name: notify.NameValidation, Status: 400, Message: "x"}, notify.CodeValidation},
		{"an unknown name", &notify.Error{Name: "SomethingError", Status: 400, Message: "x"}, notify.CodeBadRequest},
		{"a generic auth error", notify.AuthError(http.StatusForbidden, notify.MsgInvalidToken), notify.CodeUnauthorized},
		{"an archived service", notify.AuthError(http.StatusForbidden, notify.MsgServiceArchived), notify.CodeServiceArchived},
		{"several: the first's", notify.Errors{notify.ErrNoResult, notify.ErrTrialMode}, notify.CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, notify.CodeOf(tt.err))
		})
	}
	several := notify.Errors{notify.BadRequest("", "x"), notify.ErrTrialMode}
	assert.ErrorIs(t, several, notify.ErrTrialMode, "errors.Is looks at every refusal")
	assert.NotErrorIs(t, notify.BadRequest("", "x"), &notify.Error{Message: "x"}, "an *Error without a code matches no other")
}
