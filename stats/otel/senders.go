package otel

import (
	"context"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"

	"github.com/notifykit/notify"
)

// senderStore is a traced notify.SenderStore: each method in a client span
// named notify.{method in snake case} with the service's id. Senders and
// reply-to addresses are not recorded.
type senderStore struct {
	inner notify.SenderStore
	tr    trace.Tracer
}

// CreateSMSSender calls the wrapped store's in a notify.create_sms_sender
// span.
func (st senderStore) CreateSMSSender(ctx context.Context, s *notify.SMSSender) error {
	ctx, span := startCall(ctx, st.tr, "notify.create_sms_sender", serviceAttr(s.ServiceID))
	err := st.inner.CreateSMSSender(ctx, s)
	endCall(span, err)
	return err
}

// UpdateSMSSender calls the wrapped store's in a notify.update_sms_sender
// span.
func (st senderStore) UpdateSMSSender(ctx context.Context, s *notify.SMSSender) error {
	ctx, span := startCall(ctx, st.tr, "notify.update_sms_sender", serviceAttr(s.ServiceID))
	err := st.inner.UpdateSMSSender(ctx, s)
	endCall(span, err)
	return err
}

// ArchiveSMSSender calls the wrapped store's in a notify.archive_sms_sender
// span.
func (st senderStore) ArchiveSMSSender(ctx context.Context, serviceID, id uuid.UUID, at time.Time) error {
	ctx, span := startCall(ctx, st.tr, "notify.archive_sms_sender", serviceAttr(serviceID))
	err := st.inner.ArchiveSMSSender(ctx, serviceID, id, at)
	endCall(span, err)
	return err
}

// ListSMSSenders calls the wrapped store's in a notify.list_sms_senders
// span.
func (st senderStore) ListSMSSenders(ctx context.Context, serviceID uuid.UUID) ([]notify.SMSSender, error) {
	ctx, span := startCall(ctx, st.tr, "notify.list_sms_senders", serviceAttr(serviceID))
	ss, err := st.inner.ListSMSSenders(ctx, serviceID)
	endCall(span, err)
	return ss, err
}

// CreateEmailReplyTo calls the wrapped store's in a
// notify.create_email_reply_to span.
func (st senderStore) CreateEmailReplyTo(ctx context.Context, r *notify.EmailReplyTo) error {
	ctx, span := startCall(ctx, st.tr, "notify.create_email_reply_to", serviceAttr(r.ServiceID))
	err := st.inner.CreateEmailReplyTo(ctx, r)
	endCall(span, err)
	return err
}

// UpdateEmailReplyTo calls the wrapped store's in a
// notify.update_email_reply_to span.
func (st senderStore) UpdateEmailReplyTo(ctx context.Context, r *notify.EmailReplyTo) error {
	ctx, span := startCall(ctx, st.tr, "notify.update_email_reply_to", serviceAttr(r.ServiceID))
	err := st.inner.UpdateEmailReplyTo(ctx, r)
	endCall(span, err)
	return err
}

// ArchiveEmailReplyTo calls the wrapped store's in a
// notify.archive_email_reply_to span.
func (st senderStore) ArchiveEmailReplyTo(ctx context.Context, serviceID, id uuid.UUID, at time.Time) error {
	ctx, span := startCall(ctx, st.tr, "notify.archive_email_reply_to", serviceAttr(serviceID))
	err := st.inner.ArchiveEmailReplyTo(ctx, serviceID, id, at)
	endCall(span, err)
	return err
}

// ListEmailReplyTo calls the wrapped store's in a notify.list_email_reply_to
// span.
func (st senderStore) ListEmailReplyTo(ctx context.Context, serviceID uuid.UUID) ([]notify.EmailReplyTo, error) {
	ctx, span := startCall(ctx, st.tr, "notify.list_email_reply_to", serviceAttr(serviceID))
	rs, err := st.inner.ListEmailReplyTo(ctx, serviceID)
	endCall(span, err)
	return rs, err
}
