package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// GET /complaint lists every service's complaints, newest first, 50 a
// page, in upstream's shape.
func TestAdminListComplaints(t *testing.T) {
	e := newAdminEnv(t, notify.Service{Name: "First"})
	other, err := e.n.CreateService(ctx, notify.Service{Name: "Second"})
	require.NoError(t, err)
	cs := e.store.Store.(notify.ComplaintStore)

	res := e.admin(t, http.MethodGet, "/complaint", nil)
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	assert.Equal(t, map[string]any{"complaints": []any{}, "links": map[string]any{}}, res.body)

	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var newest *notify.Complaint
	for i := range 51 {
		svc := e.svc.ID
		if i%2 == 1 {
			svc = other.ID
		}
		c := &notify.Complaint{ID: uuid.New(), NotificationID: uuid.New(), ServiceID: svc,
			SESFeedbackID: fmt.Sprintf("feedback-%d", i), ComplaintType: "abuse",
			ComplaintDate: base.Add(time.Duration(i)*time.Minute - time.Second), CreatedAt: base.Add(time.Duration(i) * time.Minute)}
		if i == 50 {
			c.SESFeedbackID, c.ComplaintType, c.ServiceID = "", "", e.svc.ID
			newest = c
		}
		require.NoError(t, cs.CreateComplaint(ctx, c))
	}

	res = e.admin(t, http.MethodGet, "/complaint", nil)
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	list := res.body["complaints"].([]any)
	require.Len(t, list, 50)
	assert.Equal(t, map[string]any{
		"id":              newest.ID.String(),
		"notification_id": newest.NotificationID.String(),
		"service_id":      e.svc.ID.String(),
		"service_name":    "First",
		"ses_feedback_id": "None",
		"complaint_type":  nil,
		"complaint_date":  "2026-03-01T12:49:59.000000Z",
		"created_at":      "2026-03-01T12:50:00.000000Z",
	}, list[0], "upstream's serialize: a missing feedback id is the string None")
	second := list[1].(map[string]any)
	assert.Equal(t, "Second", second["service_name"])
	assert.Equal(t, "feedback-49", second["ses_feedback_id"])
	assert.Equal(t, "abuse", second["complaint_type"])
	assert.Equal(t, map[string]any{"next": "/complaint?page=2", "last": "/complaint?page=2"}, res.body["links"])

	spec := newSpecChecker(t, e)
	spec.expect(200, "GET", "/complaint", nil, "admin")
	spec.expect(200, "GET", "/complaint?page=2", nil, "admin")
	spec.expect(400, "GET", "/complaint?page=0", nil, "admin")

	res = e.admin(t, http.MethodGet, "/complaint?page=2", nil)
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	list = res.body["complaints"].([]any)
	require.Len(t, list, 1)
	assert.Equal(t, "feedback-0", list[0].(map[string]any)["ses_feedback_id"], "the oldest last")
	assert.Equal(t, map[string]any{"prev": "/complaint?page=1"}, res.body["links"])

	res = e.admin(t, http.MethodGet, "/complaint?page=9", nil)
	assert.Equal(t, map[string]any{"complaints": []any{}, "links": map[string]any{"prev": "/complaint?page=8"}}, res.body,
		"past the last page: empty")
	res = e.admin(t, http.MethodGet, "/complaint?page=99999999999", nil)
	assert.Equal(t, http.StatusOK, res.status, "a huge page is empty, not an overflow")
	assert.Empty(t, res.body["complaints"])

	res = e.admin(t, http.MethodGet, "/complaint?page=x", nil)
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.Equal(t, v1err(map[string]any{"page": []any{notify.MsgNotInteger}}), res.body)
	res = e.admin(t, http.MethodGet, "/complaint?page=0", nil)
	assert.Equal(t, v1err(map[string]any{"page": []any{"page must be a positive integer"}}), res.body)

	res = e.do(t, http.MethodGet, "/complaint", nil, e.keys[notify.KeyTypeLive])
	assert.Contains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, res.status, "a service's key is no admin token")
	plain := newEnv(t, notify.Service{})
	res = plain.admin(t, http.MethodGet, "/complaint", nil)
	assert.Equal(t, http.StatusNotFound, res.status, "no admin secret, no route")
}
