package main

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// TestServerSendsFilesByEmail: on SQLite the files go, encrypted, to the
// directory next to the database, and the link in the email downloads
// them from the server.
func TestServerSendsFilesByEmail(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "notify.db")
	addr := startServer(t, "-db", db, "-seed", seedPath, "-document-url", "https://files.example.gov.uk/notify")
	tok, err := notify.NewToken(seedService, "33333333-3333-4333-8333-333333333333", time.Now())
	require.NoError(t, err)
	content := "a,b,c\n1,2,3\n"
	body, err := json.Marshal(map[string]any{"email_address": "guest@example.gov.uk",
		"template_id": "77777777-7777-4777-8777-777777777777", "personalisation": map[string]any{"name": map[string]any{
			"file": base64.StdEncoding.EncodeToString([]byte(content)), "is_csv": true, "confirm_email_before_download": false}}})
	require.NoError(t, err)
	status, answer := post(t, "http://"+addr+"/v2/notifications/email", tok, string(body))
	require.Equal(t, 201, status, answer)
	text := answer["content"].(map[string]any)["body"].(string)
	link := strings.TrimPrefix(text, "Hello ")
	require.True(t, strings.HasPrefix(link, "https://files.example.gov.uk/notify/d/"), text)

	entries, err := os.ReadDir(filepath.Join(dir, "notify.db.documents", seedService.String()))
	require.NoError(t, err)
	require.Len(t, entries, 1)
	stored, err := os.ReadFile(filepath.Join(dir, "notify.db.documents", seedService.String(), entries[0].Name()))
	require.NoError(t, err)
	assert.NotContains(t, string(stored), content, "the file is kept in the clear")
	_, err = uuid.Parse(entries[0].Name())
	require.NoError(t, err)

	u, err := url.Parse(link)
	require.NoError(t, err)
	res, err := http.Get("http://" + addr + strings.TrimPrefix(u.Path, "/notify") + "?" + u.RawQuery)
	require.NoError(t, err)
	defer res.Body.Close()
	got, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	assert.Equal(t, 200, res.StatusCode)
	assert.Equal(t, content, string(got))
	assert.Equal(t, "text/csv", res.Header.Get("Content-Type"))
}

func TestDocumentFlags(t *testing.T) {
	t.Parallel()
	o, err := parseFlags([]string{"-document-url", "https://notify.example.gov.uk/x", "-documents-dir", "/var/lib/notify/docs"}, os.Getenv, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, documentOptions{url: "https://notify.example.gov.uk/x", dir: "/var/lib/notify/docs"}, o.documents)
	for _, bad := range []string{"notify.example.gov.uk", "ftp://x.example", "https://x.example/?a=1", "https://"} {
		_, err := parseFlags([]string{"-document-url", bad}, os.Getenv, io.Discard)
		assert.Error(t, err, bad)
	}
}
