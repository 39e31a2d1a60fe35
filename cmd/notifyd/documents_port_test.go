package main

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// TestDownloadLinksUseTheChosenPort: without -document-url the links lead
// to the address the server listens on, the port it was given when -addr
// asked for port 0 included, and they download the file.
func TestDownloadLinksUseTheChosenPort(t *testing.T) {
	addr := startServer(t, "-db", filepath.Join(t.TempDir(), "notify.db"), "-seed", seedPath)
	tok, err := notify.NewToken(seedService, "33333333-3333-4333-8333-333333333333", time.Now())
	require.NoError(t, err)
	content := "x,y\n1,2\n"
	body, err := json.Marshal(map[string]any{"email_address": "guest@example.gov.uk",
		"template_id": "77777777-7777-4777-8777-777777777777", "personalisation": map[string]any{"name": map[string]any{
			"file": base64.StdEncoding.EncodeToString([]byte(content)), "filename": "a.csv", "confirm_email_before_download": false}}})
	require.NoError(t, err)
	status, answer := post(t, "http://"+addr+"/v2/notifications/email", tok, string(body))
	require.Equal(t, 201, status, answer)
	link := strings.TrimPrefix(answer["content"].(map[string]any)["body"].(string), "Hello ")
	require.True(t, strings.HasPrefix(link, "http://"+addr+"/d/"), "link %q, server %s", link, addr)

	res, err := http.Get(link)
	require.NoError(t, err)
	defer res.Body.Close()
	got, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	assert.Equal(t, 200, res.StatusCode)
	assert.Equal(t, content, string(got))
}
