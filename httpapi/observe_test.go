package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
)

type observedKey struct{}

// observed is what Options.Observe saw of one request.
type observed struct {
	requestID   string
	route       string
	status      int
	storeSawCtx bool
}

func TestObserve(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{Restricted: true})
	var mu sync.Mutex
	var seen []*observed
	e.store.getService = func(ctx context.Context, id uuid.UUID) (*notify.Service, error) {
		if o, ok := ctx.Value(observedKey{}).(*observed); ok {
			o.storeSawCtx = true
		}
		return e.store.Store.GetService(ctx, id)
	}
	h := httpapi.New(e.n, httpapi.Options{Observe: func(r *http.Request) (context.Context, func(string, int)) {
		o := &observed{requestID: r.Header.Get("X-Request-Id")}
		mu.Lock()
		seen = append(seen, o)
		mu.Unlock()
		return context.WithValue(r.Context(), observedKey{}, o), func(route string, status int) {
			o.route, o.status = route, status
		}
	}})
	tests := []struct {
		name, method, path, body string
		route                    string
		status                   int
	}{
		{"a send", http.MethodPost, "/v2/notifications/sms", `{"phone_number": "` + teamPhone + `", "template_id": "` +
			e.sms.ID.String() + `", "personalisation": {"name": "Jo", "code": "1"}}`, "/v2/notifications/{type}", 201},
		{"a refusal", http.MethodGet, "/v2/notifications/" + uuid.NewString(), "", "/v2/notifications/{id}", 404},
		{"an unknown URL", http.MethodGet, "/v3/nothing", "", "", 404},
		{"no authentication", http.MethodGet, "/_status", "", "/_status", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "http://api.test"+tt.path, strings.NewReader(tt.body))
			req.Header.Set("Authorization", "Bearer "+e.token(t, e.keys[notify.KeyTypeLive]))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			mu.Lock()
			o := seen[len(seen)-1]
			mu.Unlock()
			assert.Equal(t, rec.Header().Get("X-Request-Id"), o.requestID, "Observe sees the request's id")
			assert.Equal(t, tt.route, o.route)
			assert.Equal(t, tt.status, o.status)
		})
	}
	assert.True(t, seen[0].storeSawCtx, "the request is served with Observe's context")
}
