package httpapi

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/notifykit/notify"
)

// V2ErrorItem is one entry of a v2 error body.
type V2ErrorItem struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// V2ErrorBody is the v2 error shape:
// {"status_code": N, "errors": [{"error": Name, "message": msg}]}.
type V2ErrorBody struct {
	StatusCode int           `json:"status_code"`
	Errors     []V2ErrorItem `json:"errors"`
}

// V2Error shapes err for the v2 API: one entry per refusal in err (a
// *notify.Error or notify.Errors), duplicates dropped, with the first
// refusal's status. Anything that is not a refusal is a 500 "Internal
// server error".
func V2Error(err error) V2ErrorBody {
	list := notify.ErrorList(err)
	if len(list) == 0 {
		list = []*notify.Error{notify.ErrInternal}
	}
	body := V2ErrorBody{StatusCode: list[0].Status}
	seen := map[V2ErrorItem]bool{}
	for _, e := range list {
		item := V2ErrorItem{Error: e.Name, Message: e.Message}
		if !seen[item] {
			seen[item] = true
			body.Errors = append(body.Errors, item)
		}
	}
	return body
}

// V1ErrorBody is the v1 error shape, used by the v1 API and every path
// outside /v2: {"result": "error", "message": ...} where message is a
// string or a map of field to messages.
type V1ErrorBody struct {
	Result  string `json:"result"`
	Message any    `json:"message"`
}

// V1Error shapes err for the v1 API: refusals about a field become
// {"field": ["message"]} (authentication errors {"token": ["..."]}), others
// a plain string, several joined with "; ". Anything that is not a refusal
// is "Internal server error". The status is notify.StatusOf(err).
func V1Error(err error) V1ErrorBody {
	list := notify.ErrorList(err)
	if len(list) == 0 {
		return V1ErrorBody{Result: "error", Message: notify.ErrInternal.Message}
	}
	fields := map[string][]string{}
	var plain []string
	for _, e := range list {
		if e.Field == "" {
			plain = append(plain, e.Message)
			continue
		}
		if !slices.Contains(fields[e.Field], e.Message) {
			fields[e.Field] = append(fields[e.Field], e.Message)
		}
	}
	if len(fields) == 0 {
		return V1ErrorBody{Result: "error", Message: strings.Join(plain, "; ")}
	}
	return V1ErrorBody{Result: "error", Message: fields}
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
		body := V2Error(err)
		writeJSON(w, body.StatusCode, body)
		return
	}
	writeJSON(w, notify.StatusOf(err), V1Error(err))
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
