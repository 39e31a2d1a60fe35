package httpapi

import (
	_ "embed" // the OpenAPI document
	"net/http"

	"github.com/notifykit/notify"
)

// OpenAPI is the OpenAPI 3.1 document of the API this package serves: the
// public v2 routes and the admin routes, with their success and error
// bodies. GET /openapi.json serves it without authentication, and the
// package's tests check real answers against it.
//
//go:embed openapi.json
var OpenAPI []byte

// GET /openapi.json
func (h *Handler) getOpenAPI(w http.ResponseWriter, _ *http.Request, _ *notify.Caller) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(OpenAPI)
}
