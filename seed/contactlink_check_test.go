package seed_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/seed"
)

// TestSeedContactLinkChecked: a contact link the admin API would refuse
// is refused when the seed is read, naming the service and the field.
func TestSeedContactLinkChecked(t *testing.T) {
	t.Parallel()
	for bad, msg := range map[string]string{
		`javascript:alert(1)`:                  notify.MsgContactLinkURL,
		`https://example.gov.uk/\u0000contact`: notify.MsgContactLinkControl,
		`999`:                                  notify.MsgContactLinkEmergency,
		` `:                                    notify.MsgContactLinkEmpty,
	} {
		doc := strings.Replace(seedDoc(t), `"https://example.gov.uk/contact"`, `"`+bad+`"`, 1)
		require.NotEqual(t, seedDoc(t), doc)
		_, err := seed.Parse([]byte(doc))
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "contact_link", bad)
		assert.Contains(t, err.Error(), msg, bad)
	}
	// Surrounding spaces are trimmed, and loading again changes nothing.
	n := newNotifier(t)
	doc := strings.Replace(seedDoc(t), `"https://example.gov.uk/contact"`, `" https://example.gov.uk/contact "`, 1)
	for range 2 {
		f, err := seed.Parse([]byte(doc))
		require.NoError(t, err)
		require.NoError(t, seed.Apply(ctx(), n, f))
	}
	svc, err := n.Store().GetService(ctx(), seedService)
	require.NoError(t, err)
	assert.Equal(t, "https://example.gov.uk/contact", svc.ContactLink)
}
