package notify

import (
	"context"
	"time"
)

// recordSentContext returns the context that recording an accepted send
// runs under. It outlives ctx, since the message is with the provider
// and giving up would risk a second send after the lease, but not for
// ever: it ends recordSentTimeout after the send, or Config.RecordSentGrace
// after ctx ends (the worker is stopping), whichever comes first.
func (n *Notifier) recordSentContext(ctx context.Context) (context.Context, context.CancelFunc) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordSentTimeout)
	stop := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(n.cfg.RecordSentGrace, cancel)
		context.AfterFunc(rctx, func() { t.Stop() })
	})
	return rctx, func() {
		stop()
		cancel()
	}
}
