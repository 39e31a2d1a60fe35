package main

import (
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

// TestServerSendsEmailOverSMTP sends an email through the server's HTTP API
// with -smtp pointing at the real SMTP server CI starts (mailpit) and reads
// it back through mailpit's API.
func TestServerSendsEmailOverSMTP(t *testing.T) {
	smtpAddr, api := os.Getenv("NOTIFY_TEST_SMTP_ADDR"), strings.TrimRight(os.Getenv("NOTIFY_TEST_MAILPIT_API"), "/")
	if smtpAddr == "" || api == "" {
		t.Skip("SKIPPED: NOTIFY_TEST_SMTP_ADDR and NOTIFY_TEST_MAILPIT_API are not set: no real SMTP server (.ci/run starts mailpit)")
	}
	const (
		serviceID = "8a4c2e1f-5b6d-4c7e-9f0a-1b2c3d4e5f60"
		secret    = "c0ffee00-1111-4222-8333-444455556666"
		tplID     = "e1d2c3b4-a596-4877-8695-a4b3c2d1e0f9"
	)
	seed := `{"services": [{"id": "` + serviceID + `", "name": "SMTP check", "restricted": false,
	  "api_keys": [{"id": "` + uuid.NewString() + `", "name": "live", "key_type": "normal", "secret": "` + secret + `"}],
	  "templates": [{"id": "` + tplID + `", "type": "email", "name": "Hello", "subject": "Your code ((ref))",
	                 "content": "Hello ((name)),\n\nYour code is **((code))**."}]}]}`
	dir := t.TempDir()
	seedFile := filepath.Join(dir, "seed.json")
	require.NoError(t, os.WriteFile(seedFile, []byte(seed), 0o600))
	base := "http://" + startServer(t, "-db", filepath.Join(dir, "notify.db"), "-seed", seedFile, "-smtp", smtpAddr, "-smtp-tls", "none")

	ref := uuid.NewString()[:8]
	tok, err := notify.NewToken(uuid.MustParse(serviceID), secret, time.Now())
	require.NoError(t, err)
	body := `{"email_address": "Citizen@Example.com", "template_id": "` + tplID + `",
	  "personalisation": {"name": "Sam", "code": "4821", "ref": "` + ref + `"},
	  "one_click_unsubscribe_url": "https://example.com/unsubscribe?u=1"}`
	req, err := http.NewRequest(http.MethodPost, base+"/v2/notifications/email", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	raw, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	require.Equal(t, http.StatusCreated, res.StatusCode, string(raw))
	var created struct{ ID string }
	require.NoError(t, json.Unmarshal(raw, &created))

	getJSON := func(u string, v any) bool {
		res, err := http.Get(u)
		if err != nil {
			return false
		}
		defer res.Body.Close()
		return res.StatusCode == http.StatusOK && json.NewDecoder(res.Body).Decode(v) == nil
	}
	var found struct {
		Messages []struct{ ID, Subject string }
	}
	require.Eventually(t, func() bool {
		return getJSON(api+"/api/v1/search?query="+url.QueryEscape(`subject:"Your code `+ref+`"`), &found) && len(found.Messages) == 1
	}, 20*time.Second, 100*time.Millisecond, "the email reaches mailpit")
	var msg struct {
		From    struct{ Name, Address string }
		To      []struct{ Address string }
		Subject string
		Text    string
		HTML    string
	}
	require.True(t, getJSON(api+"/api/v1/message/"+found.Messages[0].ID, &msg))
	var headers map[string][]string
	require.True(t, getJSON(api+"/api/v1/message/"+found.Messages[0].ID+"/headers", &headers))

	assert.Equal(t, "Your code "+ref, msg.Subject)
	require.Len(t, msg.To, 1)
	assert.Equal(t, "citizen@example.com", strings.ToLower(msg.To[0].Address))
	assert.Equal(t, "SMTP check", msg.From.Name)
	assert.Equal(t, "smtp.check@notifications.service.gov.uk", msg.From.Address)
	assert.Contains(t, msg.Text, "Your code is **4821**.")
	assert.Contains(t, msg.HTML, "4821")
	assert.Equal(t, []string{created.ID}, headers["X-Notify-Notification-Id"])
	assert.Equal(t, []string{"<https://example.com/unsubscribe?u=1>"}, headers["List-Unsubscribe"])

	// The server recorded the hand-over to SMTP.
	require.Eventually(t, func() bool {
		req, _ := http.NewRequest(http.MethodGet, base+"/v2/notifications/"+created.ID, nil)
		tok, _ := notify.NewToken(uuid.MustParse(serviceID), secret, time.Now())
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer res.Body.Close()
		var n struct{ Status string }
		return json.NewDecoder(res.Body).Decode(&n) == nil && n.Status == "sending"
	}, 10*time.Second, 50*time.Millisecond, "status sending, sent by smtp")
}
