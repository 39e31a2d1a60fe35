package notify_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
	"github.com/notifykit/notify/store/memstore"
)

// inboundOnlyStore keeps inbound numbers but no SMS senders.
type inboundOnlyStore struct {
	notify.Store
	notify.InboundNumberStore
}

// A Store that keeps inbound numbers but no SMS senders still gets its
// numbers assigned, the first one becoming Service.SMSSender, whether or
// not the read cache sits in front of it (the cache answers the sender
// methods for any Store, with ErrUnsupported when the Store lacks them).
func TestAssignInboundNumberWithoutSenderStore(t *testing.T) {
	t.Parallel()
	for name, ttl := range map[string]int{"read cache": 0, "no read cache": -1} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ms := memstore.New()
			env := notifytest.New(t, notifytest.Options{Config: func(c *notify.Config) {
				c.Store = inboundOnlyStore{Store: ms, InboundNumberStore: ms}
				if ttl < 0 {
					c.ReadCacheTTL = -1
				}
			}})
			svc := env.Service(t, notify.Service{Name: "Inbound"})
			in, err := env.Notifier.AssignInboundNumber(ctx, svc.ID, "07700 900999")
			require.NoError(t, err)
			assert.Equal(t, "447700900999", in.Number)
			got, err := env.Notifier.Store().GetService(ctx, svc.ID)
			require.NoError(t, err)
			assert.Equal(t, "447700900999", got.SMSSender, "the number is the sender of a service without one")
		})
	}
}
