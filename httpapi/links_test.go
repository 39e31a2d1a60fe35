package httpapi_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// Upstream: tests/app/v2/inbound_sms/test_get_inbound_sms.py
// test_get_inbound_sms_generate_page_links,
// test_get_next_inbound_sms_will_get_correct_inbound_sms_list and
// test_get_next_inbound_sms_at_end_will_return_empty_inbound_sms_list:
// links.current is the endpoint without the query. Upstream's tests use a
// page of 2; ours is 250, so the pages here are single.
func TestReceivedTextsLinks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{})
	live := e.keys[notify.KeyTypeLive]
	base := time.Now().UTC().Add(-time.Hour).Truncate(time.Microsecond)
	var ids []string // oldest first
	for i := range 4 {
		m, err := e.n.ReceiveSMS(ctx, notify.InboundSMS{ServiceID: e.svc.ID, NotifyNumber: "07700900999",
			UserNumber: "447700900111", Content: strconv.Itoa(i + 1), CreatedAt: base.Add(time.Duration(i) * time.Minute)})
		require.NoError(t, err)
		ids = append(ids, m.ID.String())
	}
	const endpoint = "http://api.test/v2/received-text-messages"
	tests := []struct {
		name    string
		query   string
		content []string
		next    string
	}{
		{"test_get_inbound_sms_generate_page_links", "", []string{"4", "3", "2", "1"}, ids[0]},
		{"test_get_next_inbound_sms_will_get_correct_inbound_sms_list", "?older_than=" + ids[2], []string{"2", "1"}, ids[0]},
		{"test_get_next_inbound_sms_at_end_will_return_empty_inbound_sms_list", "?older_than=" + ids[0], nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := e.do(t, http.MethodGet, "/v2/received-text-messages"+tt.query, nil, live)
			require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
			var content []string
			for _, m := range res.body["received_text_messages"].([]any) {
				content = append(content, m.(map[string]any)["content"].(string))
			}
			assert.Equal(t, tt.content, content)
			want := map[string]any{"current": endpoint}
			if tt.next != "" {
				want["next"] = endpoint + "?older_than=" + tt.next
			}
			assert.Equal(t, want, res.body["links"])
		})
	}
}
