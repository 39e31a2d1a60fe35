package ses_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/provider/providertest"
)

func TestReplyToIsOneBareAddress(t *testing.T) {
	t.Parallel()
	p := newProvider(t, nil)
	m := providertest.FullMessage(notify.Email)
	ref, err := p.Send(context.Background(), m)
	require.NoError(t, err)
	req, ok := p.fake.request(ref)
	require.True(t, ok)
	assert.Equal(t, []string{"replies@example.com"}, req.ReplyToAddresses)

	for name, bad := range map[string]string{
		"header injection": "replies@example.com\r\nBcc: victim@example.com",
		"bare line feed":   "replies@example.com\nX-Evil: 1",
		"two addresses":    "replies@example.com, other@example.com",
		"display name":     `"Support" <replies@example.com>`,
		"not an address":   "replies",
		"nul":              "replies@example.com\x00",
	} {
		t.Run(name, func(t *testing.T) {
			m := providertest.FullMessage(notify.Email)
			m.ReplyTo = bad
			before := p.fake.n.Load()
			_, err := p.Send(context.Background(), m)
			require.Error(t, err)
			assert.True(t, notify.IsPermanent(err), "a bad address is never retried")
			assert.Equal(t, before, p.fake.n.Load(), "nothing reached SES")
		})
	}
}
