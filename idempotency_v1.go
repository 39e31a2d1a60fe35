package notify

import (
	"context"
)

// SendV1Idempotent is SendV1 under the idempotency key key, as
// SendJSONIdempotent is SendJSON: the first request with the key sends; a
// later one with the same key and the same body (compared as JSON) within
// IdempotencyKeyTTL returns the same notification with replayed set, and
// sends nothing. The v1 answer ({"data": {"notification": {"id"}, "body",
// "template_version", "subject"}}) is made of the stored notification, so
// a replay answers what the first request did. A v1 request and a v2 one
// are different requests: the same key on both is refused. An empty key
// is SendV1.
func (n *Notifier) SendV1Idempotent(ctx context.Context, c *Caller, typ NotificationType, body []byte, key string) (nt *Notification, replayed bool, err error) {
	if key == "" {
		nt, err := n.SendV1(ctx, c, typ, body)
		return nt, false, err
	}
	if typ != SMS && typ != Email {
		// SendV1 has the refusal and its message.
		nt, err := n.SendV1(ctx, c, typ, body)
		return nt, false, err
	}
	if c, err = n.keyedCaller(ctx, c, key); err != nil {
		return nil, false, err
	}
	request := jsonRequest("v1 "+string(typ), body)
	return n.sendWithKey(ctx, c, key, request, func(ctx context.Context) (*Notification, error) {
		if err := n.checkDailyLimit(ctx, c, typ); err != nil {
			return nil, err
		}
		return n.sendV1(ctx, c, typ, body)
	})
}
