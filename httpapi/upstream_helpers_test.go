package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// upstreamCase is one case taken from upstream's own test suite, run black
// box through the API. Its name is the upstream test function, followed by
// the parametrize values when the function has several.
type upstreamCase struct {
	name string
	// svc is the service the case's env is built with (see newEnv).
	svc notify.Service
	// setup prepares the env further: templates, team, earlier sends.
	setup func(t *testing.T, e *env)
	// key is the key type the request is signed with (default live).
	key notify.KeyType
	// noAuth sends the request without an Authorization header.
	noAuth bool
	method string // default POST
	// path is the request path; a func of the env when it needs ids.
	path     string
	pathFunc func(t *testing.T, e *env) string
	// body is the request body (nil sends none); a func of the env when it
	// needs ids.
	body     any
	bodyFunc func(e *env) any
	status   int
	// errs is the exact v2 errors list expected; nil for an answer that is
	// not an error.
	errs []any
	// anyOrder compares errs regardless of order, where upstream's test
	// asserts each error is in the list.
	anyOrder bool
	// check asserts more of the answer.
	check func(t *testing.T, e *env, res response)
}

// errItem is one entry of a v2 errors list.
func errItem(name, msg string) map[string]any { return map[string]any{"error": name, "message": msg} }

// runUpstream runs each case on its own env, in parallel.
func runUpstream(t *testing.T, cases []upstreamCase) {
	t.Helper()
	seen := map[string]bool{}
	for _, tc := range cases {
		require.False(t, seen[tc.name], "case %q twice", tc.name)
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tc.svc)
			if tc.setup != nil {
				tc.setup(t, e)
			}
			kt := tc.key
			if kt == "" {
				kt = notify.KeyTypeLive
			}
			method := tc.method
			if method == "" {
				method = http.MethodPost
			}
			path := tc.path
			if tc.pathFunc != nil {
				path = tc.pathFunc(t, e)
			}
			body := tc.body
			if tc.bodyFunc != nil {
				body = tc.bodyFunc(e)
			}
			k := e.keys[kt]
			if tc.noAuth {
				k = nil
			}
			res := e.do(t, method, path, body, k)
			require.Equal(t, tc.status, res.status, "%s", res.raw)
			assert.Equal(t, "application/json", res.header.Get("Content-Type"))
			if tc.errs != nil && tc.anyOrder {
				assert.Equal(t, float64(tc.status), res.body["status_code"])
				assert.ElementsMatch(t, tc.errs, res.body["errors"])
			} else if tc.errs != nil {
				assert.Equal(t, map[string]any{"status_code": float64(tc.status), "errors": tc.errs}, res.body)
			}
			if tc.check != nil {
				tc.check(t, e, res)
			}
		})
	}
}

// smsBody is a v2 SMS request to the env's SMS template with its
// personalisation.
func smsBody(e *env, to string) map[string]any {
	return map[string]any{"phone_number": to, "template_id": e.sms.ID.String(),
		"personalisation": map[string]any{"name": "Jo", "code": "1"}}
}

// emailBody is a v2 email request to the env's email template.
func emailBody(e *env, to string) map[string]any {
	return map[string]any{"email_address": to, "template_id": e.email.ID.String(),
		"personalisation": map[string]any{"name": "Bob"}}
}

// addTemplate creates a template on the env's service.
func addTemplate(t *testing.T, e *env, tpl notify.Template) *notify.Template {
	t.Helper()
	tpl.ServiceID = e.svc.ID
	if tpl.Name == "" {
		tpl.Name = string(tpl.Type) + " Template Name"
	}
	if tpl.CreatedBy == "" {
		tpl.CreatedBy = teamEmail
	}
	got, err := e.n.CreateTemplate(ctx, tpl)
	require.NoError(t, err)
	return got
}

// created asserts a 201 send answer for the template and returns its id.
func created(t *testing.T, res response) string {
	t.Helper()
	id, ok := res.body["id"].(string)
	require.True(t, ok, "%s", res.raw)
	return id
}
