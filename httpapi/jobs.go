package httpapi

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// JobStatistic is the count of a job's notifications in one status.
type JobStatistic struct {
	Status string `json:"status"`
	Count  int    `json:"count"`
}

// JobJSON is a job in v2 bodies: POST /v2/notifications/bulk,
// GET /v2/jobs/{job_id} and POST /v2/jobs/{job_id}/cancel.
type JobJSON struct {
	ID                 uuid.UUID      `json:"id"`
	Service            uuid.UUID      `json:"service"`
	Template           uuid.UUID      `json:"template"`
	TemplateVersion    int            `json:"template_version"`
	TemplateType       string         `json:"template_type"`
	OriginalFileName   string         `json:"original_file_name"`
	JobStatus          string         `json:"job_status"`
	NotificationCount  int            `json:"notification_count"`
	NotificationsSent  int            `json:"notifications_sent"`
	ScheduledFor       *string        `json:"scheduled_for"`
	ProcessingStarted  *string        `json:"processing_started"`
	ProcessingFinished *string        `json:"processing_finished"`
	APIKey             string         `json:"api_key"`
	CreatedAt          string         `json:"created_at"`
	UpdatedAt          *string        `json:"updated_at"`
	Statistics         []JobStatistic `json:"statistics"`
}

// JobBody is the answer of the job routes: {"data": job}.
type JobBody struct {
	Data JobJSON `json:"data"`
}

func jobJSON(j *notify.JobDetails) JobBody {
	out := JobJSON{
		ID: j.ID, Service: j.ServiceID, Template: j.TemplateID, TemplateVersion: j.TemplateVersion,
		TemplateType: string(j.TemplateType), OriginalFileName: j.OriginalFileName, JobStatus: string(j.Status),
		NotificationCount: j.NotificationCount, NotificationsSent: j.NotificationsSent,
		ScheduledFor: formatTimePtr(j.ScheduledFor), ProcessingStarted: formatTimePtr(j.ProcessingStarted),
		ProcessingFinished: formatTimePtr(j.ProcessingFinished), APIKey: j.CreatedBy,
		CreatedAt: formatTime(j.CreatedAt), UpdatedAt: formatTimePtr(j.UpdatedAt),
		Statistics: make([]JobStatistic, len(j.Statistics)),
	}
	for i, s := range j.Statistics {
		out.Statistics[i] = JobStatistic{Status: string(s.Status), Count: s.Count}
	}
	return JobBody{Data: out}
}

// GET /v2/jobs/{job_id}
func (h *Handler) getJob(w http.ResponseWriter, r *http.Request, c *notify.Caller) {
	id, err := pathUUID(r, "job_id")
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	j, err := h.n.GetJob(r.Context(), c, id)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, jobJSON(j))
}

// POST /v2/jobs/{job_id}/cancel
func (h *Handler) cancelJob(w http.ResponseWriter, r *http.Request, c *notify.Caller) {
	id, err := pathUUID(r, "job_id")
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	j, err := h.n.CancelJob(r.Context(), c, id)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, jobJSON(j))
}
