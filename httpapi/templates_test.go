package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// Upstream: tests/app/v2/templates/test_get_templates.py
// test_get_all_templates_returns_200: templates by name, then by type in
// upstream's enum order (sms, email, letter; letters are not supported
// here).
func TestGetAllTemplatesOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{})
	// newEnv made "Code" (sms) and "Welcome" (email).
	var want []string
	for _, name := range []string{"C", "A", "B"} {
		for _, typ := range []notify.NotificationType{notify.Email, notify.SMS} {
			tpl, err := e.n.CreateTemplate(ctx, notify.Template{ServiceID: e.svc.ID, Type: typ, Name: name,
				Subject: "subject_" + name, Content: "body " + name})
			require.NoError(t, err)
			want = append(want, name+" "+string(typ)+" "+tpl.ID.String())
		}
	}
	want = []string{want[3], want[2], want[5], want[4], want[1], want[0],
		"Code sms " + e.sms.ID.String(), "Welcome email " + e.email.ID.String()}
	res := e.do(t, http.MethodGet, "/v2/templates", nil, e.keys[notify.KeyTypeLive])
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	var got []string
	for _, tpl := range res.body["templates"].([]any) {
		m := tpl.(map[string]any)
		got = append(got, m["name"].(string)+" "+m["type"].(string)+" "+m["id"].(string))
	}
	assert.Equal(t, want, got)
}
