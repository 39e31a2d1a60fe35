package memstore

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

var _ notify.DocumentStore = (*Store)(nil)

// docState holds the files sent by email, behind a lock of their own: they
// are read and written apart from everything else.
type docState struct {
	mu   sync.Mutex
	docs map[uuid.UUID]*notify.Document
}

func copyDocument(d *notify.Document) *notify.Document {
	c := *d
	c.Ciphertext = slices.Clone(d.Ciphertext)
	c.EmailHash = slices.Clone(d.EmailHash)
	return &c
}

// PutDocument stores a document sent by email.
func (s *Store) PutDocument(ctx context.Context, d *notify.Document) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.docs.mu.Lock()
	defer s.docs.mu.Unlock()
	if s.docs.docs == nil {
		s.docs.docs = map[uuid.UUID]*notify.Document{}
	}
	if _, ok := s.docs.docs[d.ID]; ok {
		return duplicate("document", d.ID)
	}
	c := copyDocument(d)
	c.ExpiresAt, c.CreatedAt = c.ExpiresAt.UTC().Truncate(time.Microsecond), c.CreatedAt.UTC().Truncate(time.Microsecond)
	s.docs.docs[d.ID] = c
	return nil
}

// GetDocument returns the service's document id, or ErrNotFound.
func (s *Store) GetDocument(ctx context.Context, serviceID, id uuid.UUID) (*notify.Document, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.docs.mu.Lock()
	defer s.docs.mu.Unlock()
	d, ok := s.docs.docs[id]
	if !ok || d.ServiceID != serviceID {
		return nil, notFound("document", id)
	}
	return copyDocument(d), nil
}

// DeleteDocument deletes the service's document id, if it exists.
func (s *Store) DeleteDocument(ctx context.Context, serviceID, id uuid.UUID) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.docs.mu.Lock()
	defer s.docs.mu.Unlock()
	if d, ok := s.docs.docs[id]; ok && d.ServiceID == serviceID {
		delete(s.docs.docs, id)
	}
	return nil
}

// DeleteExpiredDocuments deletes the documents expired at now.
func (s *Store) DeleteExpiredDocuments(ctx context.Context, now time.Time) (int, error) {
	if err := checkCtx(ctx); err != nil {
		return 0, err
	}
	s.docs.mu.Lock()
	defer s.docs.mu.Unlock()
	n := 0
	for id, d := range s.docs.docs {
		if !d.ExpiresAt.After(now) {
			delete(s.docs.docs, id)
			n++
		}
	}
	return n, nil
}
