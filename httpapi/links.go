package httpapi

import (
	"net/http"
	"net/url"

	"github.com/google/uuid"
)

// receivedTextsLinks are the links of GET /v2/received-text-messages, as
// upstream builds them: current is the endpoint without the query (an
// older_than asked for is not repeated), next the endpoint with
// older_than=last when the page is not empty.
func (h *Handler) receivedTextsLinks(r *http.Request, last *uuid.UUID) Links {
	base := h.urlRoot(r) + r.URL.Path[1:]
	l := Links{Current: base}
	if last != nil {
		l.Next = withQuery(base, url.Values{"older_than": {last.String()}})
	}
	return l
}
