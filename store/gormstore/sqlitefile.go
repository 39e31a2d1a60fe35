package gormstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// createPrivate creates the SQLite database file at path, readable and
// writable by its owner only (0600), unless it exists: a database holds
// sealed secrets and every recipient, and SQLite gives its -wal and -shm
// files the mode of the database file. An existing file keeps its mode.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("gormstore: create sqlite %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("gormstore: create sqlite %s: %w", path, err)
	}
	return nil
}
