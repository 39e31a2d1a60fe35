package otel

import (
	"context"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"

	"github.com/notifykit/notify"
)

// inboundNumberStore is a traced notify.InboundNumberStore: each method in
// a client span named notify.{method in snake case}. Phone numbers are not
// recorded.
type inboundNumberStore struct {
	inner notify.InboundNumberStore
	tr    trace.Tracer
}

// AssignInboundNumber calls the wrapped store's in a
// notify.assign_inbound_number span.
func (i inboundNumberStore) AssignInboundNumber(ctx context.Context, n *notify.InboundNumber) error {
	ctx, span := startCall(ctx, i.tr, "notify.assign_inbound_number", serviceAttr(n.ServiceID))
	err := i.inner.AssignInboundNumber(ctx, n)
	endCall(span, err)
	return err
}

// GetInboundNumber calls the wrapped store's in a notify.get_inbound_number
// span, with the id of the service that has the number when there is one.
func (i inboundNumberStore) GetInboundNumber(ctx context.Context, number string) (*notify.InboundNumber, error) {
	ctx, span := startCall(ctx, i.tr, "notify.get_inbound_number")
	n, err := i.inner.GetInboundNumber(ctx, number)
	if n != nil {
		span.SetAttributes(serviceAttr(n.ServiceID))
	}
	endCall(span, err)
	return n, err
}

// ListInboundNumbers calls the wrapped store's in a
// notify.list_inbound_numbers span.
func (i inboundNumberStore) ListInboundNumbers(ctx context.Context, serviceID uuid.UUID) ([]notify.InboundNumber, error) {
	ctx, span := startCall(ctx, i.tr, "notify.list_inbound_numbers", serviceAttr(serviceID))
	ns, err := i.inner.ListInboundNumbers(ctx, serviceID)
	endCall(span, err)
	return ns, err
}

// GetInboundSMS calls the wrapped store's in a notify.get_inbound_sms span.
func (i inboundNumberStore) GetInboundSMS(ctx context.Context, serviceID, id uuid.UUID) (*notify.InboundSMS, error) {
	ctx, span := startCall(ctx, i.tr, "notify.get_inbound_sms", serviceAttr(serviceID))
	m, err := i.inner.GetInboundSMS(ctx, serviceID, id)
	endCall(span, err)
	return m, err
}
