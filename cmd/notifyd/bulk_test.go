package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// -bulk-max-rows caps the rows of a bulk send, with the API's message.
func TestServerBulkMaxRows(t *testing.T) {
	db := filepath.Join(t.TempDir(), "notify.db")
	serviceID := uuidRE.FindString(must(t, db, "service", "create", "-name", "Bulk", "-live"))
	key := strings.TrimSpace(must(t, db, "key", "create", "-service", serviceID, "-name", "live", "-type", "normal"))
	tpl := uuidRE.FindString(must(t, db, "template", "create", "-service", serviceID, "-type", "email", "-name", "T",
		"-subject", "Hi", "-content", "Hello ((name))"))
	base := "http://" + startServer(t, "-db", db, "-bulk-max-rows", "2")
	sid, secret, err := notify.ParseKey(key)
	require.NoError(t, err)
	tok, err := notify.NewToken(sid, secret, time.Now())
	require.NoError(t, err)

	body := func(rows int) string {
		csv := `email address,name\n`
		for i := range rows {
			csv += "p" + string(rune('a'+i)) + `@example.com,P\n`
		}
		return `{"name": "people.csv", "template_id": "` + tpl + `", "csv": "` + csv + `"}`
	}
	status, res := post(t, base+"/v2/notifications/bulk", tok, body(3))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, []any{map[string]any{"error": "BadRequestError", "message": "Too many rows. Maximum number of rows allowed is 2"}},
		res["errors"])
	status, res = post(t, base+"/v2/notifications/bulk", tok, body(2))
	require.Equal(t, http.StatusCreated, status, "%v", res)
	assert.Equal(t, float64(2), res["data"].(map[string]any)["notification_count"])
}
