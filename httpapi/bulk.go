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
// handed whole to Notifier.SendBulkJSONIdempotent with the request's
// Idempotency-Key, if any; the answer is 201 {"data": job}, the job as it
// was accepted again (with Idempotent-Replayed: true) for a retry.
func (h *Handler) postBulk(w http.ResponseWriter, r *http.Request, c *notify.Caller) {
	body, err := readBody(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	key, err := idempotencyKey(r) // idempotency.go
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	j, replayed, err := h.n.SendBulkJSONIdempotent(r.Context(), c, body, key)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	markReplayed(w, replayed)
	writeJSON(w, http.StatusCreated, jobJSON(j))
}
