package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
)

// specChecker sends requests to a handler and validates every answer
// against the OpenAPI document, noting which operations and statuses it
// saw.
type specChecker struct {
	t       *testing.T
	e       *env
	router  routers.Router
	covered map[string]bool // "METHOD /path/template"
}

func newSpecChecker(t *testing.T, e *env) *specChecker {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPI)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(t.Context()), "the document is valid OpenAPI")
	require.True(t, doc.IsOpenAPI31OrLater())
	router, err := legacy.NewRouter(doc)
	require.NoError(t, err)
	return &specChecker{t: t, e: e, router: router, covered: map[string]bool{}}
}

// call sends a request (auth: "" none, "admin", "bad", or a key type) and
// validates the answer; it returns the status and the body.
func (c *specChecker) call(method, path string, body any, auth string) (int, []byte) {
	t := c.t
	t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		var err error
		raw, err = json.Marshal(b)
		require.NoError(t, err)
	}
	req := httptest.NewRequest(method, "http://api.test"+path, bytes.NewReader(raw))
	switch auth {
	case "":
	case "admin":
		tok, err := notify.NewAdminToken(adminSecret, time.Now())
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+tok)
	case "bad":
		req.Header.Set("Authorization", "Bearer not.a.token")
	default:
		req.Header.Set("Authorization", "Bearer "+c.e.token(t, c.e.keys[notify.KeyType(auth)]))
	}
	rec := httptest.NewRecorder()
	c.e.handler.ServeHTTP(rec, req)

	route, params, err := c.router.FindRoute(req)
	require.NoError(t, err, "%s %s is in the document", method, path)
	c.covered[method+" "+route.Path] = true
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Body:                   io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	assert.NoError(t, openapi3filter.ValidateResponse(t.Context(), in), "%s %s → %d %s", method, path, rec.Code, rec.Body.String())
	return rec.Code, rec.Body.Bytes()
}

// expect calls and checks the status.
func (c *specChecker) expect(status int, method, path string, body any, auth string) []byte {
	c.t.Helper()
	got, raw := c.call(method, path, body, auth)
	assert.Equal(c.t, status, got, "%s %s: %s", method, path, raw)
	return raw
}

func field(t *testing.T, raw []byte, path ...string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(raw, &v))
	for _, p := range path {
		v = v.(map[string]any)[p]
	}
	return v
}

// TestOpenAPIDocumentIsTrue sends requests to every route in the document,
// for its answers and its errors, and validates each answer against it.
func TestOpenAPIDocumentIsTrue(t *testing.T) {
	e := newAdminEnv(t, notify.Service{})
	c := newSpecChecker(t, e)
	live, team, test := string(notify.KeyTypeLive), string(notify.KeyTypeTeam), string(notify.KeyTypeSimulate)
	sms := map[string]any{"phone_number": teamPhone, "template_id": e.sms.ID, "personalisation": map[string]any{"name": "Jo", "code": "1"}}
	email := map[string]any{"email_address": teamEmail, "template_id": e.email.ID, "personalisation": map[string]any{"name": "Jo"},
		"reference": "ref-1"}
	require.NoError(t, e.n.ReplaceGuestList(ctx, e.svc.ID, []string{guestPhone}))
	_, err := e.n.ReceiveSMS(ctx, notify.InboundSMS{ServiceID: e.svc.ID, NotifyNumber: "07700900000", UserNumber: "447700900111", Content: "hi"})
	require.NoError(t, err)

	// v2: sending.
	id := field(t, c.expect(201, "POST", "/v2/notifications/sms", sms, team), "id").(string)
	c.expect(201, "POST", "/v2/notifications/email", email, live)
	c.expect(201, "POST", "/v2/notifications/sms", map[string]any{"phone_number": stranger, "template_id": e.sms.ID,
		"personalisation": map[string]any{"name": "Jo", "code": "1"}}, test)
	c.expect(400, "POST", "/v2/notifications/sms", map[string]any{"phone_number": "abc", "template_id": "x"}, live)
	c.expect(400, "POST", "/v2/notifications/sms", map[string]any{"phone_number": stranger, "template_id": e.sms.ID,
		"personalisation": map[string]any{"name": "Jo", "code": "1"}}, team)
	c.expect(400, "POST", "/v2/notifications/email", "{", live)
	c.expect(401, "POST", "/v2/notifications/email", email, "")
	c.expect(403, "POST", "/v2/notifications/sms", sms, "bad")
	c.expect(400, "POST", "/v2/notifications/letter", map[string]any{"template_id": e.sms.ID}, live)
	// v2: reading.
	e.deliverAll(t)
	c.expect(200, "GET", "/v2/notifications/"+id, nil, team)
	// A path id that is not a UUID: 404 now, 400 as upstream answers
	// today; the document allows both.
	status, _ := c.call("GET", "/v2/notifications/not-a-uuid", nil, team)
	assert.Contains(t, []int{400, 404}, status)
	c.expect(404, "GET", "/v2/notifications/"+uuid.NewString(), nil, team)
	c.expect(400, "GET", "/v2/notifications/"+id+"/pdf", nil, team)
	c.expect(404, "GET", "/v2/notifications/"+uuid.NewString()+"/pdf", nil, team)
	c.expect(200, "GET", "/v2/notifications?template_type=sms&status=delivered", nil, team)
	c.expect(200, "GET", "/v2/notifications", nil, live)
	c.expect(400, "GET", "/v2/notifications?status=elephant", nil, team)
	c.expect(200, "GET", "/v2/template/"+e.sms.ID.String(), nil, live)
	c.expect(200, "GET", "/v2/template/"+e.email.ID.String(), nil, live)
	c.expect(404, "GET", "/v2/template/"+uuid.NewString(), nil, live)
	status, _ = c.call("GET", "/v2/template/nope", nil, live)
	assert.Contains(t, []int{400, 404}, status)
	c.expect(200, "GET", "/v2/template/"+e.sms.ID.String()+"/version/1", nil, live)
	c.expect(404, "GET", "/v2/template/"+e.sms.ID.String()+"/version/9", nil, live)
	c.expect(404, "GET", "/v2/template/"+e.sms.ID.String()+"/version/x", nil, live)
	c.expect(200, "POST", "/v2/template/"+e.email.ID.String()+"/preview", map[string]any{"personalisation": map[string]any{"name": "Jo"}}, live)
	c.expect(200, "POST", "/v2/template/"+e.sms.ID.String()+"/preview", map[string]any{"personalisation": map[string]any{"name": "Jo", "code": "1"}}, live)
	c.expect(400, "POST", "/v2/template/"+e.sms.ID.String()+"/preview", map[string]any{}, live)
	c.expect(404, "POST", "/v2/template/"+uuid.NewString()+"/preview", nil, live)
	c.expect(200, "GET", "/v2/templates?type=sms", nil, live)
	c.expect(400, "GET", "/v2/templates?type=coconut", nil, live)
	c.expect(200, "GET", "/v2/received-text-messages", nil, live)
	c.expect(400, "GET", "/v2/received-text-messages?older_than=x", nil, live)
	c.expect(200, "GET", "/_status", nil, "")
	c.expect(200, "GET", "/openapi.json", nil, "")
	// Files sent by email: an unknown document answers the not-found page
	// (download_test.go follows a real file).
	docPath := "/d/" + e.svc.ID.String() + "/" + uuid.NewString() + "?key=" + strings.Repeat("A", 43)
	c.expect(404, "GET", docPath, nil, "")
	c.expect(404, "POST", docPath, "email_address=a%40b.com", "")
	// v2: bulk sends and jobs.
	bulk := map[string]any{"name": "people.csv", "template_id": e.email.ID,
		"rows": [][]string{{"email address", "name"}, {teamEmail, "Jo"}}}
	jobID := field(t, c.expect(201, "POST", "/v2/notifications/bulk", bulk, live), "data", "id").(string)
	c.expect(200, "GET", "/v2/jobs/"+jobID, nil, live)
	c.expect(404, "GET", "/v2/jobs/"+uuid.NewString(), nil, live)
	c.expect(400, "GET", "/v2/jobs/nope", nil, live)
	c.expect(200, "GET", "/v2/notifications?job_id="+jobID, nil, live)
	scheduled := map[string]any{"name": "later.csv", "template_id": e.email.ID, "scheduled_for": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		"csv": "email address,name\r\n" + teamEmail + ",Jo\r\n"}
	laterID := field(t, c.expect(201, "POST", "/v2/notifications/bulk", scheduled, live), "data", "id").(string)
	c.expect(200, "POST", "/v2/jobs/"+laterID+"/cancel", nil, live)
	c.expect(400, "POST", "/v2/jobs/"+laterID+"/cancel", nil, live)
	c.expect(404, "POST", "/v2/jobs/"+uuid.NewString()+"/cancel", nil, live)
	c.expect(400, "POST", "/v2/notifications/bulk", map[string]any{"name": "x", "template_id": e.email.ID}, live)
	c.expect(401, "POST", "/v2/notifications/bulk", bulk, "")
	c.expect(403, "POST", "/v2/jobs/"+jobID+"/cancel", nil, "bad")

	// Admin.
	sid := e.svc.ID.String()
	svc := "/service/" + sid
	c.expect(200, "GET", "/service", nil, "admin")
	c.expect(401, "GET", "/service", nil, "")
	c.expect(403, "GET", "/service", nil, "bad")
	newID := field(t, c.expect(201, "POST", "/service", map[string]any{"name": "New", "restricted": false}, "admin"), "data", "id").(string)
	c.expect(400, "POST", "/service", map[string]any{"restricted": 1}, "admin")
	c.expect(200, "GET", svc, nil, "admin")
	c.expect(404, "GET", "/service/"+uuid.NewString(), nil, "admin")
	c.expect(200, "POST", svc, map[string]any{"sms_message_limit": 2, "restricted": true}, "admin")
	c.expect(400, "POST", svc, map[string]any{"permissions": []string{"fax"}}, "admin")
	c.expect(200, "POST", svc, map[string]any{"contact_link": "https://www.example.gov.uk/contact"}, "admin")
	c.expect(400, "POST", svc, map[string]any{"contact_link": "javascript:alert(1)"}, "admin")
	c.expect(200, "POST", svc, map[string]any{"contact_link": nil}, "admin")
	c.expect(404, "POST", "/service/"+uuid.NewString(), map[string]any{"name": "x"}, "admin")
	keyRaw := c.expect(201, "POST", svc+"/api-key", map[string]any{"name": "spec", "key_type": "team"}, "admin")
	assert.Contains(t, field(t, keyRaw, "key"), sid)
	c.expect(400, "POST", svc+"/api-key", map[string]any{"name": "spec"}, "admin")
	keys := field(t, c.expect(200, "GET", svc+"/api-keys", nil, "admin"), "apiKeys").([]any)
	keyID := keys[len(keys)-1].(map[string]any)["id"].(string)
	c.expect(200, "GET", svc+"/api-keys/"+keyID, nil, "admin")
	c.expect(404, "GET", svc+"/api-keys/"+uuid.NewString(), nil, "admin")
	c.expect(202, "POST", svc+"/api-key/revoke/"+keyID, nil, "admin")
	c.expect(404, "POST", svc+"/api-key/revoke/"+uuid.NewString(), nil, "admin")
	c.expect(200, "GET", svc+"/template", nil, "admin")
	tplID := field(t, c.expect(201, "POST", svc+"/template", map[string]any{"name": "Spec", "template_type": "email",
		"subject": "S", "content": "C"}, "admin"), "data", "id").(string)
	c.expect(400, "POST", svc+"/template", map[string]any{"template_type": "sms"}, "admin")
	c.expect(200, "GET", svc+"/template/"+tplID, nil, "admin")
	c.expect(404, "GET", svc+"/template/"+uuid.NewString(), nil, "admin")
	c.expect(200, "POST", svc+"/template/"+tplID, map[string]any{"content": "New"}, "admin")
	c.expect(400, "POST", svc+"/template/"+tplID, map[string]any{"subject": " "}, "admin")
	c.expect(200, "GET", svc+"/guest-list", nil, "admin")
	c.expect(204, "PUT", svc+"/guest-list", map[string]any{"email_addresses": []string{"a@example.com"}, "phone_numbers": []string{guestPhone}}, "admin")
	c.expect(400, "PUT", svc+"/guest-list", map[string]any{"phone_numbers": []string{"nope"}}, "admin")
	c.expect(200, "GET", svc+"/team-members", nil, "admin")
	c.expect(201, "POST", svc+"/team-members", map[string]any{"email_address": "new@example.gov.uk"}, "admin")
	c.expect(400, "POST", svc+"/team-members", map[string]any{}, "admin")
	c.expect(204, "POST", svc+"/team-members/remove", map[string]any{"email_address": "new@example.gov.uk"}, "admin")
	c.expect(404, "POST", svc+"/team-members/remove", map[string]any{"email_address": "new@example.gov.uk"}, "admin")
	c.expect(200, "GET", svc+"/statistics?limit_days=3", nil, "admin")
	c.expect(400, "GET", svc+"/statistics?limit_days=-3", nil, "admin")
	c.expect(200, "GET", svc+"/notifications?include_from_test_key=True", nil, "admin")
	c.expect(200, "GET", svc+"/notifications?page_size=1&page=2", nil, "admin")
	c.expect(400, "GET", svc+"/notifications?page_size=x", nil, "admin")
	c.expect(200, "GET", svc+"/data-retention", nil, "admin")
	rid := field(t, c.expect(201, "POST", svc+"/data-retention", map[string]any{"notification_type": "sms", "days_of_retention": 10}, "admin"),
		"result", "id").(string)
	c.expect(400, "POST", svc+"/data-retention", map[string]any{"notification_type": "sms", "days_of_retention": 10}, "admin")
	c.expect(204, "POST", svc+"/data-retention/"+rid, map[string]any{"days_of_retention": 20}, "admin")
	c.expect(404, "POST", svc+"/data-retention/"+uuid.NewString(), map[string]any{"days_of_retention": 20}, "admin")

	// SMS senders and reply-to addresses (adminsenders.go).
	c.expect(200, "GET", svc+"/sms-sender", nil, "admin")
	senderID := field(t, c.expect(201, "POST", svc+"/sms-sender", map[string]any{"sms_sender": "GOVUK", "is_default": true}, "admin"), "id").(string)
	otherSender := field(t, c.expect(201, "POST", svc+"/sms-sender", map[string]any{"sms_sender": "Other", "is_default": false}, "admin"), "id").(string)
	c.expect(400, "POST", svc+"/sms-sender", map[string]any{"sms_sender": "far too long a sender"}, "admin")
	c.expect(200, "GET", svc+"/sms-sender/"+senderID, nil, "admin")
	c.expect(404, "GET", svc+"/sms-sender/"+uuid.NewString(), nil, "admin")
	c.expect(200, "POST", svc+"/sms-sender/"+senderID, map[string]any{"sms_sender": "GOVUK2", "is_default": true}, "admin")
	c.expect(400, "POST", svc+"/sms-sender/"+senderID, map[string]any{"sms_sender": "GOVUK2", "is_default": false}, "admin")
	c.expect(400, "POST", svc+"/sms-sender/"+senderID+"/archive", nil, "admin")
	c.expect(200, "POST", svc+"/sms-sender/"+otherSender+"/archive", nil, "admin")
	c.expect(200, "GET", svc+"/email-reply-to", nil, "admin")
	replyID := field(t, c.expect(201, "POST", svc+"/email-reply-to", map[string]any{"email_address": "r@example.gov.uk", "is_default": true}, "admin"),
		"data", "id").(string)
	otherReply := field(t, c.expect(201, "POST", svc+"/email-reply-to", map[string]any{"email_address": "o@example.gov.uk", "is_default": false}, "admin"),
		"data", "id").(string)
	c.expect(409, "POST", svc+"/email-reply-to", map[string]any{"email_address": "r@example.gov.uk", "is_default": false}, "admin")
	c.expect(400, "POST", svc+"/email-reply-to", map[string]any{"email_address": "nope", "is_default": false}, "admin")
	c.expect(200, "GET", svc+"/email-reply-to/"+replyID, nil, "admin")
	c.expect(404, "GET", svc+"/email-reply-to/"+uuid.NewString(), nil, "admin")
	c.expect(200, "POST", svc+"/email-reply-to/"+replyID, map[string]any{"email_address": "r2@example.gov.uk", "is_default": true}, "admin")
	c.expect(400, "POST", svc+"/email-reply-to/"+replyID, map[string]any{"email_address": "r2@example.gov.uk", "is_default": false}, "admin")
	c.expect(400, "POST", svc+"/email-reply-to/"+replyID+"/archive", nil, "admin")
	c.expect(200, "POST", svc+"/email-reply-to/"+otherReply+"/archive", nil, "admin")
	// Callbacks and inbound numbers.
	user := uuid.NewString()
	for _, path := range []string{svc + "/delivery-receipt-api", svc + "/inbound-api"} {
		cb := map[string]any{"url": "https://example.com/cb", "bearer_token": "a-long-bearer-token", "updated_by_id": user}
		cbID := field(t, c.expect(201, "POST", path, cb, "admin"), "data", "id").(string)
		c.expect(400, "POST", path, cb, "admin")
		c.expect(400, "POST", path, map[string]any{"url": "http://example.com", "bearer_token": "short", "updated_by_id": user}, "admin")
		c.expect(404, "POST", "/service/"+uuid.NewString()+path[len(svc):], cb, "admin")
		c.expect(200, "GET", path+"/"+cbID, nil, "admin")
		c.expect(404, "GET", path+"/"+uuid.NewString(), nil, "admin")
		c.expect(200, "POST", path+"/"+cbID, map[string]any{"url": "https://example.com/new", "updated_by_id": user}, "admin")
		c.expect(400, "POST", path+"/"+cbID, map[string]any{"bearer_token": "short"}, "admin")
		c.expect(404, "POST", path+"/"+uuid.NewString(), map[string]any{"updated_by_id": user}, "admin")
		c.expect(204, "DELETE", path+"/"+cbID, nil, "admin")
		c.expect(404, "DELETE", path+"/"+cbID, nil, "admin")
	}
	c.expect(200, "GET", "/inbound-number/service/"+sid, nil, "admin")
	c.expect(201, "POST", "/inbound-number/service/"+sid, map[string]any{"number": "07700900999"}, "admin")
	c.expect(200, "GET", "/inbound-number/service/"+sid, nil, "admin")
	c.expect(400, "POST", "/inbound-number/service/"+newID, map[string]any{"number": "07700900999"}, "admin")
	c.expect(400, "POST", "/inbound-number/service/"+sid, map[string]any{}, "admin")
	c.expect(404, "POST", "/inbound-number/service/"+uuid.NewString(), map[string]any{"number": "07700900888"}, "admin")
	c.expect(200, "GET", "/complaint", nil, "admin")
	c.expect(200, "GET", "/complaint?page=2", nil, "admin")
	c.expect(400, "GET", "/complaint?page=x", nil, "admin")

	// The daily SMS limit (2, one text message already counted today) answers 429.
	c.expect(201, "POST", "/v2/notifications/sms", sms, team)
	c.expect(429, "POST", "/v2/notifications/sms", sms, team)

	c.expect(204, "POST", "/service/"+newID+"/archive", nil, "admin")
	c.expect(404, "POST", "/service/"+uuid.NewString()+"/archive", nil, "admin")

	// Every operation of the document was exercised.
	doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPI)
	require.NoError(t, err)
	var missing []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !c.covered[method+" "+path] {
				missing = append(missing, method+" "+path)
			}
		}
	}
	slices.Sort(missing)
	assert.Empty(t, missing, "operations no request exercised")
}

// The handler serves the embedded document as JSON, without
// authentication.
func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t, notify.Service{})
	req := httptest.NewRequest(http.MethodGet, "http://api.test/openapi.json", nil)
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	assert.True(t, strings.HasPrefix(rec.Body.String(), "{"))
	assert.Equal(t, httpapi.OpenAPI, rec.Body.Bytes())
}
