package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
)

// TestCostOfInternationalSMS: cost_details.international_rate_multiplier
// is the billing table's multiplier of the recipient's prefix, and
// cost_in_pounds is fragments × multiplier × the SMS rate (upstream's
// serialize_with_cost_data; test_get_notification_by_id_returns_200 has
// the UK case).
func TestCostOfInternationalSMS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		to         string
		multiplier float64
	}{
		{"UK", "07700 900456", 1},
		{"Jersey", "07797292290", 2},
		{"Russia", "74957108855", 10},
		{"Hungary", "360623400400", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, notify.Service{Restricted: false, Permissions: []notify.Permission{
				notify.PermissionSMS, notify.PermissionInternationalSMS}})
			k := e.keys[notify.KeyTypeLive]
			res := e.do(t, http.MethodPost, "/v2/notifications/sms", map[string]any{
				"phone_number": tt.to, "template_id": e.sms.ID.String(),
				"personalisation": map[string]any{"name": "Jo", "code": "1"},
			}, k)
			require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
			e.deliverAll(t)
			got := e.do(t, http.MethodGet, "/v2/notifications/"+res.body["id"].(string), nil, k)
			require.Equal(t, http.StatusOK, got.status, "%s", got.raw)
			assert.Equal(t, true, got.body["is_cost_data_ready"])
			assert.Equal(t, map[string]any{"billable_sms_fragments": float64(1),
				"international_rate_multiplier": tt.multiplier, "sms_rate": httpapi.DefaultSMSRate}, got.body["cost_details"])
			assert.Equal(t, 1*tt.multiplier*httpapi.DefaultSMSRate, got.body["cost_in_pounds"])
		})
	}
}
