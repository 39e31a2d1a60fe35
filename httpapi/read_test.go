package httpapi_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
)

func (e *env) sendSMS(t *testing.T, k *notify.APIKey, to, ref string) string {
	t.Helper()
	body := map[string]any{"phone_number": to, "template_id": e.sms.ID.String(),
		"personalisation": map[string]any{"name": "Jo", "code": "1"}}
	if ref != "" {
		body["reference"] = ref
	}
	res := e.do(t, http.MethodPost, "/v2/notifications/sms", body, k)
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	return res.body["id"].(string)
}

func (e *env) sendEmail(t *testing.T, k *notify.APIKey, to string) string {
	t.Helper()
	res := e.do(t, http.MethodPost, "/v2/notifications/email", map[string]any{"email_address": to,
		"template_id": e.email.ID.String(), "personalisation": map[string]any{"name": "Bob"}}, k)
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	return res.body["id"].(string)
}

func parseTime(t *testing.T, s any) time.Time {
	t.Helper()
	str, ok := s.(string)
	require.True(t, ok, "not a string: %v", s)
	tm, err := time.Parse(notify.TimeFormat, str)
	require.NoError(t, err)
	require.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`, str)
	return tm
}

func TestGetNotificationSMS(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{Restricted: true})
	live := e.keys[notify.KeyTypeLive]
	id := e.sendSMS(t, live, teamPhone, "my-ref")

	res := e.do(t, http.MethodGet, "/v2/notifications/"+id, nil, live)
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	created := parseTime(t, res.body["created_at"])
	assert.WithinDuration(t, time.Now(), created, 10*time.Second)
	want := map[string]any{
		"id": id, "reference": "my-ref", "email_address": nil, "phone_number": teamPhone,
		"line_1": nil, "line_2": nil, "line_3": nil, "line_4": nil, "line_5": nil, "line_6": nil, "postcode": nil,
		"type": "sms", "status": "created",
		"template": map[string]any{"id": e.sms.ID.String(), "version": float64(1),
			"uri": "http://api.test/v2/template/" + e.sms.ID.String() + "/version/1"},
		"body": "Hello Jo, your code is 1", "subject": nil,
		"created_at": res.body["created_at"], "created_by_name": nil, "sent_at": nil, "completed_at": nil,
		"scheduled_for": nil, "postage": nil, "one_click_unsubscribe_url": nil,
		"is_cost_data_ready": false, "cost_in_pounds": nil, "cost_details": map[string]any{},
	}
	assert.Equal(t, want, res.body)

	// After delivery by the sandbox: delivered, sent and completed, costed.
	e.deliverAll(t)
	res = e.do(t, http.MethodGet, "/v2/notifications/"+id, nil, e.keys[notify.KeyTypeTeam])
	require.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, "delivered", res.body["status"])
	sent := parseTime(t, res.body["sent_at"])
	done := parseTime(t, res.body["completed_at"])
	assert.False(t, sent.Before(created))
	assert.False(t, done.Before(sent))
	assert.Equal(t, true, res.body["is_cost_data_ready"])
	assert.InDelta(t, httpapi.DefaultSMSRate, res.body["cost_in_pounds"], 1e-9)
	assert.Equal(t, map[string]any{"billable_sms_fragments": float64(1), "international_rate_multiplier": float64(1),
		"sms_rate": httpapi.DefaultSMSRate}, res.body["cost_details"])
}

func TestGetNotificationEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{Restricted: true})
	id := e.sendEmail(t, e.keys[notify.KeyTypeLive], teamEmail)
	res := e.do(t, http.MethodGet, "/v2/notifications/"+id, nil, e.keys[notify.KeyTypeLive])
	require.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, teamEmail, res.body["email_address"])
	assert.Nil(t, res.body["phone_number"])
	assert.Equal(t, "email", res.body["type"])
	assert.Equal(t, "Hi Bob", res.body["subject"])
	assert.Equal(t, "Hello Bob\nThis is an email from GOV.UK", res.body["body"])
	assert.Equal(t, true, res.body["is_cost_data_ready"])
	assert.Equal(t, float64(0), res.body["cost_in_pounds"])
	assert.Equal(t, map[string]any{}, res.body["cost_details"])
	assert.Len(t, res.body, 26)
}

func TestGetNotificationNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{Restricted: true})
	other := newEnv(t, notify.Service{Restricted: true})
	otherID := other.sendSMS(t, other.keys[notify.KeyTypeLive], teamPhone, "")
	noResult := v2err(404, "NoResultFound", "No result found")
	for _, id := range []string{uuid.NewString(), otherID} {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			res := e.do(t, http.MethodGet, "/v2/notifications/"+id, nil, e.keys[notify.KeyTypeLive])
			assert.Equal(t, http.StatusNotFound, res.status)
			assert.Equal(t, noResult, res.body)
		})
	}
}

func TestListNotifications(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{Restricted: true})
	live, team := e.keys[notify.KeyTypeLive], e.keys[notify.KeyTypeTeam]
	a := e.sendSMS(t, live, teamPhone, "ref-a")
	b := e.sendEmail(t, live, teamEmail)
	c := e.sendSMS(t, live, guestPhone, "ref-c")
	teamID := e.sendSMS(t, team, teamPhone, "ref-a")

	ids := func(res response) []string {
		var out []string
		for _, n := range res.body["notifications"].([]any) {
			out = append(out, n.(map[string]any)["id"].(string))
		}
		return out
	}
	cases := []struct {
		name  string
		query string
		key   *notify.APIKey
		want  []string
	}{
		{"all, newest first, own key type", "", live, []string{c, b, a}},
		{"team key sees team's", "", team, []string{teamID}},
		{"template_type sms", "?template_type=sms", live, []string{c, a}},
		{"template_type repeated", "?template_type=sms&template_type=email", live, []string{c, b, a}},
		{"reference", "?reference=ref-a", live, []string{a}},
		{"status created", "?status=created", live, []string{c, b, a}},
		{"status delivered", "?status=delivered", live, nil},
		{"older_than", "?older_than=" + c, live, []string{b, a}},
		{"older_than last", "?older_than=" + a, live, nil},
		{"older_than unknown", "?older_than=" + uuid.NewString(), live, nil},
		{"include_jobs", "?include_jobs=true", live, []string{c, b, a}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := e.do(t, http.MethodGet, "/v2/notifications"+tc.query, nil, tc.key)
			require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
			assert.Equal(t, tc.want, ids(res))
			links := res.body["links"].(map[string]any)
			cur, err := url.Parse(links["current"].(string))
			require.NoError(t, err)
			assert.Equal(t, "http://api.test/v2/notifications", cur.Scheme+"://"+cur.Host+cur.Path)
			want, _ := url.ParseQuery(trimQ(tc.query))
			assert.Equal(t, want, cur.Query())
			if len(tc.want) == 0 {
				assert.NotContains(t, links, "next")
				return
			}
			next, err := url.Parse(links["next"].(string))
			require.NoError(t, err)
			want.Set("older_than", tc.want[len(tc.want)-1])
			assert.Equal(t, want, next.Query())
		})
	}
}

func trimQ(q string) string {
	if len(q) > 0 && q[0] == '?' {
		return q[1:]
	}
	return q
}

func TestListNotificationsFollowsNext(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{Restricted: true})
	live := e.keys[notify.KeyTypeLive]
	first := e.sendSMS(t, live, teamPhone, "")
	res := e.do(t, http.MethodGet, "/v2/notifications", nil, live)
	next, err := url.Parse(res.body["links"].(map[string]any)["next"].(string))
	require.NoError(t, err)
	assert.Equal(t, first, next.Query().Get("older_than"))
	res = e.do(t, http.MethodGet, next.RequestURI(), nil, live)
	require.Equal(t, http.StatusOK, res.status)
	assert.Empty(t, res.body["notifications"])
}

func TestListNotificationsErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{})
	cases := []struct{ query, msg string }{
		{"?older_than=1234-badly-formatted-id-7890", "older_than is not a valid UUID"},
		{"?status=elephant", "status elephant is not one of [cancelled, created, sending, sent, delivered, pending, failed, technical-failure, temporary-failure, permanent-failure, pending-virus-check, validation-failed, virus-scan-failed, returned-letter, accepted, received]"},
		{"?template_type=orange", "template_type orange is not one of [sms, email, letter]"},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			t.Parallel()
			res := e.do(t, http.MethodGet, "/v2/notifications"+tc.query, nil, e.keys[notify.KeyTypeLive])
			assert.Equal(t, http.StatusBadRequest, res.status)
			assert.Equal(t, v2err(400, "ValidationError", tc.msg), res.body)
		})
	}
}

func TestTemplates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{})
	live := e.keys[notify.KeyTypeLive]
	v2, err := e.n.UpdateTemplate(ctx, notify.Template{ID: e.sms.ID, ServiceID: e.svc.ID, Type: notify.SMS, Name: "Code",
		Content: "Code ((code)) for ((name)) ((name))"})
	require.NoError(t, err)
	require.Equal(t, 2, v2.Version)

	t.Run("get current", func(t *testing.T) {
		t.Parallel()
		res := e.do(t, http.MethodGet, "/v2/template/"+e.sms.ID.String(), nil, live)
		require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
		parseTime(t, res.body["created_at"])
		parseTime(t, res.body["updated_at"])
		assert.Equal(t, map[string]any{
			"id": e.sms.ID.String(), "type": "sms", "created_at": res.body["created_at"], "updated_at": res.body["updated_at"],
			"created_by": res.body["created_by"], "version": float64(2), "body": "Code ((code)) for ((name)) ((name))",
			"subject": nil, "name": "Code",
			"personalisation": map[string]any{"code": map[string]any{"required": true}, "name": map[string]any{"required": true}},
			"postage":         nil, "letter_contact_block": nil,
		}, res.body)
		assert.IsType(t, "", res.body["created_by"])
		// Placeholders keep the template's order.
		assert.Contains(t, string(res.raw), `"personalisation":{"code":{"required":true},"name":{"required":true}}`)
	})
	t.Run("get version 1", func(t *testing.T) {
		t.Parallel()
		res := e.do(t, http.MethodGet, "/v2/template/"+e.sms.ID.String()+"/version/1", nil, live)
		require.Equal(t, http.StatusOK, res.status)
		assert.Equal(t, float64(1), res.body["version"])
		assert.Equal(t, "Hello ((name)), your code is ((code))", res.body["body"])
		assert.Nil(t, res.body["updated_at"])
		assert.Equal(t, teamEmail, res.body["created_by"])
	})
	t.Run("email has subject", func(t *testing.T) {
		t.Parallel()
		res := e.do(t, http.MethodGet, "/v2/template/"+e.email.ID.String(), nil, live)
		require.Equal(t, http.StatusOK, res.status)
		assert.Equal(t, "Hi ((name))", res.body["subject"])
		assert.Equal(t, "email", res.body["type"])
	})
	for _, path := range []string{
		"/v2/template/" + uuid.NewString(),
		"/v2/template/" + e.sms.ID.String() + "/version/3",
		"/v2/template/" + e.sms.ID.String() + "/version/99999999999999999999",
	} {
		t.Run("not found "+path, func(t *testing.T) {
			t.Parallel()
			res := e.do(t, http.MethodGet, path, nil, live)
			assert.Equal(t, http.StatusNotFound, res.status)
			assert.Equal(t, v2err(404, "NoResultFound", "No result found"), res.body)
		})
	}
	list := func(q string) response { return e.do(t, http.MethodGet, "/v2/templates"+q, nil, live) }
	t.Run("list", func(t *testing.T) {
		t.Parallel()
		for q, n := range map[string]int{"": 2, "?type=sms": 1, "?type=email": 1, "?type=letter": 0} {
			res := list(q)
			require.Equal(t, http.StatusOK, res.status)
			assert.Len(t, res.body["templates"], n, q)
			assert.Equal(t, []string{"templates"}, keys(res.body))
		}
		res := list("?type=email")
		assert.Equal(t, e.email.ID.String(), res.body["templates"].([]any)[0].(map[string]any)["id"])
	})
	t.Run("list bad type", func(t *testing.T) {
		t.Parallel()
		res := list("?type=coconut")
		assert.Equal(t, http.StatusBadRequest, res.status)
		assert.Equal(t, v2err(400, "ValidationError", "type coconut is not one of [sms, email, letter]"), res.body)
	})
}

func TestPreview(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{})
	live := e.keys[notify.KeyTypeLive]
	plain, err := e.n.CreateTemplate(ctx, notify.Template{ServiceID: e.svc.ID, Type: notify.Email, Name: "Plain", Subject: "S", Content: "Some content"})
	require.NoError(t, err)
	cases := []struct {
		name   string
		id     string
		body   any
		status int
		want   map[string]any
	}{
		{"sms", e.sms.ID.String(), map[string]any{"personalisation": map[string]any{"name": "Jo", "code": "12"}}, 200,
			map[string]any{"id": e.sms.ID.String(), "type": "sms", "version": float64(1), "body": "Hello Jo, your code is 12",
				"html": nil, "subject": nil, "postage": nil}},
		{"email without personalisation", plain.ID.String(), "", 200,
			map[string]any{"id": plain.ID.String(), "type": "email", "version": float64(1), "body": "Some content",
				"html":    `<p style="Margin: 0 0 20px 0; font-size: 19px; line-height: 25px; color: #0B0C0C;">Some content</p>`,
				"subject": "S", "postage": nil}},
		{"missing personalisation", e.email.ID.String(), map[string]any{}, 400,
			v2err(400, "BadRequestError", "Missing personalisation: name")},
		{"invalid json", e.sms.ID.String(), "{", 400, v2err(400, "BadRequestError", "Invalid JSON supplied in POST data")},
		{"unknown template", uuid.NewString(), map[string]any{}, 404, v2err(404, "NoResultFound", "No result found")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := e.do(t, http.MethodPost, "/v2/template/"+tc.id+"/preview", tc.body, live)
			assert.Equal(t, tc.status, res.status, "%s", res.raw)
			assert.Equal(t, tc.want, res.body)
		})
	}
}

func TestReceivedTexts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{})
	live := e.keys[notify.KeyTypeLive]
	base := time.Now().UTC().Add(-time.Hour).Truncate(time.Microsecond)
	var ids []string
	for i, text := range []string{"first", "second"} {
		m, err := e.n.ReceiveSMS(ctx, notify.InboundSMS{ServiceID: e.svc.ID, NotifyNumber: "07700900999",
			UserNumber: "447700900123", Content: text, CreatedAt: base.Add(time.Duration(i) * time.Minute)})
		require.NoError(t, err)
		ids = append(ids, m.ID.String())
	}
	res := e.do(t, http.MethodGet, "/v2/received-text-messages", nil, live)
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	msgs := res.body["received_text_messages"].([]any)
	require.Len(t, msgs, 2)
	assert.Equal(t, map[string]any{"id": ids[1], "created_at": base.Add(time.Minute).Format(notify.TimeFormat),
		"service_id": e.svc.ID.String(), "notify_number": "07700900999", "user_number": "447700900123",
		"content": "second"}, msgs[0])
	assert.Equal(t, map[string]any{"current": "http://api.test/v2/received-text-messages",
		"next": "http://api.test/v2/received-text-messages?older_than=" + ids[0]}, res.body["links"])

	res = e.do(t, http.MethodGet, "/v2/received-text-messages?older_than="+ids[1], nil, live)
	require.Equal(t, http.StatusOK, res.status)
	require.Len(t, res.body["received_text_messages"], 1)
	assert.Equal(t, "first", res.body["received_text_messages"].([]any)[0].(map[string]any)["content"])

	res = e.do(t, http.MethodGet, "/v2/received-text-messages?older_than=bad", nil, live)
	assert.Equal(t, v2err(400, "ValidationError", "older_than is not a valid UUID"), res.body)

	other := newEnv(t, notify.Service{})
	res = other.do(t, http.MethodGet, "/v2/received-text-messages", nil, other.keys[notify.KeyTypeLive])
	assert.Equal(t, []any{}, res.body["received_text_messages"])
	assert.Equal(t, map[string]any{"current": "http://api.test/v2/received-text-messages"}, res.body["links"])
}
