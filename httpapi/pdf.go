package httpapi

import (
	"net/http"

	"github.com/notifykit/notify"
)

// msgNotALetter refuses the PDF of a notification that is not a letter.
const msgNotALetter = "Notification is not a letter"

// GET /v2/notifications/{id}/pdf
//
// Only letters have a PDF, and notify sends no letters: after the id checks
// of GET /v2/notifications/{id} (not a UUID 400, unknown 404), every
// notification is answered 400 BadRequestError "Notification is not a
// letter", as upstream answers for a text message or an email.
func (h *Handler) getNotificationPDF(w http.ResponseWriter, r *http.Request, c *notify.Caller) {
	id, err := pathUUID(r, "notification_id")
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if _, err := h.n.Get(r.Context(), c, id); err != nil {
		h.writeError(w, r, err)
		return
	}
	h.writeError(w, r, notify.BadRequest("", msgNotALetter))
}
