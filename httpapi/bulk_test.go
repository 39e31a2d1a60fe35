package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

func TestBulkSendCreatesAJobAndItsRowsAreDelivered(t *testing.T) {
	e := newEnv(t, notify.Service{})
	live := e.keys[notify.KeyTypeLive]
	body := map[string]any{"name": "people.csv", "template_id": e.email.ID,
		"csv": "email address,name\r\n" + teamEmail + ",Jo\r\nsomeone@example.com,Al\r\n"}
	res := e.do(t, http.MethodPost, "/v2/notifications/bulk", body, live)
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	data := res.body["data"].(map[string]any)
	assert.Equal(t, "pending", data["job_status"])
	assert.Equal(t, float64(2), data["notification_count"])
	assert.Equal(t, "people.csv", data["original_file_name"])
	assert.Equal(t, "email", data["template_type"])
	assert.Nil(t, data["scheduled_for"])
	assert.Equal(t, []any{map[string]any{"status": "created", "count": float64(2)}}, data["statistics"])
	jobID := data["id"].(string)

	// The worker: process-job, then the deliveries it queued, then receipts.
	e.deliverAll(t)
	e.deliverAll(t)
	res = e.do(t, http.MethodGet, "/v2/jobs/"+jobID, nil, live)
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	data = res.body["data"].(map[string]any)
	assert.Equal(t, "finished", data["job_status"])
	assert.Equal(t, []any{map[string]any{"status": "delivered", "count": float64(2)}}, data["statistics"])

	res = e.do(t, http.MethodGet, "/v2/notifications", nil, live)
	assert.Empty(t, res.body["notifications"], "job rows only with include_jobs or job_id")
	res = e.do(t, http.MethodGet, "/v2/notifications?include_jobs=true", nil, live)
	assert.Len(t, res.body["notifications"], 2)
	res = e.do(t, http.MethodGet, "/v2/notifications?job_id="+jobID, nil, live)
	assert.Len(t, res.body["notifications"], 2)
	res = e.do(t, http.MethodGet, "/v2/notifications?job_id=nope", nil, live)
	assert.Equal(t, v2err(400, "ValidationError", "job_id is not a valid UUID"), res.body)

	res = e.do(t, http.MethodPost, "/v2/jobs/"+jobID+"/cancel", nil, live)
	assert.Equal(t, v2err(400, "BadRequestError", "Job has already started or finished and cannot be cancelled (job_status is finished)"), res.body)
	res = e.do(t, http.MethodGet, "/v2/jobs/nope", nil, live)
	assert.Equal(t, v2err(400, "ValidationError", "job_id is not a valid UUID"), res.body)
}

func TestBulkRowErrorsInTheV2Shape(t *testing.T) {
	e := newEnv(t, notify.Service{})
	body := map[string]any{"name": "job_name", "template_id": e.email.ID, "rows": [][]string{
		{"email address", "name"}, {"foo@example.com", "Foo"}, {"bar@example.com"}, {"nope", "nope"}, {"baz@example.com", ""},
	}}
	res := e.do(t, http.MethodPost, "/v2/notifications/bulk", body, e.keys[notify.KeyTypeLive])
	assert.Equal(t, v2err(400, "BadRequestError",
		"Some rows have errors. Row 1 - `name`: Missing. Row 2 - `email address`: invalid recipient. Row 3 - `name`: Missing."), res.body)
	res = e.do(t, http.MethodGet, "/v2/notifications?include_jobs=true", nil, e.keys[notify.KeyTypeLive])
	assert.Empty(t, res.body["notifications"], "nothing stored")
}

// A bulk body may be larger than the single sends' cap; not past its own.
func TestBulkBodyCap(t *testing.T) {
	e := newEnv(t, notify.Service{})
	var b strings.Builder
	b.WriteString("email address,name\r\n")
	for i := 0; b.Len() < 5<<20; i++ {
		fmt.Fprintf(&b, "%s,%s\r\n", teamEmail, strings.Repeat("x", 200))
	}
	body := map[string]any{"name": "big.csv", "template_id": e.email.ID, "csv": b.String()}
	res := e.do(t, http.MethodPost, "/v2/notifications/bulk", body, e.keys[notify.KeyTypeTeam])
	assert.Equal(t, http.StatusCreated, res.status, "a 5 MiB bulk body is read: %.200s", res.raw)
	res = e.do(t, http.MethodPost, "/v2/notifications/email", strings.Repeat(" ", 5<<20), e.keys[notify.KeyTypeTeam])
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.status, "single sends keep their cap")
}
