package instrument

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// inboundNumberStore is an instrumented notify.InboundNumberStore: each
// method counted and timed under dao.{method in snake case}, as the
// Store's own methods are.
type inboundNumberStore struct {
	s     *store
	inner notify.InboundNumberStore
}

// AssignInboundNumber calls the wrapped store's AssignInboundNumber.
func (i inboundNumberStore) AssignInboundNumber(ctx context.Context, n *notify.InboundNumber) error {
	defer i.s.done("dao.assign_inbound_number", time.Now())
	return i.inner.AssignInboundNumber(ctx, n)
}

// GetInboundNumber calls the wrapped store's GetInboundNumber.
func (i inboundNumberStore) GetInboundNumber(ctx context.Context, number string) (*notify.InboundNumber, error) {
	defer i.s.done("dao.get_inbound_number", time.Now())
	return i.inner.GetInboundNumber(ctx, number)
}

// ListInboundNumbers calls the wrapped store's ListInboundNumbers.
func (i inboundNumberStore) ListInboundNumbers(ctx context.Context, serviceID uuid.UUID) ([]notify.InboundNumber, error) {
	defer i.s.done("dao.list_inbound_numbers", time.Now())
	return i.inner.ListInboundNumbers(ctx, serviceID)
}

// GetInboundSMS calls the wrapped store's GetInboundSMS.
func (i inboundNumberStore) GetInboundSMS(ctx context.Context, serviceID, id uuid.UUID) (*notify.InboundSMS, error) {
	defer i.s.done("dao.get_inbound_sms", time.Now())
	return i.inner.GetInboundSMS(ctx, serviceID, id)
}
