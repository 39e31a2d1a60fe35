package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

// testContactLink checks that a service's contact link, which files sent
// by email need, is stored, read and updated like its other fields.
func testContactLink(t *testing.T, newStore func(t *testing.T) notify.Store) {
	s := newStore(t)
	ctx := t.Context()
	svc := newService()
	svc.ContactLink = "https://example.com/contact-us"
	require.NoError(t, s.CreateService(ctx, svc))
	got, err := s.GetService(ctx, svc.ID)
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/contact-us", got.ContactLink)

	got.ContactLink = "help@example.com"
	got.UpdatedAt = at(time.Hour)
	require.NoError(t, s.UpdateService(ctx, got))
	again, err := s.GetService(ctx, svc.ID)
	require.NoError(t, err)
	assert.Equal(t, "help@example.com", again.ContactLink)

	got.ContactLink = ""
	require.NoError(t, s.UpdateService(ctx, got))
	again, err = s.GetService(ctx, svc.ID)
	require.NoError(t, err)
	assert.Empty(t, again.ContactLink, "a removed contact link came back")
}

func newDocument(serviceID uuid.UUID, expires time.Time) *notify.Document {
	return &notify.Document{
		ID: uuid.New(), ServiceID: serviceID, Filename: "report ’ 1.pdf", MimeType: "application/pdf",
		Ciphertext: []byte{0, 1, 2, 0xff, 'x'}, ConfirmEmail: true, EmailHash: []byte("0123456789abcdef0123456789abcdef"),
		ExpiresAt: expires, CreatedAt: at(0),
	}
}

func normDocument(d notify.Document) notify.Document {
	d.ExpiresAt, d.CreatedAt = utc(d.ExpiresAt), utc(d.CreatedAt)
	if len(d.EmailHash) == 0 {
		d.EmailHash = nil
	}
	return d
}

// testDocuments checks the optional DocumentStore ability: files sent by
// email, kept as ciphertext with their metadata until they expire.
func testDocuments(t *testing.T, newStore func(t *testing.T) notify.Store) {
	s := newStore(t)
	ds := ability[notify.DocumentStore](t, s, "DocumentStore")
	runDocuments(t, ds)
}

// RunDocumentStore checks a DocumentStore that is not a Store (such as
// store/fsdocs) as Run checks the DocumentStore ability of a Store.
// newStore must return a fresh, empty DocumentStore on every call.
func RunDocumentStore(t *testing.T, newStore func(t *testing.T) notify.DocumentStore) {
	runDocuments(t, newStore(t))
}

func runDocuments(t *testing.T, ds notify.DocumentStore) {
	ctx := t.Context()
	type svcRef struct{ ID uuid.UUID }
	type fix struct{ svc svcRef }
	f, other := fix{svcRef{uuid.New()}}, fix{svcRef{uuid.New()}}

	doc := newDocument(f.svc.ID, at(24*time.Hour))
	require.NoError(t, ds.PutDocument(ctx, doc))

	t.Run("round trip", func(t *testing.T) {
		got, err := ds.GetDocument(ctx, f.svc.ID, doc.ID)
		require.NoError(t, err)
		assert.Equal(t, normDocument(*doc), normDocument(*got))
	})
	t.Run("no confirmation, no filename", func(t *testing.T) {
		plain := newDocument(f.svc.ID, at(24*time.Hour))
		plain.Filename, plain.ConfirmEmail, plain.EmailHash = "", false, nil
		require.NoError(t, ds.PutDocument(ctx, plain))
		got, err := ds.GetDocument(ctx, f.svc.ID, plain.ID)
		require.NoError(t, err)
		assert.Equal(t, normDocument(*plain), normDocument(*got))
	})
	t.Run("duplicate id", func(t *testing.T) {
		dup := *doc
		assert.ErrorIs(t, ds.PutDocument(ctx, &dup), notify.ErrDuplicate)
	})
	t.Run("another service's id is not found", func(t *testing.T) {
		_, err := ds.GetDocument(ctx, other.svc.ID, doc.ID)
		assert.ErrorIs(t, err, notify.ErrNotFound)
		require.NoError(t, ds.DeleteDocument(ctx, other.svc.ID, doc.ID))
		_, err = ds.GetDocument(ctx, f.svc.ID, doc.ID)
		assert.NoError(t, err, "another service deleted the document")
	})
	t.Run("unknown id", func(t *testing.T) {
		_, err := ds.GetDocument(ctx, f.svc.ID, uuid.New())
		assert.ErrorIs(t, err, notify.ErrNotFound)
		assert.NoError(t, ds.DeleteDocument(ctx, f.svc.ID, uuid.New()))
	})
	t.Run("delete", func(t *testing.T) {
		gone := newDocument(f.svc.ID, at(24*time.Hour))
		require.NoError(t, ds.PutDocument(ctx, gone))
		require.NoError(t, ds.DeleteDocument(ctx, f.svc.ID, gone.ID))
		_, err := ds.GetDocument(ctx, f.svc.ID, gone.ID)
		assert.ErrorIs(t, err, notify.ErrNotFound)
	})
	t.Run("delete expired", func(t *testing.T) {
		expired := newDocument(f.svc.ID, at(time.Hour))
		edge := newDocument(other.svc.ID, at(2*time.Hour))
		require.NoError(t, ds.PutDocument(ctx, expired))
		require.NoError(t, ds.PutDocument(ctx, edge))
		n, err := ds.DeleteExpiredDocuments(ctx, at(2*time.Hour))
		require.NoError(t, err)
		assert.Equal(t, 2, n, "documents expiring at or before now go")
		for _, d := range []*notify.Document{expired, edge} {
			_, err := ds.GetDocument(ctx, d.ServiceID, d.ID)
			assert.ErrorIs(t, err, notify.ErrNotFound)
		}
		_, err = ds.GetDocument(ctx, f.svc.ID, doc.ID)
		assert.NoError(t, err, "a live document was deleted")
		n, err = ds.DeleteExpiredDocuments(ctx, at(2*time.Hour))
		require.NoError(t, err)
		assert.Zero(t, n)
	})
	t.Run("cancelled context", func(t *testing.T) {
		_, err := ds.GetDocument(cancelled(t), f.svc.ID, doc.ID)
		assert.Error(t, err)
		assert.Error(t, ds.PutDocument(cancelled(t), newDocument(f.svc.ID, at(time.Hour))))
	})
}
