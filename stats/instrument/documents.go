package instrument

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// documentStore is an instrumented notify.DocumentStore: each method
// counted and timed under dao.{method in snake case}, as the Store's own
// methods are.
type documentStore struct {
	s     *store
	inner notify.DocumentStore
}

// PutDocument calls the wrapped store's PutDocument.
func (d documentStore) PutDocument(ctx context.Context, doc *notify.Document) error {
	defer d.s.done("dao.put_document", time.Now())
	return d.inner.PutDocument(ctx, doc)
}

// GetDocument calls the wrapped store's GetDocument.
func (d documentStore) GetDocument(ctx context.Context, serviceID, id uuid.UUID) (*notify.Document, error) {
	defer d.s.done("dao.get_document", time.Now())
	return d.inner.GetDocument(ctx, serviceID, id)
}

// DeleteDocument calls the wrapped store's DeleteDocument.
func (d documentStore) DeleteDocument(ctx context.Context, serviceID, id uuid.UUID) error {
	defer d.s.done("dao.delete_document", time.Now())
	return d.inner.DeleteDocument(ctx, serviceID, id)
}

// DeleteExpiredDocuments calls the wrapped store's DeleteExpiredDocuments.
func (d documentStore) DeleteExpiredDocuments(ctx context.Context, now time.Time) (int, error) {
	defer d.s.done("dao.delete_expired_documents", time.Now())
	return d.inner.DeleteExpiredDocuments(ctx, now)
}
