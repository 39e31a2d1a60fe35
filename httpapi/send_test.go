package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

func TestPostSMS(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{Restricted: true})
	res := e.do(t, http.MethodPost, "/v2/notifications/sms", map[string]any{
		"phone_number": "  " + teamPhone + "\n", "template_id": e.sms.ID.String(),
		"personalisation": map[string]any{"name": "Jo", "code": "4821"}, "reference": "ref-1",
	}, e.keys[notify.KeyTypeLive])
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	assert.Equal(t, "application/json", res.header.Get("Content-Type"))
	id := res.body["id"].(string)
	_, err := uuid.Parse(id)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"id":        id,
		"reference": "ref-1",
		"content":   map[string]any{"body": "Hello Jo, your code is 4821", "from_number": "notify"},
		"uri":       "http://api.test/v2/notifications/" + id,
		"template": map[string]any{"id": e.sms.ID.String(), "version": float64(1),
			"uri": "http://api.test/services/" + e.svc.ID.String() + "/templates/" + e.sms.ID.String()},
		"scheduled_for": nil,
	}, res.body)

	// Persisted as supplied (trimmed) and queued.
	nt, err := e.store.GetNotification(ctx, uuid.MustParse(id))
	require.NoError(t, err)
	assert.Equal(t, teamPhone, nt.To)
	assert.Equal(t, notify.StatusCreated, nt.Status)
	assert.Len(t, e.queue.tasks, 1)
	assert.Equal(t, 1, e.stats.count("POST.v2_notifications.post_sms_notification.201"))
}

func TestPostEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{Restricted: false, Name: "Passport Office"})
	res := e.do(t, http.MethodPost, "/v2/notifications/email", map[string]any{
		"email_address": "someone@example.com", "template_id": e.email.ID.String(),
		"personalisation": map[string]any{"name": "Bob"}, "one_click_unsubscribe_url": "https://example.com/unsub",
	}, e.keys[notify.KeyTypeLive])
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	id := res.body["id"].(string)
	assert.Equal(t, map[string]any{
		"id":        id,
		"reference": nil,
		"content": map[string]any{
			"from_email": "passport.office@notifications.service.gov.uk",
			"body":       "Hello Bob\nThis is an email from GOV.UK",
			"subject":    "Hi Bob",
			// The seed keeps the link.
			"one_click_unsubscribe_url": "https://example.com/unsub",
		},
		"uri": "http://api.test/v2/notifications/" + id,
		"template": map[string]any{"id": e.email.ID.String(), "version": float64(1),
			"uri": "http://api.test/services/" + e.svc.ID.String() + "/templates/" + e.email.ID.String()},
		"scheduled_for":     nil,
		"sanitised_content": map[string]any{},
	}, res.body)
}

func TestPostSimulatedRecipientNotPersisted(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{Restricted: false})
	res := e.do(t, http.MethodPost, "/v2/notifications/sms", map[string]any{
		"phone_number": "07700 900000", "template_id": e.sms.ID.String(),
		"personalisation": map[string]any{"name": "Jo", "code": "1"},
	}, e.keys[notify.KeyTypeLive])
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	get := e.do(t, http.MethodGet, "/v2/notifications/"+res.body["id"].(string), nil, e.keys[notify.KeyTypeLive])
	assert.Equal(t, http.StatusNotFound, get.status)
	assert.Empty(t, e.queue.tasks)
}

// TestPostErrors checks the v2 schema refusals and the business rules
// through the API, each in the v2 shape.
func TestPostErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{Restricted: true, Permissions: []notify.Permission{notify.PermissionSMS, notify.PermissionEmail}})
	live, team, test := e.keys[notify.KeyTypeLive], e.keys[notify.KeyTypeTeam], e.keys[notify.KeyTypeSimulate]
	sms := e.sms.ID.String()
	vals := map[string]any{"name": "Jo", "code": "1"}
	type item = map[string]any
	cases := []struct {
		name   string
		path   string
		body   any
		key    *notify.APIKey
		status int
		errors []any
	}{
		{"invalid json", "/v2/notifications/sms", "[", live, 400,
			[]any{item{"error": "BadRequestError", "message": "Invalid JSON supplied in POST data"}}},
		{"form encoded", "/v2/notifications/sms", "phone_number=07700900123", live, 400,
			[]any{item{"error": "BadRequestError", "message": "Invalid JSON supplied in POST data"}}},
		{"empty body sms", "/v2/notifications/sms", "", live, 400, []any{
			item{"error": "ValidationError", "message": "phone_number is a required property"},
			item{"error": "ValidationError", "message": "template_id is a required property"}}},
		{"empty body email", "/v2/notifications/email", "", live, 400, []any{
			item{"error": "ValidationError", "message": "email_address is a required property"},
			item{"error": "ValidationError", "message": "template_id is a required property"}}},
		{"template_id not a uuid", "/v2/notifications/sms", item{"template_id": "notUUID"}, live, 400, []any{
			item{"error": "ValidationError", "message": "phone_number is a required property"},
			item{"error": "ValidationError", "message": "template_id is not a valid UUID"}}},
		{"additional property", "/v2/notifications/sms", item{"phone_number": teamPhone, "template": sms}, live, 400, []any{
			item{"error": "ValidationError", "message": "template_id is a required property"},
			item{"error": "ValidationError", "message": "Additional properties are not allowed (template was unexpected)"}}},
		{"personalisation not a dict", "/v2/notifications/sms", item{"phone_number": teamPhone, "template_id": sms, "personalisation": "not_a_dict"}, live, 400,
			[]any{item{"error": "ValidationError", "message": "personalisation not_a_dict is not of type object"}}},
		{"phone number not a string", "/v2/notifications/sms", item{"phone_number": 7700900001, "template_id": sms}, live, 400,
			[]any{item{"error": "ValidationError", "message": "phone_number 7700900001 is not of type string"}}},
		{"reference too long", "/v2/notifications/sms", item{"phone_number": teamPhone, "template_id": sms, "reference": strings.Repeat("a", 1001)}, live, 400,
			[]any{item{"error": "ValidationError", "message": "reference " + strings.Repeat("a", 1001) + " is too long"}}},
		{"sms_sender_id on email", "/v2/notifications/email", item{"email_address": teamEmail, "template_id": e.email.ID.String(), "sms_sender_id": uuid.NewString()}, live, 400,
			[]any{item{"error": "ValidationError", "message": "Additional properties are not allowed (sms_sender_id was unexpected)"}}},
		{"http unsubscribe url", "/v2/notifications/email", item{"email_address": teamEmail, "template_id": e.email.ID.String(), "one_click_unsubscribe_url": "http://www.unsubscribe-me-please.com"}, live, 400,
			[]any{item{"error": "ValidationError", "message": "one_click_unsubscribe_url is not a valid https url"}}},
		{"bad email", "/v2/notifications/email", item{"email_address": "example", "template_id": e.email.ID.String()}, live, 400,
			[]any{item{"error": "ValidationError", "message": "email_address Not a valid email address"}}},
		{"letters symbols in phone", "/v2/notifications/sms", item{"phone_number": "07515111*11", "template_id": sms}, live, 400,
			[]any{item{"error": "ValidationError", "message": "phone_number Must not contain letters or symbols"}}},
		{"unknown template", "/v2/notifications/sms", item{"phone_number": teamPhone, "template_id": uuid.NewString()}, live, 400,
			[]any{item{"error": "BadRequestError", "message": "Template not found"}}},
		{"wrong template type", "/v2/notifications/sms", item{"phone_number": teamPhone, "template_id": e.email.ID.String()}, live, 400,
			[]any{item{"error": "BadRequestError", "message": "email template is not suitable for sms notification"}}},
		{"missing personalisation", "/v2/notifications/sms", item{"phone_number": teamPhone, "template_id": sms, "personalisation": item{"name": "Jo"}}, live, 400,
			[]any{item{"error": "BadRequestError", "message": "Missing personalisation: code"}}},
		{"trial mode stranger", "/v2/notifications/sms", item{"phone_number": stranger, "template_id": sms, "personalisation": vals}, live, 400,
			[]any{item{"error": "BadRequestError", "message": trialMsg}}},
		{"team key stranger", "/v2/notifications/sms", item{"phone_number": stranger, "template_id": sms, "personalisation": vals}, team, 400,
			[]any{item{"error": "BadRequestError", "message": teamMsg}}},
		{"international without permission", "/v2/notifications/sms", item{"phone_number": "+14158961600", "template_id": sms, "personalisation": vals}, test, 400,
			[]any{item{"error": "BadRequestError", "message": "Cannot send to international mobile numbers"}}},
		{"landline without permission", "/v2/notifications/sms", item{"phone_number": "01709510122", "template_id": sms, "personalisation": vals}, test, 400,
			[]any{item{"error": "InvalidPhoneError", "message": "Not a UK mobile number"}}},
		{"letter", "/v2/notifications/letter", item{"template_id": sms}, live, 400,
			[]any{item{"error": "BadRequestError", "message": "letter notification type is not supported"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := e.do(t, http.MethodPost, tc.path, tc.body, tc.key)
			assert.Equal(t, tc.status, res.status, "%s", res.raw)
			assert.Equal(t, map[string]any{"status_code": float64(tc.status), "errors": tc.errors}, res.body)
		})
	}
}

func TestPostEmailTooLong(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{Restricted: false})
	tpl, err := e.n.CreateTemplate(ctx, notify.Template{ServiceID: e.svc.ID, Type: notify.Email, Name: "Big", Subject: "s", Content: "((big))"})
	require.NoError(t, err)
	res := e.do(t, http.MethodPost, "/v2/notifications/email", map[string]any{
		"email_address": "a@example.com", "template_id": tpl.ID.String(),
		"personalisation": map[string]any{"big": strings.Repeat("a", 2000001)},
	}, e.keys[notify.KeyTypeLive])
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.Equal(t, v2err(400, "BadRequestError",
		"Your message is too long. Emails cannot be longer than 2000000 bytes. Your message is 2000001 bytes."), res.body)
}

func TestPostBodyTooLarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{})
	big := `{"phone_number": "` + strings.Repeat("1", 4<<20) + `"}`
	res := e.do(t, http.MethodPost, "/v2/notifications/sms", big, e.keys[notify.KeyTypeLive])
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.status)
	assert.Equal(t, v2err(413, "RequestEntityTooLarge", "The data value transmitted exceeds the capacity limit."), res.body)
	res = e.do(t, http.MethodPost, "/notifications/sms", big, e.keys[notify.KeyTypeLive])
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.status)
	assert.Equal(t, v1err("The data value transmitted exceeds the capacity limit."), res.body)
}

func TestDailyLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{Restricted: true, SMSMessageLimit: 2})
	send := func(k *notify.APIKey) response {
		return e.do(t, http.MethodPost, "/v2/notifications/sms", map[string]any{
			"phone_number": teamPhone, "template_id": e.sms.ID.String(),
			"personalisation": map[string]any{"name": "Jo", "code": "1"}}, k)
	}
	require.Equal(t, http.StatusCreated, send(e.keys[notify.KeyTypeLive]).status)
	require.Equal(t, http.StatusCreated, send(e.keys[notify.KeyTypeTeam]).status)
	res := send(e.keys[notify.KeyTypeLive])
	assert.Equal(t, http.StatusTooManyRequests, res.status)
	assert.Equal(t, v2err(429, "TooManyRequestsError", "Exceeded send limits (sms: 2) for today"), res.body)
	// Checked before the body is parsed.
	res = e.do(t, http.MethodPost, "/v2/notifications/sms", "[", e.keys[notify.KeyTypeLive])
	assert.Equal(t, http.StatusTooManyRequests, res.status)
	// v1 answers with its own shape.
	res = e.do(t, http.MethodPost, "/notifications/sms", map[string]any{"to": teamPhone, "template": e.sms.ID.String(),
		"personalisation": map[string]any{"name": "Jo", "code": "1"}}, e.keys[notify.KeyTypeLive])
	assert.Equal(t, http.StatusTooManyRequests, res.status)
	assert.Equal(t, v1err("Exceeded send limits (sms: 2) for today"), res.body)
	// Simulate keys are never limited.
	assert.Equal(t, http.StatusCreated, send(e.keys[notify.KeyTypeSimulate]).status)
	// Emails have a limit of their own.
	res = e.do(t, http.MethodPost, "/v2/notifications/email", map[string]any{"email_address": teamEmail,
		"template_id": e.email.ID.String(), "personalisation": map[string]any{"name": "Jo"}}, e.keys[notify.KeyTypeLive])
	assert.Equal(t, http.StatusCreated, res.status)
}

func TestPostUnknownType(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{})
	res := e.do(t, http.MethodPost, "/v2/notifications/foo", map[string]any{}, e.keys[notify.KeyTypeLive])
	assert.Equal(t, http.StatusNotFound, res.status)
	assert.Equal(t, v1err(notFound), res.body)
}
