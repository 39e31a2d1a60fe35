package httpapi_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

func (e *env) bulkBody(name string) string {
	return `{"name": "people.csv", "template_id": "` + e.email.ID.String() +
		`", "rows": [["email address", "name"], ["` + teamEmail + `", "` + name + `"]]}`
}

// jobRows counts the service's notifications that belong to jobs.
func (e *env) jobRows(t *testing.T) int {
	t.Helper()
	list, err := e.store.ListNotifications(ctx, notify.NotificationFilter{ServiceID: e.svc.ID, IncludeJobs: true})
	require.NoError(t, err)
	rows := 0
	for _, n := range list {
		if n.JobID != nil {
			rows++
		}
	}
	return rows
}

func TestBulkIdempotencyKeyRetryGetsTheSameJob(t *testing.T) {
	e := newEnv(t, notify.Service{})
	spec := newSpecChecker(t, e)
	tok := e.token(t, e.keys[notify.KeyTypeTeam])

	first := sendWithKey(t, e.handler, tok, "/v2/notifications/bulk", e.bulkBody("Jo"), spec, "bulk-1")
	require.Equal(t, http.StatusCreated, first.status, "%s", first.raw)
	assert.Empty(t, first.header.Get("Idempotent-Replayed"))
	same := `{"rows":[["email address","name"],["` + teamEmail + `","Jo"]],"template_id":"` + e.email.ID.String() + `","name":"people.csv"}`
	again := sendWithKey(t, e.handler, tok, "/v2/notifications/bulk", same, spec, "bulk-1")
	require.Equal(t, http.StatusCreated, again.status, "%s", again.raw)
	assert.Equal(t, string(first.raw), string(again.raw), "the same answer, byte for byte")
	assert.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
	assert.Equal(t, 1, e.jobRows(t), "one job")

	// The job runs; a retry still answers it as it was accepted.
	e.deliverAll(t)
	e.deliverAll(t)
	state := e.do(t, http.MethodGet, "/v2/jobs/"+first.body["data"].(map[string]any)["id"].(string), nil, e.keys[notify.KeyTypeTeam])
	require.Equal(t, "finished", state.body["data"].(map[string]any)["job_status"], "%s", state.raw)
	late := sendWithKey(t, e.handler, tok, "/v2/notifications/bulk", e.bulkBody("Jo"), spec, "bulk-1")
	assert.Equal(t, string(first.raw), string(late.raw))

	t.Run("another body", func(t *testing.T) {
		res := sendWithKey(t, e.handler, tok, "/v2/notifications/bulk", e.bulkBody("Ann"), spec, "bulk-1")
		assert.Equal(t, http.StatusConflict, res.status)
		assert.Equal(t, v2err(409, "IdempotencyError", notify.MsgIdempotencyMismatch), res.body)
	})
	t.Run("a single send's key", func(t *testing.T) {
		res := sendWithKey(t, e.handler, tok, "/v2/notifications/sms", e.smsBody("Jo"), spec, "single")
		require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
		res = sendWithKey(t, e.handler, tok, "/v2/notifications/bulk", e.bulkBody("Jo"), spec, "single")
		assert.Equal(t, v2err(409, "IdempotencyError", notify.MsgIdempotencyMismatch), res.body)
	})
	t.Run("bad keys", func(t *testing.T) {
		res := sendWithKey(t, e.handler, tok, "/v2/notifications/bulk", e.bulkBody("Jo"), spec, "a", "b")
		assert.Equal(t, v2err(400, "BadRequestError", "Idempotency-Key must be sent once"), res.body)
		res = sendWithKey(t, e.handler, tok, "/v2/notifications/bulk", e.bulkBody("Jo"), spec, strings.Repeat("k", 256))
		assert.Equal(t, v2err(400, "BadRequestError", "Idempotency-Key must be at most 255 characters"), res.body)
	})
	t.Run("a refused job does not use its key up", func(t *testing.T) {
		bad := `{"name": "j", "template_id": "` + e.email.ID.String() + `", "rows": [["email address", "name"], ["` + teamEmail + `", ""]]}`
		res := sendWithKey(t, e.handler, tok, "/v2/notifications/bulk", bad, spec, "fix-me")
		assert.Equal(t, v2err(400, "BadRequestError", "Some rows have errors. Row 0 - `name`: Missing."), res.body)
		res = sendWithKey(t, e.handler, tok, "/v2/notifications/bulk", e.bulkBody("Al"), spec, "fix-me")
		assert.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	})
	assert.Equal(t, 2, e.jobRows(t))
}

func TestBulkIdempotencyKeyHoldsAcrossARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notify.db")
	first := openSQLiteEnv(t, path)
	svc, err := first.n.CreateService(ctx, notify.Service{Name: "Durable"})
	require.NoError(t, err)
	require.NoError(t, first.n.AddTeamMember(ctx, notify.TeamMember{ServiceID: svc.ID, EmailAddress: teamEmail, MobileNumber: teamPhone}))
	key, err := first.n.CreateAPIKey(ctx, svc.ID, "team", notify.KeyTypeTeam)
	require.NoError(t, err)
	tpl, err := first.n.CreateTemplate(ctx, notify.Template{ServiceID: svc.ID, Type: notify.Email, Name: "Hello",
		Subject: "Hi", Content: "Hello ((name))", CreatedBy: teamEmail})
	require.NoError(t, err)
	tok, err := notify.NewToken(svc.ID, key.Secret, time.Now())
	require.NoError(t, err)
	body := `{"name": "people.csv", "template_id": "` + tpl.ID.String() + `", "csv": "email address,name\n` + teamEmail + `,Jo\n"}`

	before := sendWithKey(t, first.handler, tok, "/v2/notifications/bulk", body, nil, "restart-key")
	require.Equal(t, http.StatusCreated, before.status, "%s", before.raw)
	first.close(t)

	second := openSQLiteEnv(t, path)
	defer second.close(t)
	after := sendWithKey(t, second.handler, tok, "/v2/notifications/bulk", body, nil, "restart-key")
	require.Equal(t, http.StatusCreated, after.status, "%s", after.raw)
	assert.Equal(t, string(before.raw), string(after.raw), "the same answer after the restart")
	assert.Equal(t, "true", after.header.Get("Idempotent-Replayed"))
	other := sendWithKey(t, second.handler, tok, "/v2/notifications/bulk", strings.Replace(body, ",Jo", ",Al", 1), nil, "restart-key")
	assert.Equal(t, http.StatusConflict, other.status)
	list, err := second.st.ListNotifications(ctx, notify.NotificationFilter{ServiceID: svc.ID, IncludeJobs: true})
	require.NoError(t, err)
	assert.Len(t, list, 1, "one job of one row")
}

// The v1 send routes take the key as the v2 ones do; refusals keep the
// v1 shape.
func TestV1IdempotencyKey(t *testing.T) {
	e := newEnv(t, notify.Service{})
	tok := e.token(t, e.keys[notify.KeyTypeTeam])
	body := `{"to": "` + teamPhone + `", "template": "` + e.sms.ID.String() + `", "personalisation": {"name": "Jo", "code": "1"}}`
	first := sendWithKey(t, e.handler, tok, "/notifications/sms", body, nil, "v1-key")
	require.Equal(t, http.StatusCreated, first.status, "%s", first.raw)
	assert.Empty(t, first.header.Get("Idempotent-Replayed"))
	again := sendWithKey(t, e.handler, tok, "/notifications/sms", body, nil, "v1-key")
	require.Equal(t, http.StatusCreated, again.status, "%s", again.raw)
	assert.Equal(t, string(first.raw), string(again.raw))
	assert.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
	require.Len(t, e.stored(t), 1)

	other := sendWithKey(t, e.handler, tok, "/notifications/sms", strings.Replace(body, `"Jo"`, `"Ann"`, 1), nil, "v1-key")
	assert.Equal(t, http.StatusConflict, other.status)
	assert.Equal(t, v1err(notify.MsgIdempotencyMismatch), other.body)
	v2 := sendWithKey(t, e.handler, tok, "/v2/notifications/sms", e.smsBody("Jo"), nil, "v1-key")
	assert.Equal(t, http.StatusConflict, v2.status, "a v2 request is another request")
	bad := sendWithKey(t, e.handler, tok, "/notifications/sms", body, nil, "")
	assert.Equal(t, v1err("Idempotency-Key must not be empty"), bad.body)

	email := `{"to": "` + teamEmail + `", "template": "` + e.email.ID.String() + `", "personalisation": {"name": "Jo"}}`
	e1 := sendWithKey(t, e.handler, tok, "/notifications/email", email, nil, "v1-email")
	e2 := sendWithKey(t, e.handler, tok, "/notifications/email", email, nil, "v1-email")
	require.Equal(t, http.StatusCreated, e1.status, "%s", e1.raw)
	assert.Equal(t, string(e1.raw), string(e2.raw))
	assert.Contains(t, string(e1.raw), `"subject"`)
	letter := sendWithKey(t, e.handler, tok, "/notifications/letter", email, nil, "v1-letter")
	assert.Equal(t, v1err("letter notification type is not supported, please use the latest version of the client"), letter.body)
	assert.Len(t, e.stored(t), 2)
}
