package notify

import (
	"context"
	"errors"
	"log/slog"
)

// releaseDailySlot gives back the daily-limit place a send reserved for nt
// when nt was not stored, if the Cache is a LimitReleaser; otherwise the
// place stays taken and the counter errs on the strict side until it
// expires. A failure is logged: the counter is re-counted from the Store
// once it expires.
func (n *Notifier) releaseDailySlot(ctx context.Context, c *Caller, nt *Notification, reserved bool) {
	if !reserved {
		return
	}
	lr, ok := n.cache.(LimitReleaser)
	if !ok {
		return
	}
	// The send may have gone: give the place back all the same.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), n.cfg.GroupCommit.Timeout)
	defer cancel()
	_, err := lr.DecrIfPositive(ctx, DailyLimitCacheKey(c.Service.ID, nt.CreatedAt))
	if err != nil && !errors.Is(err, ErrCacheMiss) {
		n.log.WarnContext(ctx, "daily limit: cache release failed; the place stays taken until the counter expires",
			slog.String("service_id", c.Service.ID.String()), slog.String("notification_id", nt.ID.String()),
			slog.Any("error", err))
	}
}
