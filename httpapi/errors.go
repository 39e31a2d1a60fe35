package httpapi

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"github.com/notifykit/notify"
)

// V2ErrorBody shapes err for the v2 API (SPEC A5, B4.2):
// {"status_code": N, "errors": [{"error": Name, "message": msg}]}. Anything
// that is not a *notify.Error (or notify.Errors) is 500 "Internal server
// error".
func V2ErrorBody(err error) (status int, body notify.V2ErrorBody) {
	body = notify.V2Error(err)
	return body.StatusCode, body
}

// V1ErrorBody shapes err for the v1 API and every path outside /v2 (SPEC
// B4.1): {"result": "error", "message": ...} where message is a string or a
// map of field to messages; authentication errors are
// {"token": ["..."]}.
func V1ErrorBody(err error) (status int, body notify.V1ErrorBody) {
	return notify.StatusOf(err), notify.V1Error(err)
}

// isV2 reports whether the request is for the v2 API, whose errors have
// the v2 shape.
func isV2(r *http.Request) bool {
	return r.URL.Path == "/v2" || strings.HasPrefix(r.URL.Path, "/v2/")
}

// writeError answers err in the request's shape. Internal errors are logged
// with the request id; users see only "Internal server error". Unknown
// URLs and methods are app-level errors, in the v1 shape as upstream.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if notify.ErrorList(err) == nil {
		h.log.ErrorContext(r.Context(), "internal server error",
			slog.String("request_id", infoOf(r.Context()).id),
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Any("error", err))
	}
	if isV2(r) && err != errURLNotFound && err != errMethodNotAllowed {
		status, body := V2ErrorBody(err)
		writeJSON(w, status, body)
		return
	}
	status, body := V1ErrorBody(err)
	writeJSON(w, status, body)
}

// writeJSON writes v as JSON with status. HTML characters are not escaped,
// so bodies read as they were sent.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only values this package builds are encoded; this cannot happen
		// short of a bug, and the answer must still be JSON.
		buf.Reset()
		buf.WriteString(`{"result": "error", "message": "Internal server error"}` + "\n")
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
