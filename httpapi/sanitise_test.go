package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// The example of the official clients' documentation: the named value
// loses its link target and is reported, the other is left as it is.
func TestPostEmailSanitisedContent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{Restricted: false, Name: "Passport Office"})
	tpl, err := e.n.CreateTemplate(ctx, notify.Template{ServiceID: e.svc.ID, Type: notify.Email, Name: "Link",
		Subject: "About ((name))", Content: "((name))\n\nthis is the link ((link))", CreatedBy: teamEmail})
	require.NoError(t, err)
	res := e.do(t, http.MethodPost, "/v2/notifications/email", map[string]any{
		"email_address": "someone@example.com", "template_id": tpl.ID.String(),
		"personalisation": map[string]any{
			"name": "click [evil link](https://evil.link)",
			"link": "Amala, please [click this evil link](https://evil.link)",
		},
		"sanitise_content_for": []string{"link"},
	}, e.keys[notify.KeyTypeLive])
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	assert.Equal(t, map[string]any{
		"link": map[string]any{
			"unsanitised": "Amala, please [click this evil link](https://evil.link)",
			"sanitised":   `Amala, please \[click this evil link\]\(\)`,
		},
	}, res.body["sanitised_content"])
	content := res.body["content"].(map[string]any)
	assert.Equal(t, "click [evil link](https://evil.link)\n\nthis is the link Amala, please \\[click this evil link\\]\\(\\)",
		content["body"])

	// A read shows the sanitised body but, as upstream's, no report.
	get := e.do(t, http.MethodGet, "/v2/notifications/"+res.body["id"].(string), nil, e.keys[notify.KeyTypeLive])
	require.Equal(t, http.StatusOK, get.status, "%s", get.raw)
	assert.Equal(t, content["body"], get.body["body"])
	assert.NotContains(t, get.body, "sanitised_content")
}

func TestSanitisedContentOnlyOnV2EmailAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{Restricted: false})
	email := e.do(t, http.MethodPost, "/v2/notifications/email", map[string]any{
		"email_address": teamEmail, "template_id": e.email.ID.String(), "personalisation": map[string]any{"name": "Jo"},
	}, e.keys[notify.KeyTypeLive])
	require.Equal(t, http.StatusCreated, email.status, "%s", email.raw)
	assert.Equal(t, map[string]any{}, email.body["sanitised_content"])

	sms := e.do(t, http.MethodPost, "/v2/notifications/sms", map[string]any{
		"phone_number": teamPhone, "template_id": e.sms.ID.String(),
		"personalisation": map[string]any{"name": "Jo", "code": "1"},
	}, e.keys[notify.KeyTypeLive])
	require.Equal(t, http.StatusCreated, sms.status, "%s", sms.raw)
	assert.NotContains(t, sms.body, "sanitised_content")

	v1 := e.do(t, http.MethodPost, "/notifications/email", map[string]any{
		"to": teamEmail, "template": e.email.ID.String(), "personalisation": map[string]any{"name": "Jo"},
	}, e.keys[notify.KeyTypeLive])
	require.Equal(t, http.StatusCreated, v1.status, "%s", v1.raw)
	assert.NotContains(t, string(v1.raw), "sanitised_content")
}

func TestPostEmailBadSanitiseContentFor(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{Restricted: false})
	for _, tc := range []struct {
		value any
		msgs  []string
	}{
		{"name", []string{"sanitise_content_for name is not of type array, null"}},
		{map[string]any{}, []string{"sanitise_content_for {} is not of type array, null"}},
		{[]any{1, "name"}, []string{"sanitise_content_for 1 is not of type string"}},
	} {
		res := e.do(t, http.MethodPost, "/v2/notifications/email", map[string]any{
			"email_address": teamEmail, "template_id": e.email.ID.String(),
			"personalisation": map[string]any{"name": "Jo"}, "sanitise_content_for": tc.value,
		}, e.keys[notify.KeyTypeLive])
		require.Equal(t, http.StatusBadRequest, res.status, "%s", res.raw)
		var want []any
		for _, m := range tc.msgs {
			want = append(want, map[string]any{"error": "ValidationError", "message": m})
		}
		assert.Equal(t, want, res.body["errors"], "%v", tc.value)
	}
	assert.Empty(t, e.queue.tasks, "nothing was sent")
	// sanitise_content_for is for email only.
	res := e.do(t, http.MethodPost, "/v2/notifications/sms", map[string]any{
		"phone_number": teamPhone, "template_id": e.sms.ID.String(),
		"personalisation": map[string]any{"name": "Jo", "code": "1"}, "sanitise_content_for": []string{"name"},
	}, e.keys[notify.KeyTypeLive])
	require.Equal(t, http.StatusBadRequest, res.status, "%s", res.raw)
	assert.Equal(t, []any{map[string]any{"error": "ValidationError",
		"message": "Additional properties are not allowed (sanitise_content_for was unexpected)"}}, res.body["errors"])
}

// The email answer with something sanitised matches the OpenAPI document.
func TestOpenAPISanitisedContent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{Restricted: false})
	c := newSpecChecker(t, e)
	raw := c.expect(201, "POST", "/v2/notifications/email", map[string]any{
		"email_address": teamEmail, "template_id": e.email.ID,
		"personalisation":      map[string]any{"name": []any{"[a](https://evil.link)", "b"}},
		"sanitise_content_for": []string{"name"},
	}, string(notify.KeyTypeLive))
	assert.Equal(t, map[string]any{
		"unsanitised": []any{"[a](https://evil.link)", "b"},
		"sanitised":   []any{`\[a\]\(\)`, "b"},
	}, field(t, raw, "sanitised_content", "name"))
}
