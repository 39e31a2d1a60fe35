package httpapi_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
)

var adminSecret = []byte("admin secret for tests")

// newAdminEnv is newEnv with the admin API mounted.
func newAdminEnv(t *testing.T, svc notify.Service) *env {
	t.Helper()
	e := newEnv(t, svc)
	e.handler = httpapi.New(e.n, httpapi.Options{Logger: slog.New(slog.NewJSONHandler(e.logs, nil)), Stats: e.stats,
		AdminSecret: adminSecret})
	return e
}

// Unwrap lets the Notifier find the memory store's optional abilities
// behind the hook.
func (s *hookStore) Unwrap() notify.Store { return s.Store }

// admin sends a request with a fresh admin token.
func (e *env) admin(t *testing.T, method, path string, body any) response {
	t.Helper()
	tok, err := notify.NewAdminToken(adminSecret, time.Now())
	require.NoError(t, err)
	return e.doAuth(t, method, path, body, "Bearer "+tok)
}

// adminRaw GETs path as the admin and returns the body unparsed.
func (e *env) adminRaw(t *testing.T, path string) string {
	t.Helper()
	tok, err := notify.NewAdminToken(adminSecret, time.Now())
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodGet, "http://api.test"+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, "%s", rec.Body)
	return rec.Body.String()
}

func TestAdminAuth(t *testing.T) {
	e := newAdminEnv(t, notify.Service{})
	now := time.Now()
	tests := []struct {
		name   string
		auth   string
		status int
		msg    string
	}{
		{"no token", "", 401, notify.MsgNoToken},
		{"basic scheme", "Basic abc", 401, notify.MsgBearerScheme},
		{"a service's key", "Bearer " + e.token(t, e.keys[notify.KeyTypeLive]), 401, notify.MsgNotAllowed},
		{"wrong iss", "Bearer " + signed(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": "notify-admin-2", "iat": now.Unix()}, string(adminSecret)),
			401, notify.MsgNotAllowed},
		{"wrong secret", "Bearer " + signed(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": "notify-admin", "iat": now.Unix()}, "nope"),
			403, notify.MsgKeyNotFound},
		{"expired iat", "Bearer " + signed(t, jwt.SigningMethodHS256, jwt.MapClaims{"iss": "notify-admin", "iat": now.Add(-time.Minute).Unix()}, string(adminSecret)),
			403, notify.MsgClockSkew},
		{"HS512", "Bearer " + signed(t, jwt.SigningMethodHS512, jwt.MapClaims{"iss": "notify-admin", "iat": now.Unix()}, string(adminSecret)),
			403, notify.MsgAlgorithm},
		{"no iss", "Bearer " + signed(t, jwt.SigningMethodHS256, jwt.MapClaims{"iat": now.Unix()}, string(adminSecret)),
			403, notify.MsgNoIssuer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := e.doAuth(t, http.MethodGet, "/service", nil, tc.auth)
			assert.Equal(t, tc.status, res.status)
			assert.Equal(t, v1err(map[string]any{"token": []any{tc.msg}}), res.body)
		})
	}
	assert.Equal(t, 4, e.stats.count("GET.service.get_services.401"))
}

func TestAdminAPIIsOffWithoutASecret(t *testing.T) {
	e := newEnv(t, notify.Service{})
	tok, err := notify.NewAdminToken(adminSecret, time.Now())
	require.NoError(t, err)
	for _, path := range []string{"/service", "/service/" + e.svc.ID.String()} {
		res := e.doAuth(t, http.MethodGet, path, nil, "Bearer "+tok)
		assert.Equal(t, http.StatusNotFound, res.status, path)
		assert.Equal(t, v1err(notFound), res.body)
	}
}

// The whole life of a service over HTTP: created live, given a key and a
// template, used through the v2 API, its key revoked.
func TestAdminRoundTrip(t *testing.T) {
	e := newAdminEnv(t, notify.Service{})
	res := e.admin(t, http.MethodPost, "/service", map[string]any{"name": "Round trip", "restricted": false,
		"message_limit": 1000, "user_id": uuid.NewString(), "created_by": uuid.NewString()})
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	data := res.body["data"].(map[string]any)
	assert.Equal(t, "Round trip", data["name"])
	assert.Equal(t, false, data["restricted"])
	assert.Equal(t, true, data["active"])
	assert.Equal(t, []any{"sms", "email"}, data["permissions"])
	serviceID := data["id"].(string)

	res = e.admin(t, http.MethodPost, "/service/"+serviceID+"/api-key", map[string]any{"name": "My Live Key", "key_type": "normal",
		"created_by": uuid.NewString()})
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	secret, keyString := res.body["data"].(string), res.body["key"].(string)
	assert.Len(t, secret, 36)
	assert.Equal(t, "my_live_key-"+serviceID+"-"+secret, keyString)

	res = e.admin(t, http.MethodPost, "/service/"+serviceID+"/template", map[string]any{"name": "Code", "template_type": "sms",
		"content": "Your code is ((code))", "created_by": "admin@example.gov.uk"})
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	tpl := res.body["data"].(map[string]any)
	assert.Equal(t, float64(1), tpl["version"])
	assert.Nil(t, tpl["subject"])

	sid, sec, err := notify.ParseKey(keyString)
	require.NoError(t, err)
	tok, err := notify.NewToken(sid, sec, time.Now())
	require.NoError(t, err)
	send := func() response {
		return e.doAuth(t, http.MethodPost, "/v2/notifications/sms", map[string]any{"phone_number": stranger,
			"template_id": tpl["id"], "personalisation": map[string]any{"code": "1234"}}, "Bearer "+tok)
	}
	res = send()
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	assert.Equal(t, "Your code is 1234", res.body["content"].(map[string]any)["body"])

	res = e.admin(t, http.MethodGet, "/service/"+serviceID+"/api-keys", nil)
	require.Equal(t, http.StatusOK, res.status)
	keys := res.body["apiKeys"].([]any)
	require.Len(t, keys, 1)
	key := keys[0].(map[string]any)
	assert.Equal(t, "My Live Key", key["name"])
	assert.Nil(t, key["expiry_date"])
	assert.NotContains(t, string(res.raw), secret, "secrets are never listed")

	res = e.admin(t, http.MethodPost, "/service/"+serviceID+"/api-key/revoke/"+key["id"].(string), nil)
	assert.Equal(t, http.StatusAccepted, res.status)
	res = send()
	assert.Equal(t, http.StatusForbidden, res.status)
	assert.Equal(t, v2err(403, "AuthError", notify.MsgKeyRevoked), res.body)
}

// adminCase is one admin request and what it must answer.
type adminCase struct {
	name   string
	method string
	path   string
	body   any
	status int
	want   map[string]any // compared with the body when set
	check  func(t *testing.T, res response)
}

// runAdminCases sends each case in turn, as the admin.
func runAdminCases(t *testing.T, e *env, cases []adminCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := e.admin(t, tc.method, tc.path, tc.body)
			assert.Equal(t, tc.status, res.status, "%s", res.raw)
			if tc.want != nil {
				assert.Equal(t, tc.want, res.body)
			}
			if tc.check != nil {
				tc.check(t, res)
			}
		})
	}
}

func TestAdminServices(t *testing.T) {
	e := newAdminEnv(t, notify.Service{Name: "Existing"})
	id := e.svc.ID.String()
	tests := []adminCase{
		{name: "list", method: "GET", path: "/service", status: 200, check: func(t *testing.T, res response) {
			list := res.body["data"].([]any)
			require.Len(t, list, 1)
			assert.Equal(t, id, list[0].(map[string]any)["id"])
		}},
		{name: "get", method: "GET", path: "/service/" + id, status: 200, check: func(t *testing.T, res response) {
			assert.Equal(t, "Existing", res.body["data"].(map[string]any)["name"])
		}},
		{name: "get unknown", method: "GET", path: "/service/" + uuid.NewString(), status: 404, want: v1err("No result found")},
		{name: "get not a uuid", method: "GET", path: "/service/abc", status: 404, want: v1err(notFound)},
		{name: "create without a name", method: "POST", path: "/service", body: map[string]any{"restricted": "yes", "colour": "red"},
			status: 400, want: v1err(map[string]any{"name": []any{notify.MsgMissingField},
				"restricted": []any{notify.MsgNotBoolean}, "colour": []any{notify.MsgUnknownField}})},
		{name: "create with bad permissions", method: "POST", path: "/service",
			body: map[string]any{"name": "X", "permissions": []string{"sms", "sms", "fax"}}, status: 400,
			want: v1err(map[string]any{"permissions": []any{"Invalid Service Permission: 'fax'", "Duplicate Service Permission: ['sms']"}})},
		{name: "create not JSON", method: "POST", path: "/service", body: "{", status: 400, want: v1err(notify.MsgInvalidJSON)},
		{name: "update", method: "POST", path: "/service/" + id, body: map[string]any{"name": "Renamed", "restricted": false,
			"rate_limit": 100, "email_from": "renamed.service"}, status: 200, check: func(t *testing.T, res response) {
			d := res.body["data"].(map[string]any)
			assert.Equal(t, "Renamed", d["name"])
			assert.Equal(t, false, d["restricted"])
			assert.Equal(t, float64(100), d["rate_limit"])
			assert.Equal(t, "renamed.service", d["email_from"])
		}},
		{name: "update of the wrong type", method: "POST", path: "/service/" + id, body: map[string]any{"message_limit": "1", "name": 3},
			status: 400, want: v1err(map[string]any{"message_limit": []any{notify.MsgNotInteger}, "name": []any{notify.MsgNotString}})},
		{name: "update refused", method: "POST", path: "/service/" + id, body: map[string]any{"message_limit": -1, "rate_limit": -1},
			status: 400, want: v1err(map[string]any{"message_limit": []any{notify.MsgNotNegative}, "rate_limit": []any{notify.MsgNotNegative}})},
		{name: "update unknown", method: "POST", path: "/service/" + uuid.NewString(), body: map[string]any{"name": "x"},
			status: 404, want: v1err("No result found")},
		{name: "statistics", method: "GET", path: "/service/" + id + "/statistics?today_only=True", status: 200,
			want: map[string]any{"data": map[string]any{
				"sms":    map[string]any{"requested": float64(0), "delivered": float64(0), "failed": float64(0)},
				"email":  map[string]any{"requested": float64(0), "delivered": float64(0), "failed": float64(0)},
				"letter": map[string]any{"requested": float64(0), "delivered": float64(0), "failed": float64(0)}}}},
		{name: "statistics bad limit_days", method: "GET", path: "/service/" + id + "/statistics?limit_days=x", status: 400,
			want: v1err(map[string]any{"limit_days": []any{notify.MsgNotInteger}})},
	}
	runAdminCases(t, e, tests)
}

func TestAdminArchiveService(t *testing.T) {
	e := newAdminEnv(t, notify.Service{})
	id := e.svc.ID.String()
	res := e.admin(t, http.MethodPost, "/service/"+id+"/archive", nil)
	assert.Equal(t, http.StatusNoContent, res.status)
	assert.Empty(t, res.raw)
	res = e.do(t, http.MethodGet, "/v2/templates", nil, e.keys[notify.KeyTypeLive])
	assert.Equal(t, v2err(403, "AuthError", notify.MsgServiceArchived), res.body)
	res = e.admin(t, http.MethodGet, "/service/"+id, nil)
	assert.Equal(t, false, res.body["data"].(map[string]any)["active"])
	res = e.admin(t, http.MethodPost, "/service/"+id+"/api-key", map[string]any{"name": "late", "key_type": "team"})
	assert.Equal(t, v1err(map[string]any{"service": []any{"An archived service cannot have new API keys"}}), res.body)
	res = e.admin(t, http.MethodPost, "/service/"+uuid.NewString()+"/archive", nil)
	assert.Equal(t, http.StatusNotFound, res.status)
}

func TestAdminAPIKeys(t *testing.T) {
	e := newAdminEnv(t, notify.Service{})
	id := e.svc.ID.String()
	live := e.keys[notify.KeyTypeLive]
	tests := []adminCase{
		{"missing fields", "POST", "/service/" + id + "/api-key", map[string]any{}, 400,
			v1err(map[string]any{"name": []any{notify.MsgMissingField}, "key_type": []any{notify.MsgMissingField}}), nil},
		{"bad key type", "POST", "/service/" + id + "/api-key", map[string]any{"name": "x", "key_type": "admin"}, 400,
			v1err(map[string]any{"key_type": []any{"Must be one of: normal, team, test."}}), nil},
		{"name in use", "POST", "/service/" + id + "/api-key", map[string]any{"name": live.Name, "key_type": "normal"}, 400,
			v1err(map[string]any{"name": []any{notify.MsgKeyNameInUse}}), nil},
		{"unknown service", "POST", "/service/" + uuid.NewString() + "/api-key", map[string]any{"name": "x", "key_type": "team"}, 404,
			v1err("No result found"), nil},
		{"one key", "GET", "/service/" + id + "/api-keys/" + live.ID.String(), nil, 200, nil, nil},
		{"unknown key", "GET", "/service/" + id + "/api-keys/" + uuid.NewString(), nil, 404,
			v1err("API key not found for id: " + id), nil},
		{"revoke unknown", "POST", "/service/" + id + "/api-key/revoke/" + uuid.NewString(), nil, 404, v1err("No result found"), nil},
	}
	runAdminCases(t, e, tests)
	res := e.admin(t, "GET", "/service/"+id+"/api-keys/"+live.ID.String(), nil)
	require.Len(t, res.body["apiKeys"], 1)
	assert.Equal(t, live.ID.String(), res.body["apiKeys"].([]any)[0].(map[string]any)["id"])
}

func TestAdminTemplates(t *testing.T) {
	e := newAdminEnv(t, notify.Service{Permissions: []notify.Permission{notify.PermissionSMS}})
	id := e.svc.ID.String()
	base := "/service/" + id + "/template"
	res := e.admin(t, "GET", base, nil)
	require.Equal(t, 200, res.status)
	require.Len(t, res.body["data"], 2, "the fixture's templates")

	tests := []adminCase{
		{name: "create refused", method: "POST", path: base, body: map[string]any{"template_type": "email", "name": "E",
			"content": "C", "subject": "S"}, status: 403,
			want: v1err(map[string]any{"template_type": []any{"Creating email templates is not allowed"}})},
		{name: "create missing", method: "POST", path: base, body: map[string]any{"template_type": "sms"}, status: 400,
			want: v1err(map[string]any{"name": []any{notify.MsgMissingField}, "content": []any{notify.MsgMissingField}})},
		{name: "create too long", method: "POST", path: base, body: map[string]any{"template_type": "sms", "name": "L",
			"content": strings.Repeat("x", 919)}, status: 400,
			want: v1err(map[string]any{"content": []any{"Content has a character count greater than the limit of 918"}})},
		{name: "get", method: "GET", path: base + "/" + e.sms.ID.String(), status: 200, check: func(t *testing.T, res response) {
			assert.Equal(t, "Code", res.body["data"].(map[string]any)["name"])
		}},
		{name: "get unknown", method: "GET", path: base + "/" + uuid.NewString(), status: 404, want: v1err("No result found")},
		{name: "new version", method: "POST", path: base + "/" + e.sms.ID.String(), body: map[string]any{"content": "New ((code))"},
			status: 200, check: func(t *testing.T, res response) {
				d := res.body["data"].(map[string]any)
				assert.Equal(t, float64(2), d["version"])
				assert.Equal(t, "New ((code))", d["content"])
			}},
		{name: "update unknown field", method: "POST", path: base + "/" + e.sms.ID.String(), body: map[string]any{"colour": 1},
			status: 400, want: v1err(map[string]any{"colour": []any{notify.MsgUnknownField}})},
		{name: "archive", method: "POST", path: base + "/" + e.sms.ID.String(), body: map[string]any{"archived": true},
			status: 200, check: func(t *testing.T, res response) {
				d := res.body["data"].(map[string]any)
				assert.Equal(t, true, d["archived"])
				assert.Equal(t, float64(3), d["version"])
			}},
	}
	runAdminCases(t, e, tests)
	res = e.admin(t, "GET", base, nil)
	assert.Len(t, res.body["data"], 1, "the archived template left the list")
	res = e.do(t, "POST", "/v2/notifications/sms", map[string]any{"phone_number": teamPhone, "template_id": e.sms.ID,
		"personalisation": map[string]any{"code": "1"}}, e.keys[notify.KeyTypeTeam])
	assert.Equal(t, http.StatusBadRequest, res.status, "an archived template cannot be sent: %s", res.raw)
}

func TestAdminGuestListAndTeam(t *testing.T) {
	e := newAdminEnv(t, notify.Service{})
	base := "/service/" + e.svc.ID.String()
	res := e.admin(t, "GET", base+"/guest-list", nil)
	assert.Equal(t, map[string]any{"email_addresses": []any{}, "phone_numbers": []any{guestPhone}}, res.body)

	res = e.admin(t, "PUT", base+"/guest-list", map[string]any{"email_addresses": []string{"a@example.com"},
		"phone_numbers": []string{"07700 900001", "+1 202 555 0123"}})
	assert.Equal(t, http.StatusNoContent, res.status, "%s", res.raw)
	res = e.admin(t, "GET", base+"/guest-list", nil)
	assert.Equal(t, map[string]any{"email_addresses": []any{"a@example.com"},
		"phone_numbers": []any{"07700 900001", "+1 202 555 0123"}}, res.body)

	res = e.admin(t, "PUT", base+"/guest-list", map[string]any{"email_addresses": []string{"b@example.com", "nope"}})
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.Equal(t, v1err("nope is not a valid email address or phone number"), res.body)
	res = e.admin(t, "GET", base+"/guest-list", nil)
	assert.Equal(t, []any{"a@example.com"}, res.body["email_addresses"], "a refused list changes nothing")

	res = e.admin(t, "PUT", base+"/guest-list", map[string]any{"email_addresses": "a@example.com"})
	assert.Equal(t, v1err(map[string]any{"email_addresses": []any{notify.MsgNotList}}), res.body)

	// Team members.
	res = e.admin(t, "GET", base+"/team-members", nil)
	assert.Equal(t, map[string]any{"data": []any{map[string]any{"email_address": teamEmail, "mobile_number": teamPhone}}}, res.body)
	res = e.admin(t, "POST", base+"/team-members", map[string]any{"email_address": "new@example.gov.uk"})
	assert.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	res = e.admin(t, "POST", base+"/team-members", map[string]any{"email_address": "not an email", "mobile_number": "12"})
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.Contains(t, res.body["message"], "email_address")
	res = e.admin(t, "POST", base+"/team-members/remove", map[string]any{"email_address": teamEmail, "mobile_number": teamPhone})
	assert.Equal(t, http.StatusNoContent, res.status, "%s", res.raw)
	res = e.admin(t, "POST", base+"/team-members/remove", map[string]any{"email_address": teamEmail, "mobile_number": teamPhone})
	assert.Equal(t, http.StatusNotFound, res.status)
	res = e.do(t, "POST", "/v2/notifications/sms", map[string]any{"phone_number": teamPhone, "template_id": e.sms.ID,
		"personalisation": map[string]any{"name": "a", "code": "1"}}, e.keys[notify.KeyTypeTeam])
	assert.Equal(t, v2err(400, "BadRequestError", teamMsg), res.body, "the removed member is refused at once")
}

func TestAdminNotificationsAndRetention(t *testing.T) {
	e := newAdminEnv(t, notify.Service{})
	base := "/service/" + e.svc.ID.String()
	for range 3 {
		res := e.do(t, "POST", "/v2/notifications/sms", map[string]any{"phone_number": teamPhone, "template_id": e.sms.ID,
			"personalisation": map[string]any{"name": "a", "code": "1"}}, e.keys[notify.KeyTypeTeam])
		require.Equal(t, http.StatusCreated, res.status)
	}
	res := e.do(t, "POST", "/v2/notifications/sms", map[string]any{"phone_number": stranger, "template_id": e.sms.ID,
		"personalisation": map[string]any{"name": "a", "code": "1"}}, e.keys[notify.KeyTypeSimulate])
	require.Equal(t, http.StatusCreated, res.status)

	res = e.admin(t, "GET", base+"/notifications?page_size=2", nil)
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	assert.Len(t, res.body["notifications"], 2)
	assert.Equal(t, float64(2), res.body["page_size"])
	assert.Equal(t, map[string]any{"next": base + "/notifications?page=2&page_size=2"}, res.body["links"])
	first := res.body["notifications"].([]any)[0].(map[string]any)
	assert.Equal(t, "Code", first["template"].(map[string]any)["name"])
	assert.Equal(t, "team", first["key_type"])
	assert.Equal(t, teamPhone, first["to"])

	res = e.admin(t, "GET", base+"/notifications?page=2&page_size=2", nil)
	assert.Len(t, res.body["notifications"], 1, "test-key notifications are left out")
	assert.Equal(t, map[string]any{"prev": base + "/notifications?page=1&page_size=2"}, res.body["links"])
	res = e.admin(t, "GET", base+"/notifications?include_from_test_key=True&template_type=sms", nil)
	assert.Len(t, res.body["notifications"], 4)
	res = e.admin(t, "GET", base+"/notifications?status=elephant&page=x", nil)
	assert.Equal(t, v1err(map[string]any{"status": []any{"Not a valid notification status: elephant"},
		"page": []any{notify.MsgNotInteger}}), res.body)

	res = e.admin(t, "GET", base+"/statistics", nil)
	assert.Equal(t, float64(3), res.body["data"].(map[string]any)["sms"].(map[string]any)["requested"])

	// Data retention.
	assert.Equal(t, "[]\n", e.adminRaw(t, base+"/data-retention"))
	res = e.admin(t, "POST", base+"/data-retention", map[string]any{"notification_type": "sms", "days_of_retention": 14})
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	rid := res.body["result"].(map[string]any)["id"].(string)
	res = e.admin(t, "POST", base+"/data-retention", map[string]any{"notification_type": "sms", "days_of_retention": 10})
	assert.Equal(t, v1err("Service already has data retention for sms notification type"), res.body)
	res = e.admin(t, "POST", base+"/data-retention/"+rid, map[string]any{"days_of_retention": 30})
	assert.Equal(t, http.StatusNoContent, res.status)
	res = e.admin(t, "POST", base+"/data-retention/"+rid, map[string]any{"days_of_retention": 1})
	assert.Equal(t, v1err(map[string]any{"days_of_retention": []any{"Must be between 3 and 90."}}), res.body)
	other := uuid.NewString()
	res = e.admin(t, "POST", base+"/data-retention/"+other, map[string]any{"days_of_retention": 30})
	assert.Equal(t, v1err("The service data retention for id: "+other+" was not found for service: "+e.svc.ID.String()), res.body)
	assert.Contains(t, e.adminRaw(t, base+"/data-retention"), `"days_of_retention":30`)
}
