package smtp_test

import (
	"context"
	"net/mail"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/provider/providertest"
	"github.com/notifykit/notify/provider/smtp"
)

func TestReplyToIsOneBareAddress(t *testing.T) {
	t.Parallel()
	f := newFakeSMTP(t, "", nil)
	p := newProvider(t, smtp.Options{Host: "127.0.0.1", Port: f.port(), TLS: smtp.NoTLS})
	_, err := p.Send(context.Background(), providertest.FullMessage(notify.Email))
	require.NoError(t, err)
	require.Len(t, f.received(), 1)
	msg, err := mail.ReadMessage(strings.NewReader(f.received()[0]))
	require.NoError(t, err)
	assert.Equal(t, "<replies@example.com>", msg.Header.Get("Reply-To"))

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
			_, err := p.Send(context.Background(), m)
			require.Error(t, err)
			assert.True(t, notify.IsPermanent(err), "a bad address is never retried")
			assert.Len(t, f.received(), 1, "nothing more reached the server")
		})
	}
}
