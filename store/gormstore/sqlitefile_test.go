//go:build unix

package gormstore

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

// TestSQLiteFilesAreOwnerOnly: a new database, and the WAL and shared
// memory files SQLite makes beside it, are readable by their owner only,
// whatever the umask; an existing file keeps its mode.
func TestSQLiteFilesAreOwnerOnly(t *testing.T) {
	old := syscall.Umask(0o002) // a permissive umask, as on many desktops
	t.Cleanup(func() { syscall.Umask(old) })

	dir := t.TempDir()
	path := filepath.Join(dir, "notify.db")
	st, err := OpenSQLite(context.Background(), path, Options{})
	require.NoError(t, err)
	require.NoError(t, st.CreateService(context.Background(), &notify.Service{ID: uuid.New(), Name: "S"}))
	for _, name := range []string{"notify.db", "notify.db-wal", "notify.db-shm"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err, name)
		assert.Equal(t, fs.FileMode(0o600), fi.Mode().Perm(), name)
	}
	require.NoError(t, st.Close())

	shared := filepath.Join(dir, "shared.db")
	require.NoError(t, os.WriteFile(shared, nil, 0o640))
	require.NoError(t, os.Chmod(shared, 0o640))
	st, err = OpenSQLite(context.Background(), shared, Options{})
	require.NoError(t, err)
	require.NoError(t, st.Close())
	fi, err := os.Stat(shared)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o640), fi.Mode().Perm(), "an existing file keeps its mode")
}
