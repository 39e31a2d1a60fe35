package httpapi

import (
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// The admin route of complaints, upstream's GET /complaint: every
// service's complaints, newest first, 50 a page.
//
//	GET /complaint?page=N   {"complaints": [...], "links": {"prev", "next", "last"}}

// adminComplaintRoutes mounts the route above when the admin API is on.
func (h *Handler) adminComplaintRoutes() {
	if len(h.opts.AdminSecret) == 0 {
		return
	}
	h.adminHandle("GET /complaint", "get_all_complaints", h.adminListComplaints)
}

// ComplaintJSON is a complaint in the admin API, upstream's
// Complaint.serialize: ses_feedback_id is "None" when the provider gave
// none (upstream's str() of a null), complaint_type null.
type ComplaintJSON struct {
	ID             uuid.UUID `json:"id"`
	NotificationID uuid.UUID `json:"notification_id"`
	ServiceID      uuid.UUID `json:"service_id"`
	ServiceName    string    `json:"service_name"`
	SESFeedbackID  string    `json:"ses_feedback_id"`
	ComplaintType  *string   `json:"complaint_type"`
	ComplaintDate  *string   `json:"complaint_date"`
	CreatedAt      string    `json:"created_at"`
}

// ComplaintLinks are upstream's page links of GET /complaint (relative):
// prev from page 2 on, next and last before the last page.
type ComplaintLinks struct {
	Prev string `json:"prev,omitempty"`
	Next string `json:"next,omitempty"`
	Last string `json:"last,omitempty"`
}

// ComplaintsPage is the body of GET /complaint.
type ComplaintsPage struct {
	Complaints []ComplaintJSON `json:"complaints"`
	Links      ComplaintLinks  `json:"links"`
}

func complaintJSON(c *notify.ListedComplaint) ComplaintJSON {
	out := ComplaintJSON{ID: c.ID, NotificationID: c.NotificationID, ServiceID: c.ServiceID, ServiceName: c.ServiceName,
		SESFeedbackID: c.SESFeedbackID, ComplaintType: emptyNil(c.ComplaintType), CreatedAt: formatTime(c.CreatedAt)}
	if out.SESFeedbackID == "" {
		out.SESFeedbackID = "None"
	}
	if !c.ComplaintDate.IsZero() {
		out.ComplaintDate = formatTimePtr(&c.ComplaintDate)
	}
	return out
}

// GET /complaint
func (h *Handler) adminListComplaints(a adminRequest) (int, any, error) {
	page := 1
	if v, ok := a.r.URL.Query()["page"]; ok {
		p, err := strconv.Atoi(v[0])
		if err != nil {
			return 0, nil, notify.ValidationError("page", notify.MsgNotInteger)
		}
		page = p
	}
	res, err := h.n.AllComplaints(a.r.Context(), page)
	if err != nil {
		return 0, nil, err
	}
	out := ComplaintsPage{Complaints: make([]ComplaintJSON, len(res.Complaints))}
	for i := range res.Complaints {
		out.Complaints[i] = complaintJSON(&res.Complaints[i])
	}
	at := func(p int) string {
		q := a.r.URL.Query()
		q.Set("page", strconv.Itoa(p))
		return a.r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		out.Links.Prev = at(page - 1)
	}
	if page < res.Pages {
		out.Links.Next, out.Links.Last = at(page+1), at(res.Pages)
	}
	return http.StatusOK, out, nil
}
