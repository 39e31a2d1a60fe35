package firetext_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/provider/firetext"
)

func TestReceipt(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status, code string
		want         notify.Status
		tip          bool
	}{
		{"0", "", notify.StatusDelivered, false},
		{"2", "", notify.StatusPending, false},
		{"1", "", notify.StatusPermanentFailure, true},
		{"1", "999", notify.StatusPermanentFailure, true},
		{"1", "000", notify.StatusTemporaryFailure, false},
		{"1", "101", notify.StatusPermanentFailure, false},
		{"1", "102", notify.StatusTemporaryFailure, false},
		{"1", "103", notify.StatusTemporaryFailure, false},
		{"1", "104", notify.StatusTemporaryFailure, false},
		{"1", "201", notify.StatusPermanentFailure, false},
		{"1", "301", notify.StatusPermanentFailure, false},
		{"1", "302", notify.StatusTemporaryFailure, false},
		{"1", "401", notify.StatusPermanentFailure, false},
		{"1", "900", notify.StatusTemporaryFailure, false},
	}
	for _, c := range cases {
		t.Run(c.status+"/"+c.code, func(t *testing.T) {
			t.Parallel()
			r, err := firetext.Receipt(c.status, "ref-1", c.code)
			require.NoError(t, err)
			assert.Equal(t, c.want, r.Status)
			assert.Equal(t, c.tip, r.TemporaryIfPending)
			assert.Equal(t, uuid.Nil, r.NotificationID, "a reference that is not a uuid is a provider reference")
			assert.Equal(t, "ref-1", r.ProviderReference)
			assert.Equal(t, "firetext", r.Provider)
		})
	}
	t.Run("unknown status", func(t *testing.T) {
		t.Parallel()
		r, err := firetext.Receipt("7", uuid.NewString(), "")
		assert.Equal(t, notify.StatusTechnicalFailure, r.Status)
		require.EqualError(t, err, "Firetext callback failed: status 7 not found.")
	})
}
