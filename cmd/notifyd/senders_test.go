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

// The sender commands set up what a server on the same database sends
// with: a named sender is the answer's from_number.
func TestCLISenders(t *testing.T) {
	db := filepath.Join(t.TempDir(), "notify.db")
	serviceID := uuidRE.FindString(must(t, db, "service", "create", "-name", "Senders", "-live"))

	out := must(t, db, "sms-sender", "add", "-service", serviceID, "-sender", "COUNCIL")
	assert.Contains(t, out, `Added SMS sender "COUNCIL"`)
	assert.Contains(t, out, "(the default)", "the first is the default")
	defaultID := uuidRE.FindString(out)
	out = must(t, db, "sms-sender", "add", "-service", serviceID, "-sender", "07700 900111")
	assert.NotContains(t, out, "(the default)")
	numberID := uuidRE.FindString(out)
	out = must(t, db, "sms-sender", "list", "-service", serviceID)
	assert.Less(t, strings.Index(out, defaultID), strings.Index(out, numberID), "the default first")

	_, _, err := notifyd(t, db, "sms-sender", "archive", "-service", serviceID, "-id", defaultID)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "You cannot delete a default sms sender")
	_, _, err = notifyd(t, db, "sms-sender", "add", "-service", serviceID, "-sender", "Far too long")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sms_sender: Must be at most 11 letters")

	out = must(t, db, "reply-to", "add", "-service", serviceID, "-email", "help@example.gov.uk")
	assert.Contains(t, out, "(the default)")
	helpID := uuidRE.FindString(out)
	otherReply := uuidRE.FindString(must(t, db, "reply-to", "add", "-service", serviceID, "-email", "other@example.gov.uk", "-default"))
	assert.Contains(t, must(t, db, "reply-to", "list", "-service", serviceID), "other@example.gov.uk")
	_, _, err = notifyd(t, db, "reply-to", "add", "-service", serviceID, "-email", "help@example.gov.uk")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "already uses")
	assert.Contains(t, must(t, db, "reply-to", "set-default", "-service", serviceID, "-id", helpID), "is the default")
	out = must(t, db, "reply-to", "archive", "-service", serviceID, "-id", otherReply)
	assert.Contains(t, out, "Archived reply-to address")

	key := strings.TrimSpace(must(t, db, "key", "create", "-service", serviceID, "-name", "live", "-type", "normal"))
	tpl := uuidRE.FindString(must(t, db, "template", "create", "-service", serviceID, "-type", "sms", "-name", "T", "-content", "Hi"))
	base := "http://" + startServer(t, "-db", db)
	sid, secret, err := notify.ParseKey(key)
	require.NoError(t, err)
	tok, err := notify.NewToken(sid, secret, time.Now())
	require.NoError(t, err)
	status, res := post(t, base+"/v2/notifications/sms", tok,
		`{"phone_number": "07700 900789", "template_id": "`+tpl+`", "sms_sender_id": "`+numberID+`"}`)
	require.Equal(t, http.StatusCreated, status, "%v", res)
	assert.Equal(t, "447700900111", res["content"].(map[string]any)["from_number"])
	status, res = post(t, base+"/v2/notifications/sms", tok, `{"phone_number": "07700 900789", "template_id": "`+tpl+`"}`)
	require.Equal(t, http.StatusCreated, status, "%v", res)
	assert.Equal(t, "COUNCIL", res["content"].(map[string]any)["from_number"])
}
