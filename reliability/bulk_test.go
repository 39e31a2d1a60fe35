package reliability

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// scenarioBulkWorkerKilled: a 20,000-row job sent in one request; kill -9
// the worker while it delivers the job, start another. Every row reaches
// a final status, the job is finished with its statistics matching the
// rows, and the provider sends twice at most what was in flight at the
// kill.
func scenarioBulkWorkerKilled(t *testing.T, e *env) {
	s := e.scenario(t, "s8")
	r := s.startRedis()
	common := append(fastRecovery(r.addr()), "-sandbox-latency", "5ms", "-workers", "8")
	api := s.server("api", "api", common...)
	w1 := s.server("worker1", "worker", common...)

	const total = 20000
	var csv strings.Builder
	csv.WriteString("phone number,n\r\n")
	for i := range total {
		fmt.Fprintf(&csv, "%s,%d\r\n", otherNumber, i)
	}
	body, err := json.Marshal(map[string]any{"name": "reliability.csv", "template_id": liveService.Template, "csv": csv.String()})
	require.NoError(t, err)
	tok, err := notify.NewToken(liveService.ID, liveService.Secret, time.Now())
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, "http://"+api.addr+"/v2/notifications/bulk", strings.NewReader(string(body)))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	began := time.Now()
	res, err := s.http.Do(req)
	require.NoError(t, err)
	raw, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", raw)
	var created struct {
		Data struct {
			ID                string `json:"id"`
			NotificationCount int    `json:"notification_count"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(raw, &created))
	require.Equal(t, total, created.Data.NotificationCount)
	jobID := created.Data.ID
	report("s8", "job %s of %d rows accepted in %.2fs", jobID, total, time.Since(began).Seconds())
	var ids []string
	require.NoError(t, s.db.Raw("SELECT id::text FROM notifications WHERE job_id = ?", jobID).Scan(&ids).Error)
	require.Len(t, ids, total, "the job's rows are stored with it")

	// Mid-delivery: once a quarter of the rows has left created.
	deadline := time.Now().Add(3 * time.Minute)
	for {
		m, err := s.statusCounts()
		if err == nil && sum(m)-m["created"] >= total/4 {
			break
		}
		require.True(t, time.Now().Before(deadline), "deliveries did not start: %v", m)
		time.Sleep(20 * time.Millisecond)
	}
	w1.kill()
	inFlight := s.inFlight()
	before, _ := s.statusCounts()
	report("s8", "kill -9 worker1 with %d notifications in flight; statuses then %v", inFlight, before)
	s.server("worker2", "worker", common...)

	rec := s.reconcile(ids, 5*time.Minute)
	report("s8", "%s", rec)
	rec.check(t)
	assert.Equal(t, total, rec.ByStatus["delivered"], "every row delivered")
	assert.Equal(t, total, rec.Sent, "every row reached the provider")
	assert.LessOrEqual(t, rec.DupExtra, inFlight, "duplicate sends must not exceed what was in flight at the kill")

	// The job is finished and its statistics are the rows'.
	var job struct {
		JobStatus         string
		NotificationCount int
	}
	require.Eventually(t, func() bool {
		return s.db.Raw("SELECT job_status, notification_count FROM jobs WHERE id = ?", jobID).Scan(&job).Error == nil &&
			job.JobStatus == string(notify.JobFinished)
	}, time.Minute, 250*time.Millisecond, "job status %q", job.JobStatus)
	req, err = http.NewRequest(http.MethodGet, "http://"+api.addr+"/v2/jobs/"+jobID, nil)
	require.NoError(t, err)
	tok, err = notify.NewToken(liveService.ID, liveService.Secret, time.Now())
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err = s.http.Do(req)
	require.NoError(t, err)
	raw, _ = io.ReadAll(res.Body)
	_ = res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", raw)
	var got struct {
		Data struct {
			JobStatus  string `json:"job_status"`
			Statistics []struct {
				Status string `json:"status"`
				Count  int    `json:"count"`
			} `json:"statistics"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(raw, &got))
	assert.Equal(t, "finished", got.Data.JobStatus)
	counted := 0
	for _, st := range got.Data.Statistics {
		counted += st.Count
	}
	assert.Equal(t, total, counted, "statistics %s", raw)
	report("s8", "job %s: %s", jobID, raw)
}
