package seed_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify/seed"
)

// TestSeedContactLink: contact_link, which sending files by email needs,
// is set, changed and removed by loading the seed again.
func TestSeedContactLink(t *testing.T) {
	t.Parallel()
	n := newNotifier(t)
	for _, tc := range []struct{ doc, want string }{
		{seedDoc(t), "https://example.gov.uk/contact"},
		{strings.Replace(seedDoc(t), `"https://example.gov.uk/contact"`, `"help@example.gov.uk"`, 1), "help@example.gov.uk"},
		{strings.Replace(seedDoc(t), `"contact_link": "https://example.gov.uk/contact",`, "", 1), ""},
	} {
		f, err := seed.Parse([]byte(tc.doc))
		require.NoError(t, err)
		require.NoError(t, seed.Apply(ctx(), n, f))
		svc, err := n.Store().GetService(ctx(), seedService)
		require.NoError(t, err)
		assert.Equal(t, tc.want, svc.ContactLink)
	}
}
