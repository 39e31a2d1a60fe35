package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// TestRateLimitOverHTTP: a service with rate_limit 1 gets one request per
// key type at once (capacity 2, one token left after it); the next POST
// is refused with 429 RateLimitError before its body is read, in the
// route's error shape. Reads are not rate limited.
func TestRateLimitOverHTTP(t *testing.T) {
	t.Parallel()
	const msg = "Exceeded rate limit for key type %s of 1 requests per 60 seconds"
	tests := []struct {
		name    string
		path    string
		body    any
		keyType notify.KeyType
		label   string
		v1      bool
	}{
		{"v2 sms, live key", "/v2/notifications/sms", `{"phone_number": "07700 900123"}`, notify.KeyTypeLive, "LIVE", false},
		{"v2 email, team key", "/v2/notifications/email", `{}`, notify.KeyTypeTeam, "TEAM", false},
		{"v2 sms, test key, invalid JSON", "/v2/notifications/sms", `not json`, notify.KeyTypeSimulate, "TEST", false},
		{"v2 letter", "/v2/notifications/letter", `{}`, notify.KeyTypeLive, "LIVE", false},
		{"v1 sms", "/notifications/sms", `{"to": "07700 900123"}`, notify.KeyTypeLive, "LIVE", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, notify.Service{Restricted: true, RateLimit: 1})
			k := e.keys[tt.keyType]
			first := e.do(t, http.MethodPost, tt.path, tt.body, k)
			require.NotEqual(t, http.StatusTooManyRequests, first.status, "%s", first.raw)
			res := e.do(t, http.MethodPost, tt.path, tt.body, k)
			require.Equal(t, http.StatusTooManyRequests, res.status, "%s", res.raw)
			want := fmt.Sprintf(msg, tt.label)
			if tt.v1 {
				assert.Equal(t, v1err(want), res.body)
			} else {
				assert.Equal(t, v2err(http.StatusTooManyRequests, notify.NameRateLimit, want), res.body)
			}
			list := e.do(t, http.MethodGet, "/v2/notifications", nil, k)
			assert.Equal(t, http.StatusOK, list.status, "reads are not rate limited: %s", list.raw)
		})
	}
}
