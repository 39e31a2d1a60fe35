package otel

import (
	"context"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"

	"github.com/notifykit/notify"
)

// documentStore is a traced notify.DocumentStore: each method in a client
// span named notify.{method in snake case} with the service's id. A
// document's id, name, contents and recipient hash are not recorded: with
// the key in its link, the id is what a download asks for.
type documentStore struct {
	inner notify.DocumentStore
	tr    trace.Tracer
}

// PutDocument calls the wrapped store's in a notify.put_document span.
func (d documentStore) PutDocument(ctx context.Context, doc *notify.Document) error {
	ctx, span := startCall(ctx, d.tr, "notify.put_document", serviceAttr(doc.ServiceID))
	err := d.inner.PutDocument(ctx, doc)
	endCall(span, err)
	return err
}

// GetDocument calls the wrapped store's in a notify.get_document span.
func (d documentStore) GetDocument(ctx context.Context, serviceID, id uuid.UUID) (*notify.Document, error) {
	ctx, span := startCall(ctx, d.tr, "notify.get_document", serviceAttr(serviceID))
	doc, err := d.inner.GetDocument(ctx, serviceID, id)
	endCall(span, err)
	return doc, err
}

// DeleteDocument calls the wrapped store's in a notify.delete_document
// span.
func (d documentStore) DeleteDocument(ctx context.Context, serviceID, id uuid.UUID) error {
	ctx, span := startCall(ctx, d.tr, "notify.delete_document", serviceAttr(serviceID))
	err := d.inner.DeleteDocument(ctx, serviceID, id)
	endCall(span, err)
	return err
}

// DeleteExpiredDocuments calls the wrapped store's in a
// notify.delete_expired_documents span, which says how many it deleted.
func (d documentStore) DeleteExpiredDocuments(ctx context.Context, now time.Time) (int, error) {
	ctx, span := startCall(ctx, d.tr, "notify.delete_expired_documents")
	n, err := d.inner.DeleteExpiredDocuments(ctx, now)
	span.SetAttributes(AttrAffected.Int(n))
	endCall(span, err)
	return n, err
}
