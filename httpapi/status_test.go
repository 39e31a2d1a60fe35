package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
	"github.com/notifykit/notify/store/memstore"
)

// schemaStore is a store that knows its schema version, as gormstore does.
type schemaStore struct {
	notify.Store
	version int
}

func (s schemaStore) CurrentSchemaVersion(context.Context) (int, error) { return s.version, nil }

// Upstream: tests/app/status/test_status.py test_get_status_all_ok, for
// "/" and "/_status" (and POST /_status, which upstream also serves):
// status, git_commit, build_time and db_version; ?simple=1 gives status
// alone (app/status/healthcheck.py).
func TestGetStatusAllOK(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path string
		want         map[string]any
	}{
		{http.MethodGet, "/", map[string]any{"status": "ok", "db_version": "7", "git_commit": nil, "build_time": nil}},
		{http.MethodGet, "/_status", map[string]any{"status": "ok", "db_version": "7", "git_commit": nil, "build_time": nil}},
		{http.MethodPost, "/_status", map[string]any{"status": "ok", "db_version": "7", "git_commit": nil, "build_time": nil}},
		{http.MethodGet, "/_status?simple=1", map[string]any{"status": "ok"}},
	}
	handlers := map[string]http.Handler{
		"api":    httpapi.New(newNotifierOn(t, schemaStore{Store: memstore.New(), version: 7}), httpapi.Options{}),
		"worker": httpapi.Status(schemaStore{Store: memstore.New(), version: 7}, httpapi.Options{}),
	}
	for name, h := range handlers {
		for _, tt := range tests {
			t.Run(name+" "+tt.method+" "+tt.path, func(t *testing.T) {
				t.Parallel()
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
				require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
				var got map[string]any
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
				assert.Equal(t, tt.want, got)
				assert.Equal(t, "none", rec.Header().Get("X-Permitted-Cross-Domain-Policies"))
			})
		}
	}
}

// newNotifierOn returns a Notifier on store, with a read cache in front of
// it as usual.
func newNotifierOn(t *testing.T, store notify.Store) *notify.Notifier {
	t.Helper()
	n, err := notify.New(notify.Config{Store: store, Queue: &recordingQueue{}, SecretKey: []byte("httpapi tests: a 32-byte secret key")})
	require.NoError(t, err)
	return n
}
