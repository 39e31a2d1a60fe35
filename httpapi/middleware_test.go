package httpapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
	"github.com/notifykit/notify/store/memstore"
)

func TestUnknownRoutesAndMethods(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{})
	cases := []struct {
		method, path string
		status       int
		allow        []string
		msg          string
	}{
		{http.MethodGet, "/nope", 404, nil, notFound},
		{http.MethodGet, "/v2/nope", 404, nil, notFound},
		{http.MethodGet, "/v2/notifications/a/b", 404, nil, notFound},
		{http.MethodGet, "/v2/notifications/", 404, nil, notFound},
		{http.MethodGet, "//v2/templates", 404, nil, notFound},
		{http.MethodGet, "/v2/./templates", 404, nil, notFound},
		{http.MethodGet, "/v2/x/../templates", 404, nil, notFound},
		{http.MethodPost, "/v2/notifications/sms/", 404, nil, notFound},
		{http.MethodDelete, "/v2/notifications", 405, []string{"GET", "HEAD"}, "The method is not allowed for the requested URL."},
		{http.MethodPut, "/v2/notifications/sms", 405, []string{"GET", "HEAD", "POST"}, "The method is not allowed for the requested URL."},
		{http.MethodGet, "/v2/template/" + uuid.NewString() + "/preview", 405, []string{"POST"}, "The method is not allowed for the requested URL."},
		{http.MethodDelete, "/_status", 405, []string{"GET", "HEAD", "POST"}, "The method is not allowed for the requested URL."},
		{http.MethodPost, "/", 405, []string{"GET", "HEAD"}, "The method is not allowed for the requested URL."},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			t.Parallel()
			res := e.do(t, tc.method, tc.path, nil, e.keys[notify.KeyTypeLive])
			assert.Equal(t, tc.status, res.status)
			assert.Equal(t, v1err(tc.msg), res.body)
			assert.Equal(t, tc.allow, res.header.Values("Allow"))
		})
	}
}

func TestHeadersAndRequestID(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{})
	res := e.do(t, http.MethodGet, "/v2/templates", nil, e.keys[notify.KeyTypeLive])
	assert.Equal(t, "no-store, no-cache, private, must-revalidate", res.header.Get("Cache-Control"))
	assert.Equal(t, "SAMEORIGIN", res.header.Get("X-Frame-Options"))
	assert.Equal(t, "nosniff", res.header.Get("X-Content-Type-Options"))
	assert.NotEmpty(t, res.header.Get("Strict-Transport-Security"))
	assert.Equal(t, "none", res.header.Get("X-Permitted-Cross-Domain-Policies"))
	generated := res.header.Get("X-Request-Id")
	_, err := uuid.Parse(generated)
	assert.NoError(t, err)

	for given, kept := range map[string]bool{"abc-123_x.y": true, "bad id\n": false, strings.Repeat("a", 65): false} {
		req := httptest.NewRequest(http.MethodGet, "/_status", nil)
		req.Header.Set("X-Request-Id", given)
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req)
		assert.Equal(t, kept, rec.Header().Get("X-Request-Id") == given, given)
		assert.NotEmpty(t, rec.Header().Get("X-Request-Id"))
	}
	// Errors carry the headers too.
	res = e.do(t, http.MethodGet, "/nope", nil, nil)
	assert.Equal(t, "SAMEORIGIN", res.header.Get("X-Frame-Options"))
	assert.Equal(t, "application/json", res.header.Get("Content-Type"))
}

func TestInternalErrorsAreLoggedNotLeaked(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{})
	e.store.getService = func(context.Context, uuid.UUID) (*notify.Service, error) {
		return nil, errors.New("database on fire: secret detail")
	}
	res := e.do(t, http.MethodGet, "/v2/notifications", nil, e.keys[notify.KeyTypeLive])
	assert.Equal(t, http.StatusInternalServerError, res.status)
	assert.Equal(t, v2err(500, "InternalServerError", "Internal server error"), res.body)
	assert.NotContains(t, string(res.raw), "fire")
	rid := res.header.Get("X-Request-Id")
	assert.Contains(t, e.logs.String(), `"request_id":"`+rid+`"`)
	assert.Contains(t, e.logs.String(), "database on fire")

	res = e.do(t, http.MethodGet, "/notifications", nil, e.keys[notify.KeyTypeLive])
	assert.Equal(t, http.StatusInternalServerError, res.status)
	assert.Equal(t, v1err("Internal server error"), res.body)
}

func TestPanicRecovered(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{})
	e.store.getService = func(context.Context, uuid.UUID) (*notify.Service, error) { panic("boom") }
	res := e.do(t, http.MethodPost, "/v2/notifications/sms", "{}", e.keys[notify.KeyTypeLive])
	assert.Equal(t, http.StatusInternalServerError, res.status)
	assert.Equal(t, v2err(500, "InternalServerError", "Internal server error"), res.body)
	assert.Contains(t, e.logs.String(), "panic serving request")
	assert.Contains(t, e.logs.String(), res.header.Get("X-Request-Id"))
}

func TestStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{})
	res := e.do(t, http.MethodGet, "/_status", nil, nil)
	assert.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, "ok", res.body["status"])
	e.store.ping = func(context.Context) error { return errors.New("down") }
	require.Eventually(t, func() bool {
		res = e.do(t, http.MethodGet, "/_status", nil, nil)
		return res.status == http.StatusServiceUnavailable
	}, 5*time.Second, 50*time.Millisecond, "the next probe sees the store down")
	assert.Equal(t, map[string]any{"status": "error"}, res.body)
	assert.Positive(t, e.stats.count("GET.status.show_status.200"))
	assert.Equal(t, 1, e.stats.count("GET.status.show_status.503"))
}

func TestStatusHandlerAlone(t *testing.T) {
	t.Parallel()
	h := httpapi.Status(memstore.New(), httpapi.Options{})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/_status", nil))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.JSONEq(t, `{"status":"ok","db_version":null,"git_commit":null,"build_time":null}`, rec.Body.String())
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v2/notifications", nil))
	assert.Equal(t, http.StatusNotFound, rec.Code)
}

// chunked hides the length of a body so the limit applies while reading.
type chunked struct{ r io.Reader }

func (c chunked) Read(p []byte) (int, error) { return c.r.Read(p) }

func TestBodyLimitWhileReading(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{})
	req := httptest.NewRequest(http.MethodPost, "/v2/notifications/sms", chunked{strings.NewReader(strings.Repeat(" ", 4<<20+1))})
	req.ContentLength = -1
	req.Header.Set("Authorization", "Bearer "+e.token(t, e.keys[notify.KeyTypeLive]))
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	assert.JSONEq(t, `{"status_code":413,"errors":[{"error":"RequestEntityTooLarge","message":"The data value transmitted exceeds the capacity limit."}]}`, rec.Body.String())
}

func TestForwardedProto(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{Restricted: true})
	for trust, want := range map[bool]string{true: "https://api.test/", false: "http://api.test/"} {
		h := httpapi.New(e.n, httpapi.Options{TrustForwardedProto: trust})
		req := httptest.NewRequest(http.MethodGet, "http://api.test/v2/notifications", nil)
		req.Header.Set("Authorization", "Bearer "+e.token(t, e.keys[notify.KeyTypeLive]))
		req.Header.Set("X-Forwarded-Proto", "https")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code)
		assert.Contains(t, rec.Body.String(), `"current":"`+want+`v2/notifications"`)
	}
}

func TestAccessLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{})
	res := e.do(t, http.MethodGet, "/v2/templates", nil, e.keys[notify.KeyTypeLive])
	require.Equal(t, http.StatusOK, res.status)
	logs := e.logs.String()
	assert.Contains(t, logs, `"msg":"request"`)
	assert.Contains(t, logs, `"endpoint":"v2_templates.get_templates"`)
	assert.Contains(t, logs, `"service_id":"`+e.svc.ID.String()+`"`)
	assert.NotContains(t, logs, e.keys[notify.KeyTypeLive].Secret)
	assert.Equal(t, 1, e.stats.count("GET.v2_templates.get_templates.200"))
}
