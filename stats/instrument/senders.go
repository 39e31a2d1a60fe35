package instrument

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// senderStore is an instrumented notify.SenderStore: each method counted
// and timed under dao.{method in snake case}, as the Store's own methods
// are.
type senderStore struct {
	s     *store
	inner notify.SenderStore
}

// CreateSMSSender calls the wrapped store's CreateSMSSender.
func (st senderStore) CreateSMSSender(ctx context.Context, s *notify.SMSSender) error {
	defer st.s.done("dao.create_sms_sender", time.Now())
	return st.inner.CreateSMSSender(ctx, s)
}

// UpdateSMSSender calls the wrapped store's UpdateSMSSender.
func (st senderStore) UpdateSMSSender(ctx context.Context, s *notify.SMSSender) error {
	defer st.s.done("dao.update_sms_sender", time.Now())
	return st.inner.UpdateSMSSender(ctx, s)
}

// ArchiveSMSSender calls the wrapped store's ArchiveSMSSender.
func (st senderStore) ArchiveSMSSender(ctx context.Context, serviceID, id uuid.UUID, at time.Time) error {
	defer st.s.done("dao.archive_sms_sender", time.Now())
	return st.inner.ArchiveSMSSender(ctx, serviceID, id, at)
}

// ListSMSSenders calls the wrapped store's ListSMSSenders.
func (st senderStore) ListSMSSenders(ctx context.Context, serviceID uuid.UUID) ([]notify.SMSSender, error) {
	defer st.s.done("dao.list_sms_senders", time.Now())
	return st.inner.ListSMSSenders(ctx, serviceID)
}

// CreateEmailReplyTo calls the wrapped store's CreateEmailReplyTo.
func (st senderStore) CreateEmailReplyTo(ctx context.Context, r *notify.EmailReplyTo) error {
	defer st.s.done("dao.create_email_reply_to", time.Now())
	return st.inner.CreateEmailReplyTo(ctx, r)
}

// UpdateEmailReplyTo calls the wrapped store's UpdateEmailReplyTo.
func (st senderStore) UpdateEmailReplyTo(ctx context.Context, r *notify.EmailReplyTo) error {
	defer st.s.done("dao.update_email_reply_to", time.Now())
	return st.inner.UpdateEmailReplyTo(ctx, r)
}

// ArchiveEmailReplyTo calls the wrapped store's ArchiveEmailReplyTo.
func (st senderStore) ArchiveEmailReplyTo(ctx context.Context, serviceID, id uuid.UUID, at time.Time) error {
	defer st.s.done("dao.archive_email_reply_to", time.Now())
	return st.inner.ArchiveEmailReplyTo(ctx, serviceID, id, at)
}

// ListEmailReplyTo calls the wrapped store's ListEmailReplyTo.
func (st senderStore) ListEmailReplyTo(ctx context.Context, serviceID uuid.UUID) ([]notify.EmailReplyTo, error) {
	defer st.s.done("dao.list_email_reply_to", time.Now())
	return st.inner.ListEmailReplyTo(ctx, serviceID)
}
