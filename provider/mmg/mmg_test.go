package mmg_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/internal/smsreceipt"
	"github.com/notifykit/notify/provider/mmg"
)

func TestReceipt(t *testing.T) {
	t.Parallel()
	id := uuid.New()
	cases := []struct {
		status string
		want   notify.Status
		known  bool
	}{
		{"2", notify.StatusPermanentFailure, true},
		{"3", notify.StatusDelivered, true},
		{"4", notify.StatusTemporaryFailure, true},
		{"5", notify.StatusPermanentFailure, true},
		{"1", notify.StatusTechnicalFailure, false},
		{"elephant", notify.StatusTechnicalFailure, false},
	}
	for _, c := range cases {
		t.Run(c.status, func(t *testing.T) {
			t.Parallel()
			r, err := mmg.Receipt(c.status, id.String(), "5")
			assert.Equal(t, c.want, r.Status)
			assert.Equal(t, id, r.NotificationID)
			assert.Equal(t, "mmg", r.Provider)
			assert.Equal(t, c.status+"/5", r.ProviderStatus)
			if c.known {
				require.NoError(t, err)
				return
			}
			var use *smsreceipt.UnknownStatusError
			require.ErrorAs(t, err, &use)
			assert.Equal(t, "MMG callback failed: status "+c.status+" not found.", err.Error())
		})
	}
}
