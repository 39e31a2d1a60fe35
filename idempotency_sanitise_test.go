package notify_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// A retry with the same key answers what the first request answered,
// sanitised_content included: the report is not stored with the
// notification, so the replay must build it again.
func TestIdempotentReplayKeepsSanitisedContent(t *testing.T) {
	t.Parallel()
	f, tpl := sanitiseFixture(t)
	n, live := f.env.Notifier, f.keys[notify.KeyTypeLive]
	want := map[string]notify.SanitisedValue{"name": {Unsanitised: evilValue, Sanitised: sanitisedValue}}

	t.Run("SendEmail", func(t *testing.T) {
		req := &notify.EmailRequest{EmailAddress: strangerEm, TemplateID: tpl.ID,
			Personalisation:    map[string]any{"name": evilValue, "other": "x"},
			SanitiseContentFor: []string{"name"}, IdempotencyKey: "sanitise-go"}
		first, err := n.SendEmail(ctx, live, req)
		require.NoError(t, err)
		assert.Equal(t, want, first.SanitisedContent)
		again, err := n.SendEmail(ctx, live, req)
		require.NoError(t, err)
		assert.Equal(t, first.ID, again.ID)
		assert.Equal(t, first.SanitisedContent, again.SanitisedContent, "the replay answers the same report")
	})

	t.Run("SendJSONIdempotent", func(t *testing.T) {
		body := []byte(`{"email_address": "` + strangerEm + `", "template_id": "` + tpl.ID.String() + `",
			"personalisation": {"name": "` + evilValue + `", "other": "x"}, "sanitise_content_for": ["name"]}`)
		first, replayed, err := n.SendJSONIdempotent(ctx, live, notify.Email, body, "sanitise-json")
		require.NoError(t, err)
		require.False(t, replayed)
		assert.Equal(t, want, first.SanitisedContent)
		again, replayed, err := n.SendJSONIdempotent(ctx, live, notify.Email, body, "sanitise-json")
		require.NoError(t, err)
		require.True(t, replayed)
		assert.Equal(t, first.ID, again.ID)
		assert.Equal(t, first.SanitisedContent, again.SanitisedContent, "the replay answers the same report")
	})

	t.Run("a replayed text message has none", func(t *testing.T) {
		body := []byte(`{"phone_number": "` + teamPhone + `", "template_id": "` + f.sms.ID.String() + `",
			"personalisation": {"name": "Jo"}}`)
		_, _, err := n.SendJSONIdempotent(ctx, live, notify.SMS, body, "sanitise-sms")
		require.NoError(t, err)
		again, replayed, err := n.SendJSONIdempotent(ctx, live, notify.SMS, body, "sanitise-sms")
		require.NoError(t, err)
		require.True(t, replayed)
		assert.Nil(t, again.SanitisedContent)
	})
}
