package httpapi

import (
	"net/http"
	"strconv"

	"github.com/notifykit/notify"
)

// Requests are counted and logged by route, method and status, and an
// unauthenticated caller chooses the method and the path: so that no caller
// can grow the metrics or the log lines, methods are mapped to a fixed set
// and long values are cut in logs.

// otherMethod is the metric and log label of any method outside
// knownMethods; such requests are refused with errNotImplemented before
// any route sees them.
const otherMethod = "OTHER"

// knownMethods are the methods of RFC 9110 and PATCH: the only ones a
// request is counted under.
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
	http.MethodTrace: true, http.MethodConnect: true,
}

// methodLabel is the method as metrics and logs name it: itself when it is
// known, otherMethod otherwise.
func methodLabel(m string) string {
	if knownMethods[m] {
		return m
	}
	return otherMethod
}

// errNotImplemented refuses a method outside knownMethods, in werkzeug's
// words.
var errNotImplemented = &notify.Error{Name: "NotImplemented", Status: http.StatusNotImplemented,
	Message: "The server does not support the action requested by the browser."}

// maxLoggedLen caps a request value (path, user agent) in the access log.
const maxLoggedLen = 256

// truncated is s when it is at most maxLoggedLen bytes long, else its
// first maxLoggedLen bytes (whole runes) and a note of the full length.
func truncated(s string) string {
	if len(s) <= maxLoggedLen {
		return s
	}
	cut := maxLoggedLen
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut-- // do not split a UTF-8 sequence
	}
	return s[:cut] + "…(" + strconv.Itoa(len(s)) + " bytes)"
}
