package fsdocs_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/store/fsdocs"
	"github.com/notifykit/notify/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.RunDocumentStore(t, func(t *testing.T) notify.DocumentStore {
		s, err := fsdocs.New(filepath.Join(t.TempDir(), "documents"))
		require.NoError(t, err)
		return s
	})
}

func TestFilesHoldNoPlaintextAndArePrivate(t *testing.T) {
	dir := t.TempDir()
	s, err := fsdocs.New(dir)
	require.NoError(t, err)
	d := &notify.Document{ID: uuid.New(), ServiceID: uuid.New(), MimeType: "text/plain",
		Ciphertext: []byte("sealed bytes"), ExpiresAt: time.Now().Add(time.Hour), CreatedAt: time.Now()}
	require.NoError(t, s.PutDocument(t.Context(), d))
	p := filepath.Join(dir, d.ServiceID.String(), d.ID.String())
	info, err := os.Stat(p)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	dinfo, err := os.Stat(filepath.Dir(p))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), dinfo.Mode().Perm())
	entries, err := os.ReadDir(filepath.Dir(p))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "the temporary file was left behind")
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.True(t, bytes.HasSuffix(b, []byte("sealed bytes")))
}

func TestDeleteExpiredRemovesStaleTempFilesAndEmptyDirs(t *testing.T) {
	dir := t.TempDir()
	s, err := fsdocs.New(dir)
	require.NoError(t, err)
	svc := uuid.New()
	d := &notify.Document{ID: uuid.New(), ServiceID: svc, MimeType: "text/plain", Ciphertext: []byte("x"),
		ExpiresAt: time.Now().Add(-time.Minute), CreatedAt: time.Now().Add(-time.Hour)}
	require.NoError(t, s.PutDocument(t.Context(), d))
	stale := filepath.Join(dir, svc.String(), ".tmp-123")
	require.NoError(t, os.WriteFile(stale, []byte("half"), 0o600))
	old := time.Now().Add(-2 * time.Hour)
	require.NoError(t, os.Chtimes(stale, old, old))
	stranger := filepath.Join(dir, "README")
	require.NoError(t, os.WriteFile(stranger, []byte("not mine"), 0o600))

	n, err := s.DeleteExpiredDocuments(t.Context(), time.Now())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	svcDir := filepath.Join(dir, svc.String())
	entries, err := os.ReadDir(svcDir)
	require.NoError(t, err, "a directory just emptied is left for a later pass")
	assert.Empty(t, entries, "the expired document and the stale temporary file are gone")

	// Left alone for a while, the empty directory goes.
	require.NoError(t, os.Chtimes(svcDir, old, old))
	n, err = s.DeleteExpiredDocuments(t.Context(), time.Now())
	require.NoError(t, err)
	assert.Zero(t, n)
	_, err = os.Stat(svcDir)
	assert.True(t, os.IsNotExist(err), "the empty service directory stayed")
	_, err = os.Stat(stranger)
	assert.NoError(t, err, "a file that is not a document was deleted")
}

func TestNewRefusesEmptyDir(t *testing.T) {
	_, err := fsdocs.New("")
	assert.Error(t, err)
}
