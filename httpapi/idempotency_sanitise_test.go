package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// A retried email whose sanitise_content_for changed a value answers the
// first answer byte for byte, sanitised_content included.
func TestIdempotencyKeyReplayKeepsSanitisedContent(t *testing.T) {
	e := newEnv(t, notify.Service{})
	spec := newSpecChecker(t, e)
	tok := e.token(t, e.keys[notify.KeyTypeTeam])
	body := `{"email_address": "` + teamEmail + `", "template_id": "` + e.email.ID.String() + `",
		"personalisation": {"name": "[click](https://evil.example)"}, "sanitise_content_for": ["name"]}`
	first := sendWithKey(t, e.handler, tok, "/v2/notifications/email", body, spec, "sanitised-retry")
	require.Equal(t, http.StatusCreated, first.status, "%s", first.raw)
	require.NotEmpty(t, first.body["sanitised_content"], "%s", first.raw)
	again := sendWithKey(t, e.handler, tok, "/v2/notifications/email", body, spec, "sanitised-retry")
	require.Equal(t, http.StatusCreated, again.status, "%s", again.raw)
	assert.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
	assert.Equal(t, string(first.raw), string(again.raw), "the same answer, byte for byte")
}
