package fsdocs_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/store/fsdocs"
)

// The retention pass removes service directories it finds empty; a
// document written for such a service at the same moment must still be
// stored, not fail the send.
func TestPutDocumentRacesTheSweep(t *testing.T) {
	s, err := fsdocs.New(filepath.Join(t.TempDir(), "documents"))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			_, _ = s.DeleteExpiredDocuments(ctx, time.Now())
		}
	}()
	defer func() { cancel(); wg.Wait() }()
	now := time.Now()
	for i := range 1000 {
		// A new service each time: its directory is empty, or missing,
		// whenever the sweep looks.
		d := &notify.Document{ID: uuid.New(), ServiceID: uuid.New(), MimeType: "text/plain",
			Ciphertext: []byte("sealed"), ExpiresAt: now.Add(time.Hour), CreatedAt: now}
		require.NoError(t, s.PutDocument(t.Context(), d), "put %d", i)
		got, err := s.GetDocument(t.Context(), d.ServiceID, d.ID)
		require.NoError(t, err)
		require.Equal(t, d.ID, got.ID)
		// Leave the directory empty again for the sweep.
		require.NoError(t, s.DeleteDocument(t.Context(), d.ServiceID, d.ID))
	}
}
