package otel

import (
	"context"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"

	"github.com/notifykit/notify"
)

// channelCounter is a traced notify.ChannelCounter.
type channelCounter struct {
	inner notify.ChannelCounter
	tr    trace.Tracer
}

// CountNotificationsByChannel calls the wrapped store's in a
// notify.count_notifications_by_channel client span with the service's id.
func (c channelCounter) CountNotificationsByChannel(ctx context.Context, serviceID uuid.UUID, since time.Time) (notify.DailyCounts, error) {
	ctx, span := startCall(ctx, c.tr, "notify.count_notifications_by_channel", serviceAttr(serviceID))
	counts, err := c.inner.CountNotificationsByChannel(ctx, serviceID, since)
	endCall(span, err)
	return counts, err
}
