package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
	"github.com/notifykit/notify/store/gormstore"
)

// sendWithKey posts body to path with the key's token and the given
// Idempotency-Key values (none: no header). When spec is not nil, the
// answer is validated against the OpenAPI document.
func sendWithKey(t *testing.T, h http.Handler, tok, path, body string, spec *specChecker, keys ...string) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "http://api.test"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	for _, k := range keys {
		req.Header.Add("Idempotency-Key", k)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), raw: rec.Body.Bytes()}
	require.NoError(t, json.Unmarshal(res.raw, &res.body), "body: %s", res.raw)
	if spec != nil {
		route, params, err := spec.router.FindRoute(req)
		require.NoError(t, err)
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 rec.Code,
			Header:                 rec.Header(),
			Body:                   io.NopCloser(bytes.NewReader(res.raw)),
			Options:                &openapi3filter.Options{IncludeResponseStatus: true},
		}
		assert.NoError(t, openapi3filter.ValidateResponse(t.Context(), in), "%s → %d %s", path, rec.Code, res.raw)
	}
	return res
}

// stored lists the service's notifications.
func (e *env) stored(t *testing.T) []notify.Notification {
	t.Helper()
	list, err := e.store.ListNotifications(ctx, notify.NotificationFilter{ServiceID: e.svc.ID})
	require.NoError(t, err)
	return list
}

func (e *env) smsBody(name string) string {
	return `{"phone_number": "` + teamPhone + `", "template_id": "` + e.sms.ID.String() +
		`", "personalisation": {"name": "` + name + `", "code": "1"}}`
}

func TestIdempotencyKeyRetryGetsTheFirstAnswer(t *testing.T) {
	e := newEnv(t, notify.Service{})
	spec := newSpecChecker(t, e)
	tok := e.token(t, e.keys[notify.KeyTypeTeam])

	first := sendWithKey(t, e.handler, tok, "/v2/notifications/sms", e.smsBody("Jo"), spec, "9f0c5b1e-retry")
	require.Equal(t, http.StatusCreated, first.status, "%s", first.raw)
	assert.Empty(t, first.header.Get("Idempotent-Replayed"))
	// The same JSON, keys in another order and spaced otherwise.
	same := `{"personalisation":{"code":"1","name":"Jo"},"template_id":"` + e.sms.ID.String() +
		`","phone_number":"` + teamPhone + `"}`
	again := sendWithKey(t, e.handler, tok, "/v2/notifications/sms", same, spec, "9f0c5b1e-retry")
	require.Equal(t, http.StatusCreated, again.status, "%s", again.raw)
	assert.Equal(t, string(first.raw), string(again.raw), "the same answer, byte for byte")
	assert.Equal(t, "true", again.header.Get("Idempotent-Replayed"))

	email := `{"email_address": "` + teamEmail + `", "template_id": "` + e.email.ID.String() + `", "personalisation": {"name": "Jo"}}`
	e1 := sendWithKey(t, e.handler, tok, "/v2/notifications/email", email, spec, "email-key")
	e2 := sendWithKey(t, e.handler, tok, "/v2/notifications/email", email, spec, "email-key")
	require.Equal(t, http.StatusCreated, e1.status, "%s", e1.raw)
	assert.Equal(t, string(e1.raw), string(e2.raw))

	require.Len(t, e.stored(t), 2, "one notification per key")
	e.queue.mu.Lock()
	tasks := len(e.queue.tasks)
	e.queue.mu.Unlock()
	assert.Equal(t, 2, tasks, "one delivery per key")
}

func TestIdempotencyKeyRefusals(t *testing.T) {
	e := newEnv(t, notify.Service{})
	spec := newSpecChecker(t, e)
	tok := e.token(t, e.keys[notify.KeyTypeTeam])
	first := sendWithKey(t, e.handler, tok, "/v2/notifications/sms", e.smsBody("Jo"), spec, "k")
	require.Equal(t, http.StatusCreated, first.status)

	t.Run("another body", func(t *testing.T) {
		res := sendWithKey(t, e.handler, tok, "/v2/notifications/sms", e.smsBody("Ann"), spec, "k")
		assert.Equal(t, http.StatusConflict, res.status)
		assert.Equal(t, v2err(409, "IdempotencyError", notify.MsgIdempotencyMismatch), res.body)
	})
	t.Run("another route", func(t *testing.T) {
		res := sendWithKey(t, e.handler, tok, "/v2/notifications/email", `{"email_address": "`+teamEmail+
			`", "template_id": "`+e.email.ID.String()+`", "personalisation": {"name": "Jo"}}`, spec, "k")
		assert.Equal(t, v2err(409, "IdempotencyError", notify.MsgIdempotencyMismatch), res.body)
	})
	bad := []struct {
		name string
		keys []string
		msg  string
	}{
		{"too long", []string{strings.Repeat("k", 256)}, "Idempotency-Key must be at most 255 characters"},
		{"control character", []string{"a\x01b"}, "Idempotency-Key must not contain control characters"},
		{"empty", []string{""}, "Idempotency-Key must not be empty"},
		{"twice", []string{"a", "b"}, "Idempotency-Key must be sent once"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			res := sendWithKey(t, e.handler, tok, "/v2/notifications/sms", e.smsBody("Jo"), spec, tc.keys...)
			assert.Equal(t, v2err(400, "BadRequestError", tc.msg), res.body)
		})
	}
	t.Run("a refused request does not use its key up", func(t *testing.T) {
		res := sendWithKey(t, e.handler, tok, "/v2/notifications/sms", `{"phone_number": "`+stranger+
			`", "template_id": "`+e.sms.ID.String()+`", "personalisation": {"name": "Jo", "code": "1"}}`, spec, "fix-me")
		assert.Equal(t, v2err(400, "BadRequestError", teamMsg), res.body)
		res = sendWithKey(t, e.handler, tok, "/v2/notifications/sms", `{"phone_number": 7}`, spec, "fix-me")
		assert.Equal(t, http.StatusBadRequest, res.status)
		res = sendWithKey(t, e.handler, tok, "/v2/notifications/sms", e.smsBody("Jo"), spec, "fix-me")
		assert.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	})
	assert.Len(t, e.stored(t), 2)
}

func TestIdempotencyKeysArePerService(t *testing.T) {
	e := newEnv(t, notify.Service{})
	other, err := e.n.CreateService(ctx, notify.Service{Name: "Other Service"})
	require.NoError(t, err)
	require.NoError(t, e.n.AddTeamMember(ctx, notify.TeamMember{ServiceID: other.ID, EmailAddress: teamEmail, MobileNumber: teamPhone}))
	key, err := e.n.CreateAPIKey(ctx, other.ID, "other", notify.KeyTypeTeam)
	require.NoError(t, err)
	tpl, err := e.n.CreateTemplate(ctx, notify.Template{ServiceID: other.ID, Type: notify.SMS, Name: "Code",
		Content: "Hello ((name)), your code is ((code))", CreatedBy: teamEmail})
	require.NoError(t, err)

	a := sendWithKey(t, e.handler, e.token(t, e.keys[notify.KeyTypeTeam]), "/v2/notifications/sms", e.smsBody("Jo"), nil, "shared")
	b := sendWithKey(t, e.handler, e.token(t, key), "/v2/notifications/sms", `{"phone_number": "`+teamPhone+
		`", "template_id": "`+tpl.ID.String()+`", "personalisation": {"name": "Jo", "code": "1"}}`, nil, "shared")
	require.Equal(t, http.StatusCreated, a.status, "%s", a.raw)
	require.Equal(t, http.StatusCreated, b.status, "%s", b.raw)
	assert.NotEqual(t, a.body["id"], b.body["id"], "both sent")
}

// sqliteEnv is a server on a SQLite file, as notifyd runs one.
type sqliteEnv struct {
	n       *notify.Notifier
	st      *gormstore.Store
	handler http.Handler
}

func openSQLiteEnv(t *testing.T, path string) *sqliteEnv {
	t.Helper()
	st, err := gormstore.OpenSQLite(ctx, path, gormstore.Options{})
	require.NoError(t, err)
	n, err := notify.New(notify.Config{Store: st, Queue: &recordingQueue{}, SecretKey: []byte("httpapi tests: a 32-byte secret key")})
	require.NoError(t, err)
	return &sqliteEnv{n: n, st: st, handler: httpapi.New(n, httpapi.Options{})}
}

func (s *sqliteEnv) close(t *testing.T) {
	t.Helper()
	require.NoError(t, s.n.Close(ctx))
	require.NoError(t, s.st.Close())
}

func TestIdempotencyKeyHoldsAcrossARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notify.db")
	first := openSQLiteEnv(t, path)
	svc, err := first.n.CreateService(ctx, notify.Service{Name: "Durable"})
	require.NoError(t, err)
	require.NoError(t, first.n.AddTeamMember(ctx, notify.TeamMember{ServiceID: svc.ID, EmailAddress: teamEmail, MobileNumber: teamPhone}))
	key, err := first.n.CreateAPIKey(ctx, svc.ID, "team", notify.KeyTypeTeam)
	require.NoError(t, err)
	tpl, err := first.n.CreateTemplate(ctx, notify.Template{ServiceID: svc.ID, Type: notify.SMS, Name: "Code",
		Content: "Your code is ((code))", CreatedBy: teamEmail})
	require.NoError(t, err)
	tok, err := notify.NewToken(svc.ID, key.Secret, time.Now())
	require.NoError(t, err)
	body := `{"phone_number": "` + teamPhone + `", "template_id": "` + tpl.ID.String() + `", "personalisation": {"code": "4821"}}`

	before := sendWithKey(t, first.handler, tok, "/v2/notifications/sms", body, nil, "restart-key")
	require.Equal(t, http.StatusCreated, before.status, "%s", before.raw)
	first.close(t)

	second := openSQLiteEnv(t, path)
	defer second.close(t)
	after := sendWithKey(t, second.handler, tok, "/v2/notifications/sms", body, nil, "restart-key")
	require.Equal(t, http.StatusCreated, after.status, "%s", after.raw)
	assert.Equal(t, string(before.raw), string(after.raw), "the same answer after the restart")
	assert.Equal(t, "true", after.header.Get("Idempotent-Replayed"))
	other := sendWithKey(t, second.handler, tok, "/v2/notifications/sms", strings.Replace(body, "4821", "1111", 1), nil, "restart-key")
	assert.Equal(t, http.StatusConflict, other.status)
	list, err := second.st.ListNotifications(ctx, notify.NotificationFilter{ServiceID: svc.ID})
	require.NoError(t, err)
	assert.Len(t, list, 1, "sent once")
}
