package notify

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"
)

// The read cache's SenderStore (senders.go): the lists the send path reads
// are cached like templates; writes go to the Store behind the cache and
// drop the service's cached list. The cache has the ability whatever the
// Store behind it, and answers ErrUnsupported when that Store lacks it.

var _ SenderStore = (*cachedStore)(nil)

func (c *cachedStore) senders(op string) (SenderStore, error) {
	s, ok := storeAs[SenderStore](c.Store)
	if !ok {
		return nil, unsupported(op, "ListSMSSenders")
	}
	return s, nil
}

// ListSMSSenders returns a service's live SMS senders, from the cache when
// they are there.
func (c *cachedStore) ListSMSSenders(ctx context.Context, serviceID uuid.UUID) ([]SMSSender, error) {
	st, err := c.senders("list SMS senders")
	if err != nil {
		return nil, err
	}
	list, err := readThrough(ctx, c, readKey{kind: readSMSSenders, service: serviceID}, func(ctx context.Context) ([]SMSSender, error) {
		return st.ListSMSSenders(ctx, serviceID)
	})
	if err != nil {
		return nil, err
	}
	return copySMSSenders(list), nil
}

// ListEmailReplyTo returns a service's live reply-to addresses, from the
// cache when they are there.
func (c *cachedStore) ListEmailReplyTo(ctx context.Context, serviceID uuid.UUID) ([]EmailReplyTo, error) {
	st, err := c.senders("list email reply-to addresses")
	if err != nil {
		return nil, err
	}
	list, err := readThrough(ctx, c, readKey{kind: readEmailReplyTo, service: serviceID}, func(ctx context.Context) ([]EmailReplyTo, error) {
		return st.ListEmailReplyTo(ctx, serviceID)
	})
	if err != nil {
		return nil, err
	}
	return copyReplyTo(list), nil
}

// CreateSMSSender stores a sender and drops the service's cached senders.
func (c *cachedStore) CreateSMSSender(ctx context.Context, s *SMSSender) error {
	st, err := c.senders("create SMS sender")
	if err != nil {
		return err
	}
	defer c.invalidate(readKey{kind: readSMSSenders, service: s.ServiceID})
	return st.CreateSMSSender(ctx, s)
}

// UpdateSMSSender changes a sender and drops the service's cached senders.
func (c *cachedStore) UpdateSMSSender(ctx context.Context, s *SMSSender) error {
	st, err := c.senders("update SMS sender")
	if err != nil {
		return err
	}
	defer c.invalidate(readKey{kind: readSMSSenders, service: s.ServiceID})
	return st.UpdateSMSSender(ctx, s)
}

// ArchiveSMSSender archives a sender and drops the service's cached
// senders.
func (c *cachedStore) ArchiveSMSSender(ctx context.Context, serviceID, id uuid.UUID, at time.Time) error {
	st, err := c.senders("archive SMS sender")
	if err != nil {
		return err
	}
	defer c.invalidate(readKey{kind: readSMSSenders, service: serviceID})
	return st.ArchiveSMSSender(ctx, serviceID, id, at)
}

// CreateEmailReplyTo stores a reply-to address and drops the service's
// cached ones.
func (c *cachedStore) CreateEmailReplyTo(ctx context.Context, r *EmailReplyTo) error {
	st, err := c.senders("create email reply-to address")
	if err != nil {
		return err
	}
	defer c.invalidate(readKey{kind: readEmailReplyTo, service: r.ServiceID})
	return st.CreateEmailReplyTo(ctx, r)
}

// UpdateEmailReplyTo changes a reply-to address and drops the service's
// cached ones.
func (c *cachedStore) UpdateEmailReplyTo(ctx context.Context, r *EmailReplyTo) error {
	st, err := c.senders("update email reply-to address")
	if err != nil {
		return err
	}
	defer c.invalidate(readKey{kind: readEmailReplyTo, service: r.ServiceID})
	return st.UpdateEmailReplyTo(ctx, r)
}

// ArchiveEmailReplyTo archives a reply-to address and drops the service's
// cached ones.
func (c *cachedStore) ArchiveEmailReplyTo(ctx context.Context, serviceID, id uuid.UUID, at time.Time) error {
	st, err := c.senders("archive email reply-to address")
	if err != nil {
		return err
	}
	defer c.invalidate(readKey{kind: readEmailReplyTo, service: serviceID})
	return st.ArchiveEmailReplyTo(ctx, serviceID, id, at)
}

func copySMSSenders(list []SMSSender) []SMSSender {
	out := slices.Clone(list)
	for i := range out {
		out[i].InboundNumberID = senderPtr(list[i].InboundNumberID)
		out[i].UpdatedAt = senderPtr(list[i].UpdatedAt)
	}
	return out
}

func copyReplyTo(list []EmailReplyTo) []EmailReplyTo {
	out := slices.Clone(list)
	for i := range out {
		out[i].UpdatedAt = senderPtr(list[i].UpdatedAt)
	}
	return out
}

// senderPtr returns a pointer to a copy of *p, or nil.
func senderPtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
