package notify_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
)

// TestSMSSenderShortCodes: a sender may be a UK short code (five digits
// starting 6, 7 or 8), sent as it is; other numbers that are neither a
// short code nor a phone number are refused, as GOV.UK Notify's admin app
// refuses them.
func TestSMSSenderShortCodes(t *testing.T) {
	env := notifytest.New(t)
	n := env.Notifier
	svc := env.Service(t, notify.Service{Name: "Short codes"})
	for _, ok := range []string{"60000", "70123", "89999"} {
		s, err := n.AddSMSSender(ctx, notify.SMSSender{ServiceID: svc.ID, SMSSender: ok})
		require.NoError(t, err, ok)
		assert.Equal(t, ok, s.FromNumber(), "a short code is sent as it is")
	}
	for _, bad := range []string{"50000", "90000", "6000", "600000", "123456", "6000 0"} {
		_, err := n.AddSMSSender(ctx, notify.SMSSender{ServiceID: svc.ID, SMSSender: bad})
		assert.Error(t, err, bad)
	}
	assert.NoError(t, notify.CheckSMSSender("60000"))
	assert.Error(t, notify.CheckSMSSender("12345"))
}
