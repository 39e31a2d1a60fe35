package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tokenFile writes a bearer token to a file only its owner reads.
func tokenFile(t *testing.T, token string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(path, []byte(token+"\n"), 0o600))
	return path
}

func TestCLICallbacks(t *testing.T) {
	db := filepath.Join(t.TempDir(), "notify.db")
	serviceID := uuidRE.FindString(must(t, db, "service", "create", "-name", "Callbacks", "-live"))
	const token = "s3cret-callback-token"

	stdout, stderr, err := notifyd(t, db, "callback", "set", "-service", serviceID, "-type", "delivery_status",
		"-url", "https://example.com/receipts", "-bearer-token-file", tokenFile(t, token))
	require.NoError(t, err, stderr)
	assert.Contains(t, stdout, "The delivery_status callback of "+serviceID+" is https://example.com/receipts")
	assert.NotContains(t, stdout+stderr, token, "the token is never printed")
	must(t, db, "callback", "set", "-service", serviceID, "-type", "inbound_sms",
		"-url", "https://example.com/inbound", "-bearer-token-file", tokenFile(t, token))
	// Setting it again replaces the URL.
	must(t, db, "callback", "set", "-service", serviceID, "-type", "delivery_status",
		"-url", "https://example.com/receipts/v2", "-bearer-token-file", tokenFile(t, "another-token-value"))

	out := must(t, db, "callback", "list", "-service", serviceID)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, out)
	assert.Contains(t, lines[1], "delivery_status")
	assert.Contains(t, lines[1], "https://example.com/receipts/v2")
	assert.Contains(t, lines[2], "inbound_sms")
	assert.NotContains(t, out, token)
	assert.NotContains(t, out, "another-token-value")

	// The token is sealed in the database, not kept in clear.
	for _, f := range []string{db, db + "-wal"} {
		b, err := os.ReadFile(f)
		if err == nil {
			assert.NotContains(t, string(b), token, f)
		}
	}

	refusals := []struct {
		args []string
		msg  string
	}{
		{[]string{"-type", "complaint", "-url", "http://example.com/x", "-bearer-token-file", tokenFile(t, token)}, "url: url is not a valid https url"},
		{[]string{"-type", "complaint", "-url", "https://10.0.0.1/x", "-bearer-token-file", tokenFile(t, token)}, "url: url is not a valid https url"},
		{[]string{"-type", "complaint", "-url", "https://example.com/x", "-bearer-token-file", tokenFile(t, "short")}, "bearer_token: bearer_token is too short"},
		{[]string{"-type", "complaint", "-url", "https://example.com/x", "-bearer-token-file", tokenFile(t, "  ")}, "is empty"},
		{[]string{"-type", "complaint", "-url", "https://example.com/x", "-bearer-token-file", tokenFile(t, "two\nlines-of-token")}, "more than one line"},
		{[]string{"-type", "complaint", "-url", "https://example.com/x", "-bearer-token-file", "/nonexistent/token"}, "no such file"},
		{[]string{"-type", "complaint", "-url", "https://example.com/x"}, "-bearer-token-file is required"},
		{[]string{"-type", "complaint", "-url", "https://example.com/x", "-bearer-token", token}, "flag provided but not defined: -bearer-token"},
		{[]string{"-type", "letters", "-url", "https://example.com/x", "-bearer-token-file", tokenFile(t, token)}, `-type "letters": want one of delivery_status, complaint, inbound_sms`},
	}
	for _, tc := range refusals {
		_, _, err := notifyd(t, db, append([]string{"callback", "set", "-service", serviceID}, tc.args...)...)
		require.Error(t, err, tc.args)
		assert.Contains(t, err.Error(), tc.msg, tc.args)
	}
	_, _, err = notifyd(t, db, "callback", "set", "-service", "9f1c0a4e-0000-4000-8000-000000000000", "-type", "complaint",
		"-url", "https://example.com/x", "-bearer-token-file", tokenFile(t, token))
	require.Error(t, err, "an unknown service")
	assert.Contains(t, err.Error(), "no service 9f1c0a4e-0000-4000-8000-000000000000")
	assert.NotContains(t, must(t, db, "callback", "list", "-service", serviceID), "complaint", "refusals changed nothing")

	assert.Contains(t, must(t, db, "callback", "delete", "-service", serviceID, "-type", "inbound_sms"),
		"Deleted the inbound_sms callback of "+serviceID)
	_, _, err = notifyd(t, db, "callback", "delete", "-service", serviceID, "-type", "inbound_sms")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "has no inbound_sms callback")
	out = must(t, db, "callback", "list", "-service", serviceID)
	assert.NotContains(t, out, "inbound_sms")
	_, _, err = notifyd(t, db, "callback", "list", "-service", "9f1c0a4e-0000-4000-8000-000000000000")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no service 9f1c0a4e-0000-4000-8000-000000000000")
}

func TestCLIInboundNumbers(t *testing.T) {
	db := filepath.Join(t.TempDir(), "notify.db")
	serviceID := uuidRE.FindString(must(t, db, "service", "create", "-name", "Inbound", "-live"))
	otherID := uuidRE.FindString(must(t, db, "service", "create", "-name", "Other", "-live"))

	out := must(t, db, "inbound-number", "assign", "-service", serviceID, "-number", "07700 900999")
	assert.Contains(t, out, "Inbound number 447700900999 (")
	assert.Contains(t, out, "receives the text messages of "+serviceID)
	again := must(t, db, "inbound-number", "assign", "-service", serviceID, "-number", "+447700900999")
	assert.Equal(t, uuidRE.FindString(out), uuidRE.FindString(again), "the same number again changes nothing")
	must(t, db, "inbound-number", "assign", "-service", serviceID, "-number", "40604")

	_, _, err := notifyd(t, db, "inbound-number", "assign", "-service", otherID, "-number", "447700900999")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Inbound number already assigned to another service")
	_, _, err = notifyd(t, db, "inbound-number", "assign", "-service", otherID, "-number", "none")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "number: number is not a valid phone number or short code")
	_, _, err = notifyd(t, db, "inbound-number", "assign", "-service", otherID)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-number is required")
	_, _, err = notifyd(t, db, "inbound-number", "assign", "-service", "9f1c0a4e-0000-4000-8000-000000000000", "-number", "07700900111")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no service")

	out = must(t, db, "inbound-number", "list", "-service", serviceID)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, out)
	assert.Contains(t, lines[1], "447700900999", "oldest first")
	assert.Contains(t, lines[2], "40604")
	assert.Equal(t, 1, len(strings.Split(strings.TrimSpace(must(t, db, "inbound-number", "list", "-service", otherID)), "\n")),
		"the other service has none")
	// The number became one of the service's SMS senders.
	assert.Contains(t, must(t, db, "sms-sender", "list", "-service", serviceID), "447700900999")
}
