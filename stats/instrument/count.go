package instrument

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// daoCountNotificationsByChannel is the metric of the per-channel daily
// count.
const daoCountNotificationsByChannel = "dao.count_notifications_by_channel"

// channelCounter is an instrumented notify.ChannelCounter.
type channelCounter struct {
	inner notify.ChannelCounter
	store *store
}

// CountNotificationsByChannel calls the wrapped store's
// CountNotificationsByChannel.
func (c channelCounter) CountNotificationsByChannel(ctx context.Context, serviceID uuid.UUID, since time.Time) (notify.DailyCounts, error) {
	defer c.store.done(daoCountNotificationsByChannel, time.Now())
	return c.inner.CountNotificationsByChannel(ctx, serviceID, since)
}
