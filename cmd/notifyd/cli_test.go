package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// notifyd runs a command on db and returns its standard output and error.
func notifyd(t *testing.T, db string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := func(k string) string {
		if k == "NOTIFY_SECRET_KEY" {
			return testKey
		}
		return ""
	}
	// -db goes first: flags stop at the first recipient of guest-list set.
	full := append([]string{}, args[:min(2, len(args))]...)
	full = append(append(full, "-db", db), args[min(2, len(args)):]...)
	err := run(context.Background(), full, env, &stdout, &stderr, nil)
	return stdout.String(), stderr.String(), err
}

// must runs a command that must succeed.
func must(t *testing.T, db string, args ...string) string {
	t.Helper()
	out, errOut, err := notifyd(t, db, args...)
	require.NoError(t, err, "notifyd %v: %s", args, errOut)
	return out
}

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// post sends body with a bearer token and returns the status and the
// decoded answer.
func post(t *testing.T, url, token, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var m map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&m))
	return res.StatusCode, m
}

// TestCLISetsUpAServer creates a service, a key and a template with the
// commands, then starts the server on the same database: the key sends,
// and once revoked is refused.
func TestCLISetsUpAServer(t *testing.T) {
	db := filepath.Join(t.TempDir(), "notify.db")
	out := must(t, db, "service", "create", "-name", "Council tax", "-live", "-message-limit", "500")
	require.Contains(t, out, `Created service "Council tax"`)
	require.Contains(t, out, "(live)")
	serviceID := uuidRE.FindString(out)

	out = must(t, db, "service", "list")
	assert.Contains(t, out, serviceID)
	assert.Contains(t, out, "Council tax")

	out = must(t, db, "service", "update", "-id", serviceID, "-permissions", "sms", "-sms-sender", "COUNCIL")
	assert.Contains(t, out, "Updated service")

	key, errOut, err := notifyd(t, db, "key", "create", "-service", serviceID, "-name", "Live key", "-type", "normal")
	require.NoError(t, err, errOut)
	key = strings.TrimSpace(key)
	assert.Regexp(t, `^live_key-`+serviceID+`-[0-9a-f-]{36}$`, key, "only the key on standard output")
	assert.Contains(t, errOut, "shown only now")

	out = must(t, db, "template", "create", "-service", serviceID, "-type", "sms", "-name", "Reminder",
		"-content", "Your bill of ((amount)) is due")
	templateID := uuidRE.FindString(out)
	require.NotEmpty(t, templateID)
	out = must(t, db, "template", "update", "-service", serviceID, "-id", templateID, "-content", "Your bill of ((amount)) is due soon")
	assert.Contains(t, out, "version 2")

	base := "http://" + startServer(t, "-db", db)
	sid, secret, err := notify.ParseKey(key)
	require.NoError(t, err)
	token := func() string {
		tok, err := notify.NewToken(sid, secret, time.Now())
		require.NoError(t, err)
		return tok
	}
	body := `{"phone_number": "07700 900789", "template_id": "` + templateID + `", "personalisation": {"amount": "£12"}}`
	status, res := post(t, base+"/v2/notifications/sms", token(), body)
	require.Equal(t, http.StatusCreated, status, "%v", res)
	assert.Equal(t, "Your bill of £12 is due soon", res["content"].(map[string]any)["body"])
	assert.Equal(t, "COUNCIL", res["content"].(map[string]any)["from_number"])

	out = must(t, db, "key", "list", "-service", serviceID)
	keyID := uuidRE.FindString(out[strings.Index(out, "\n"):])
	must(t, db, "key", "revoke", "-service", serviceID, "-id", keyID)
	require.Eventually(t, func() bool {
		status, res = post(t, base+"/v2/notifications/sms", token(), body)
		return status == http.StatusForbidden
	}, 10*time.Second, 100*time.Millisecond, "the server's read cache expires")
	assert.Equal(t, notify.MsgKeyRevoked, res["errors"].([]any)[0].(map[string]any)["message"])
}

func TestCLIRefusals(t *testing.T) {
	db := filepath.Join(t.TempDir(), "notify.db")
	serviceID := uuidRE.FindString(must(t, db, "service", "create", "-name", "Trial"))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown subcommand", []string{"service", "delete"}, ""},
		{"no name", []string{"service", "create"}, "name: Missing data for required field."},
		{"bad permission", []string{"service", "update", "-id", serviceID, "-permissions", "fax"}, "permissions: Invalid Service Permission: 'fax'"},
		{"live and trial", []string{"service", "update", "-id", serviceID, "-live", "-trial"}, "-live and -trial exclude each other"},
		{"not a uuid", []string{"key", "create", "-service", "abc", "-name", "k", "-type", "team"}, `"abc" is not a UUID`},
		{"unknown service", []string{"key", "create", "-service", "11111111-1111-4111-8111-111111111111", "-name", "k", "-type", "team"}, "No result found"},
		{"bad key type", []string{"key", "create", "-service", serviceID, "-name", "k", "-type", "admin"}, "key_type: Must be one of: normal, team, test."},
		{"email template without subject", []string{"template", "create", "-service", serviceID, "-type", "email", "-name", "E", "-content", "C"},
			"subject: Invalid template subject"},
		{"bad guest", []string{"guest-list", "set", "-service", serviceID, "ok@example.com", "nope"}, "nope is not a valid email address or phone number"},
		{"no id", []string{"service", "update", "-name", "x"}, "-id is required"},
		{"stray argument", []string{"service", "list", "extra"}, "unexpected arguments"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, err := notifyd(t, db, tc.args...)
			require.Error(t, err)
			if tc.want == "" {
				assert.ErrorIs(t, err, flag.ErrHelp)
				assert.Contains(t, errOut, "want one of create, list, update, archive")
				return
			}
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	out := must(t, db, "team", "add", "-service", serviceID, "-email", "me@example.gov.uk", "-mobile", "07700 900123")
	assert.Contains(t, out, "Added me@example.gov.uk")
	out = must(t, db, "guest-list", "set", "-service", serviceID, "friend@example.com", "07700 900456")
	assert.Contains(t, out, "has 2 recipients")
	must(t, db, "team", "remove", "-service", serviceID, "-email", "me@example.gov.uk", "-mobile", "07700 900123")
	out = must(t, db, "service", "archive", "-id", serviceID)
	assert.Contains(t, out, "Archived service")
	assert.Contains(t, must(t, db, "service", "list"), "archived")
}

// TestServerAdminAPI starts the server with an admin secret from the
// environment: the admin API answers; without one it is not there.
func TestServerAdminAPI(t *testing.T) {
	db := filepath.Join(t.TempDir(), "notify.db")
	base := "http://" + startServer(t, "-db", db, "-admin-secret", "s3cret", "-retention=false")
	tok, err := notify.NewAdminToken([]byte("s3cret"), time.Now())
	require.NoError(t, err)
	status, res := post(t, base+"/service", tok, `{"name": "Made over HTTP", "restricted": false}`)
	require.Equal(t, http.StatusCreated, status, "%v", res)
	assert.Equal(t, "Made over HTTP", res["data"].(map[string]any)["name"])

	other := "http://" + startServer(t, "-db", filepath.Join(t.TempDir(), "other.db"))
	status, _ = post(t, other+"/service", tok, `{"name": "x"}`)
	assert.Equal(t, http.StatusNotFound, status)
}

func TestAdminFlags(t *testing.T) {
	t.Parallel()
	env := func(k string) string {
		if k == "NOTIFY_ADMIN_SECRET" {
			return "from-env"
		}
		return ""
	}
	tests := []struct {
		args []string
		want adminOptions
		err  bool
	}{
		{nil, adminOptions{secret: "from-env"}, false},
		{[]string{"-admin-secret", "flag"}, adminOptions{secret: "flag"}, false},
		{[]string{"-retention=false", "-retention-interval", "10m"}, adminOptions{secret: "from-env", retentionOff: true, retentionEvery: 10 * time.Minute}, false},
		{[]string{"-retention=true"}, adminOptions{secret: "from-env"}, false},
		{[]string{"-retention=maybe"}, adminOptions{}, true},
		{[]string{"-retention-interval", "-1s"}, adminOptions{}, true},
	}
	for _, tc := range tests {
		o, err := parseFlags(tc.args, env, &bytes.Buffer{})
		if tc.err {
			assert.Error(t, err, tc.args)
			continue
		}
		require.NoError(t, err, tc.args)
		assert.Equal(t, tc.want, o.admin, tc.args)
	}
}

// TestCLISaysWhenItCreatesADatabase checks that a command run on a -db file
// that does not exist says it created one (a mistyped path shows), and
// that a command on an existing database says nothing of the kind.
func TestCLISaysWhenItCreatesADatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "typo.db")
	_, errOut, err := notifyd(t, db, "service", "list")
	require.NoError(t, err)
	assert.Contains(t, errOut, db+" did not exist: created a new, empty database there")
	_, errOut, err = notifyd(t, db, "service", "list")
	require.NoError(t, err)
	assert.NotContains(t, errOut, "did not exist")
}
