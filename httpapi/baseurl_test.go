package httpapi_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
	"github.com/notifykit/notify/provider/twilio"
)

// TestBaseURLUnderStripPrefix mounts the API under /notify with
// http.StripPrefix: every URL it writes must lead back to it.
func TestBaseURLUnderStripPrefix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		base    string
		headers map[string]string
		want    string // the API's root as written in answers
	}{
		{"a path: scheme and host from the request", "/notify", nil, "http://api.test/notify/"},
		{"a path with a slash", "/notify/", nil, "http://api.test/notify/"},
		{"a path behind a TLS proxy", "/notify", map[string]string{"X-Forwarded-Proto": "https"}, "https://api.test/notify/"},
		{"an absolute URL", "https://public.example.com/notify", nil, "https://public.example.com/notify/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, notify.Service{Restricted: true})
			mux := http.NewServeMux()
			mux.Handle("/notify/", http.StripPrefix("/notify", httpapi.New(e.n,
				httpapi.Options{BaseURL: tt.base, TrustForwardedProto: true})))
			live := e.keys[notify.KeyTypeLive]
			do := func(method, path, body string) map[string]any {
				t.Helper()
				req := httptest.NewRequest(method, "http://api.test/notify"+path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+e.token(t, live))
				for k, v := range tt.headers {
					req.Header.Set(k, v)
				}
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, req)
				require.Less(t, rec.Code, 300, "%s %s: %s", method, path, rec.Body)
				var out map[string]any
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
				return out
			}
			sent := do(http.MethodPost, "/v2/notifications/sms", `{"phone_number": "`+teamPhone+`", "template_id": "`+
				e.sms.ID.String()+`", "personalisation": {"name": "Jo", "code": "1"}}`)
			id := sent["id"].(string)
			assert.Equal(t, tt.want+"v2/notifications/"+id, sent["uri"])
			assert.Equal(t, tt.want+"services/"+e.svc.ID.String()+"/templates/"+e.sms.ID.String(),
				sent["template"].(map[string]any)["uri"])

			got := do(http.MethodGet, "/v2/notifications/"+id, "")
			assert.Equal(t, tt.want+"v2/template/"+e.sms.ID.String()+"/version/1", got["template"].(map[string]any)["uri"])

			page := do(http.MethodGet, "/v2/notifications?template_type=sms", "")
			assert.Equal(t, map[string]any{
				"current": tt.want + "v2/notifications?template_type=sms",
				"next":    tt.want + "v2/notifications?older_than=" + id + "&template_type=sms",
			}, page["links"])
			assert.Equal(t, tt.want+"v2/template/"+e.sms.ID.String()+"/version/1",
				page["notifications"].([]any)[0].(map[string]any)["template"].(map[string]any)["uri"])

			v1 := do(http.MethodGet, "/notifications", "")
			assert.Equal(t, tt.want+"notifications", v1["links"].(map[string]any)["current"])

			texts := do(http.MethodGet, "/v2/received-text-messages", "")
			assert.Equal(t, tt.want+"v2/received-text-messages", texts["links"].(map[string]any)["current"])
		})
	}
}

func TestBaseURLMustBeAURLOrAPath(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{})
	for _, base := range []string{"notify", "ftp://example.com/notify", "https:///notify", "/notify?x=1",
		"https://user:pass@example.com/", "https://example.com/#top"} {
		t.Run(base, func(t *testing.T) {
			var msg any
			func() {
				defer func() { msg = recover() }()
				httpapi.New(e.n, httpapi.Options{BaseURL: base})
			}()
			require.IsType(t, "", msg, "New panics with a message")
			assert.Contains(t, msg, `httpapi: Options.BaseURL "`+base+`"`)
		})
	}
}

// TestTwilioSignatureUnderStripPrefix: Twilio signs the URL it called,
// prefix included.
func TestTwilioSignatureUnderStripPrefix(t *testing.T) {
	t.Parallel()
	e := newReceiptEnv(t)
	mux := http.NewServeMux()
	mux.Handle("/notify/", http.StripPrefix("/notify", httpapi.New(e.n, httpapi.Options{
		Logger: slog.New(slog.NewJSONHandler(e.logs, nil)), BaseURL: publicURL + "/notify",
		Webhooks: []notify.WebhookProvider{&twilio.Receiver{AuthToken: twilioToken}}})))
	id := e.notification(t, notify.SMS, "twilio", "SM10", notify.StatusSending)
	path := "/notify/notifications/sms/twilio/" + id.String()
	form := url.Values{"MessageSid": {"SM10"}, "MessageStatus": {"delivered"}}
	res := post(t, mux, path, form, header("X-Twilio-Signature",
		twilio.Signature(twilioToken, publicURL+strings.TrimPrefix(path, "/notify"), form)))
	assert.Equal(t, http.StatusForbidden, res.status, "signed without the prefix")
	res = post(t, mux, path, form, header("X-Twilio-Signature", twilio.Signature(twilioToken, publicURL+path, form)))
	assert.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, notify.StatusDelivered, e.status(t, id))
}
