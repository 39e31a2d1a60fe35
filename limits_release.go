package notify

import (
	"context"
	"errors"
	"log/slog"
)

// releaseDailySlot gives back the daily-limit places a send reserved for
// nt (one per limit it counts against) when nt was not stored, if the
// Cache is a LimitReleaser; otherwise the places stay taken and the
// counters err on the strict side until they expire.
func (n *Notifier) releaseDailySlot(ctx context.Context, c *Caller, nt *Notification, reserved bool) {
	if reserved {
		n.releaseSlots(ctx, c, nt, n.countersOf(c, nt))
	}
}

// releaseSlots gives back nt's places in cs. A failure is logged: the counter
// is re-counted from the Store once it expires.
func (n *Notifier) releaseSlots(ctx context.Context, c *Caller, nt *Notification, cs []dailyCounter) {
	lr, ok := n.cache.(LimitReleaser)
	if !ok || len(cs) == 0 {
		return
	}
	// The send may have gone: give the places back all the same.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), n.cfg.GroupCommit.Timeout)
	defer cancel()
	for _, d := range cs {
		_, err := lr.DecrIfPositive(ctx, d.key)
		if err != nil && !errors.Is(err, ErrCacheMiss) {
			n.log.WarnContext(ctx, "daily limit: cache release failed; the place stays taken until the counter expires",
				slog.String("service_id", c.Service.ID.String()), slog.String("notification_id", nt.ID.String()),
				slog.String("limit", string(d.name)), slog.Any("error", err))
		}
	}
}
