package httpapi_test

// Cases from alphagov/notifications-api
// tests/app/v2/inbound_sms/test_get_inbound_sms.py. Upstream's tests shrink
// the page to 1 or 2 messages; here the page is notify's 250, so the
// paging cases store one page and a bit.

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// receive stores inbound text messages from user numbers, a second apart
// and oldest first, and returns their serialised forms newest first.
func receive(t *testing.T, e *env, from ...string) []any {
	t.Helper()
	base := time.Now().UTC().Add(-time.Hour).Truncate(time.Microsecond)
	var out []any
	for i, u := range from {
		m, err := e.n.ReceiveSMS(ctx, notify.InboundSMS{ServiceID: e.svc.ID, NotifyNumber: "07700900999",
			UserNumber: u, Content: fmt.Sprintf("message %d", i), CreatedAt: base.Add(time.Duration(i) * time.Second)})
		require.NoError(t, err)
		out = append([]any{map[string]any{"id": m.ID.String(), "created_at": m.CreatedAt.UTC().Format(notify.TimeFormat),
			"service_id": e.svc.ID.String(), "notify_number": "07700900999", "user_number": u, "content": m.Content}}, out...)
	}
	return out
}

func idOf(v any) string { return v.(map[string]any)["id"].(string) }

func TestUpstreamGetInboundSMS(t *testing.T) {
	t.Parallel()
	const base = "http://api.test/v2/received-text-messages"
	// many stores 252 messages into *into.
	many := func(into *[]any) func(t *testing.T, e *env) {
		return func(t *testing.T, e *env) {
			from := make([]string, 252)
			for i := range from {
				from[i] = "447700900111"
			}
			*into = receive(t, e, from...)
		}
	}
	var sms, last, page, next []any
	cases := []upstreamCase{
		{
			name: "test_get_all_inbound_sms_returns_200", method: http.MethodGet,
			setup: func(t *testing.T, e *env) {
				sms = receive(t, e, "447700900111", "447700900112", "447700900111", "07700900113")
			},
			path: "/v2/received-text-messages", status: 200,
			check: func(t *testing.T, e *env, res response) { assert.Equal(t, sms, res.body["received_text_messages"]) },
		},
		{
			name: "test_get_inbound_sms_generate_page_links[None]", method: http.MethodGet, setup: many(&page),
			path: "/v2/received-text-messages", status: 200,
			check: func(t *testing.T, e *env, res response) {
				assert.Equal(t, page[:250], res.body["received_text_messages"])
				assert.Equal(t, map[string]any{"current": base, "next": base + "?older_than=" + idOf(page[249])}, res.body["links"])
			},
		},
		{
			name: "test_get_next_inbound_sms_will_get_correct_inbound_sms_list[None]", method: http.MethodGet, setup: many(&next),
			pathFunc: func(_ *testing.T, e *env) string { return "/v2/received-text-messages?older_than=" + idOf(next[1]) },
			status:   200,
			check: func(t *testing.T, e *env, res response) {
				assert.Equal(t, next[2:252], res.body["received_text_messages"])
				// Upstream's links.current drops older_than.
				assert.Equal(t, map[string]any{"current": base, "next": base + "?older_than=" + idOf(next[251])}, res.body["links"])
			},
		},
		{
			name: "test_get_next_inbound_sms_at_end_will_return_empty_inbound_sms_list[None]", method: http.MethodGet,
			setup:    func(t *testing.T, e *env) { last = receive(t, e, "447700900111") },
			pathFunc: func(_ *testing.T, e *env) string { return "/v2/received-text-messages?older_than=" + idOf(last[0]) },
			status:   200,
			check: func(t *testing.T, e *env, res response) {
				assert.Equal(t, []any{}, res.body["received_text_messages"])
				assert.Equal(t, map[string]any{"current": base}, res.body["links"])
			},
		},
		{
			name: "test_get_all_inbound_sms_for_no_inbound_sms_returns_200", method: http.MethodGet,
			path: "/v2/received-text-messages", status: 200,
			check: func(t *testing.T, e *env, res response) { assert.Equal(t, []any{}, res.body["received_text_messages"]) },
		},
		{
			name: "test_get_inbound_sms_with_invalid_query_string_returns_400", method: http.MethodGet,
			path: "/v2/received-text-messages?usernumber=447700900000", status: 400,
			errs: []any{errItem("ValidationError", "Additional properties are not allowed (usernumber was unexpected)")},
		},
		{
			// The user_number filter is gone upstream: older_than is the
			// only parameter (the 2017 case listed the number's messages).
			name: "test_get_inbound_sms_by_number_returns_200[447700900111]", method: http.MethodGet,
			path: "/v2/received-text-messages?user_number=447700900111", status: 400,
			errs: []any{errItem("ValidationError", "Additional properties are not allowed (user_number was unexpected)")},
		},
	}
	runUpstream(t, cases)
}
