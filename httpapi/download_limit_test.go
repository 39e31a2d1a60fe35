package httpapi_test

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify/httpapi"
)

// TestDownloadConfirmationAttemptsAreLimited: after MaxConfirmAttempts
// wrong addresses a document's page answers 429, even to the right
// address, while other documents' pages are unaffected; the right address
// given before the limit clears the count.
func TestDownloadConfirmationAttemptsAreLimited(t *testing.T) {
	e := fileEnv(t, "Files", "help@example.gov.uk")
	content := "secret,data\n1,2\n"
	file := map[string]any{"file": base64.StdEncoding.EncodeToString([]byte(content)), "filename": "a.csv"}
	link, _ := e.sendFile(t, file)
	other, _ := e.sendFile(t, file)
	cleared, _ := e.sendFile(t, file)

	for i := range httpapi.MaxConfirmAttempts {
		rec := e.confirm(t, link, "guess"+strconv.Itoa(i)+"@example.gov.uk")
		require.Equal(t, 400, rec.Code, "attempt %d", i+1)
	}
	rec := e.confirm(t, link, "someone@example.gov.uk")
	assert.Equal(t, 429, rec.Code, "the right address after too many wrong ones")
	assert.NotContains(t, rec.Body.String(), "secret,data")
	assert.Contains(t, rec.Body.String(), "Too many attempts")
	assert.Contains(t, rec.Body.String(), "try again in 60 minutes")
	assert.Contains(t, rec.Body.String(), `href="mailto:help@example.gov.uk"`)
	assert.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
	retry, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	require.NoError(t, err)
	assert.InDelta(t, 3600, retry, 5)
	get := e.get(t, link)
	assert.Equal(t, 429, get.Code, "the page itself says so")
	assert.NotContains(t, get.Body.String(), `name="email_address"`)

	// Other documents are not affected.
	rec = e.confirm(t, other, "SOMEONE@example.gov.uk")
	require.Equal(t, 200, rec.Code)
	assert.Equal(t, content, rec.Body.String())

	// The right address before the limit clears the count.
	for range httpapi.MaxConfirmAttempts - 1 {
		require.Equal(t, 400, e.confirm(t, cleared, "wrong@example.gov.uk").Code)
	}
	require.Equal(t, 200, e.confirm(t, cleared, "someone@example.gov.uk").Code)
	for range httpapi.MaxConfirmAttempts - 1 {
		require.Equal(t, 400, e.confirm(t, cleared, "wrong@example.gov.uk").Code)
	}
	assert.Equal(t, 200, e.confirm(t, cleared, "someone@example.gov.uk").Code)

	// An empty address counts too.
	empty, _ := e.sendFile(t, file)
	for range httpapi.MaxConfirmAttempts {
		require.Equal(t, 400, e.confirm(t, empty, " ").Code)
	}
	assert.Equal(t, 429, e.confirm(t, empty, "someone@example.gov.uk").Code)
}

// TestDownloadLimitNeedsTheKey: requests without a document's key are
// not counted, so nobody can lock a page whose link they do not have.
func TestDownloadLimitNeedsTheKey(t *testing.T) {
	e := fileEnv(t, "Files", "help@example.gov.uk")
	file := map[string]any{"file": base64.StdEncoding.EncodeToString([]byte("a,b\n")), "filename": "a.csv"}
	link, _ := e.sendFile(t, file)
	u, err := url.Parse(link)
	require.NoError(t, err)
	wrong := *u
	wrong.RawQuery = "key=" + strings.Repeat("A", 43)
	for range 3 * httpapi.MaxConfirmAttempts {
		require.Equal(t, 404, e.confirm(t, wrong.String(), "guess@example.gov.uk").Code)
	}
	assert.Equal(t, 200, e.confirm(t, link, "someone@example.gov.uk").Code)
}
