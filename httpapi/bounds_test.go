package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

const notImplemented = "The server does not support the action requested by the browser."

// TestUnknownMethodsAreRefusedUnderOneLabel: a method outside the standard
// ones is refused with 501 before any route or authentication, and counted
// and logged as OTHER, never under its own name.
func TestUnknownMethodsAreRefusedUnderOneLabel(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{})
	long := strings.Repeat("X", 5000)
	cases := []struct {
		method, path string
		want         map[string]any
	}{
		{"BREW", "/v2/notifications", v2err(501, "NotImplemented", notImplemented)},
		{"PROPFIND", "/v2/notifications/sms", v2err(501, "NotImplemented", notImplemented)},
		{long, "/notifications", v1err(notImplemented)},
		{"get", "/_status", v1err(notImplemented)},
		{"BREW", "/nope", v1err(notImplemented)},
	}
	for _, tc := range cases {
		res := e.do(t, tc.method, tc.path, nil, e.keys[notify.KeyTypeLive])
		assert.Equal(t, http.StatusNotImplemented, res.status, tc.path)
		assert.Equal(t, tc.want, res.body, tc.path)
	}
	assert.Equal(t, len(cases), e.stats.count("OTHER.app.method_not_implemented.501"))
	for name := range e.stats.counts {
		assert.NotContains(t, name, "BREW")
		assert.Less(t, len(name), 100, "a metric name this long came from the request")
	}
	logs := e.logs.String()
	assert.NotContains(t, logs, "BREW")
	assert.NotContains(t, logs, long[:300])
	assert.Contains(t, logs, `"method":"OTHER"`)

	// Known methods keep their own label.
	e.do(t, http.MethodPut, "/v2/notifications", nil, nil)
	assert.Equal(t, 1, e.stats.count("PUT.app.method_not_allowed.405"))
}

// TestLongRequestValuesAreCutInTheLog: the access log keeps the start of a
// long path or user agent and its length, not the whole value.
func TestLongRequestValuesAreCutInTheLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{})
	path := "/" + strings.Repeat("p", 20000)
	agent := strings.Repeat("é", 10000)
	req := httptest.NewRequest(http.MethodGet, "http://api.test"+path, nil)
	req.Header.Set("User-Agent", agent)
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	require.Equal(t, http.StatusNotFound, rec.Code)

	logs := e.logs.String()
	assert.Contains(t, logs, strings.Repeat("p", 255)+"…(20001 bytes)")
	assert.NotContains(t, logs, strings.Repeat("p", 300))
	assert.Contains(t, logs, strings.Repeat("é", 128)+"…(20000 bytes)", "cut between runes")
	assert.Less(t, len(logs), 4000)
}
