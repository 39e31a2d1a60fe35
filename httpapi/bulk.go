package httpapi

import (
	"net/http"

	"github.com/notifykit/notify"
)

// DefaultBulkMaxBodyBytes caps the body of POST /v2/notifications/bulk
// (64 MiB): 100,000 rows of a few columns each.
const DefaultBulkMaxBodyBytes = 64 << 20

// bulkPath is the one route whose body may be larger than MaxBodyBytes.
const bulkPath = "/v2/notifications/bulk"

// bodyLimit is the body cap of r: BulkMaxBodyBytes for a bulk send,
// MaxBodyBytes otherwise.
func (h *Handler) bodyLimit(r *http.Request) int64 {
	if r.URL.Path == bulkPath && r.Method == http.MethodPost {
		return max(h.opts.BulkMaxBodyBytes, h.opts.MaxBodyBytes)
	}
	return h.opts.MaxBodyBytes
}

// POST /v2/notifications/bulk: the body is read once authenticated, then
// handed whole to Notifier.SendBulkJSON; the answer is 201 {"data": job}.
func (h *Handler) postBulk(w http.ResponseWriter, r *http.Request, c *notify.Caller) {
	body, err := readBody(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	j, err := h.n.SendBulkJSON(r.Context(), c, body)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, jobJSON(j))
}
