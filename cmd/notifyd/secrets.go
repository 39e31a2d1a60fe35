package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/store/gormstore"
)

// The secret key seals API key secrets and callback URLs and tokens in the
// database. It comes from one of -secret-key-file, -secret-key or
// $NOTIFY_SECRET_KEY (the file with either of the others is an error),
// and must be at least 32 bytes: the bytes of the flag or variable, or of
// the file without its trailing white space. `openssl rand -base64 32 > notify.key` makes a good one.
//
// Without one, a development key is used:
//   - with SQLite, it is kept in its own file beside the database,
//     {db}.key, created with mode 0600 (a key an earlier version kept in
//     the database is moved there, its secrets re-sealed);
//   - with PostgreSQL, processes on several hosts must share it, so it is
//     kept in the database, with a warning: anyone who can read the
//     database can then open its secrets. Production deployments set a
//     key.
//
// `notifyd rotate-key` re-seals a database's secrets under a new key.

// devKeyFile is the development key file of an SQLite database.
func devKeyFile(db string) string { return db + ".key" }

// secretKey returns the key the server seals secrets with: the configured
// one, the development key file of an SQLite database, or nil (PostgreSQL:
// the Notifier keeps a development key in the database).
func secretKey(ctx context.Context, o *options, store *gormstore.Store, log *slog.Logger) ([]byte, error) {
	if o.postgres == "" {
		if fi, err := os.Stat(o.db); err == nil && fi.Mode().Perm()&0o077 != 0 {
			log.Warn("the database file can be read by other users: chmod 600 it (and its -wal and -shm files)",
				slog.String("file", o.db), slog.String("mode", fi.Mode().Perm().String()))
		}
	}
	if o.secretKey != "" {
		return []byte(o.secretKey), nil
	}
	if o.postgres != "" {
		return nil, nil
	}
	path := devKeyFile(o.db)
	key, err := loadOrCreateKeyFile(path, log)
	if err != nil {
		return nil, err
	}
	log.Warn("no secret key configured: secrets are sealed with a development key kept in "+path+"; configure -secret-key-file in production",
		slog.String("key_file", path))
	// A development key an earlier version kept in the database: re-seal
	// its secrets under the file's key and drop it from the database.
	stored, found, err := store.Setting(ctx, notify.DevSecretKeySetting)
	if err != nil || !found {
		return key, err
	}
	old, err := base64.StdEncoding.DecodeString(stored)
	if err != nil {
		return nil, fmt.Errorf("the development key stored in %s is corrupt: %w", o.db, err)
	}
	r, err := notify.RotateSecretKey(ctx, store, old, key)
	if err != nil {
		return nil, fmt.Errorf("moving the development key from %s to %s: %w", o.db, path, err)
	}
	if r.Already {
		if err := store.ResealSecrets(ctx, notify.Reseal{Settings: map[string]string{notify.DevSecretKeySetting: ""}}); err != nil {
			return nil, err
		}
	}
	log.Info("development key moved out of the database", slog.String("key_file", path),
		slog.Int("api_keys", r.APIKeys), slog.Int("callback_values", r.CallbackValues))
	return key, nil
}

// readKeyFile reads a key file: its bytes without trailing white space. A
// file others may read is used, with a warning.
func readKeyFile(path string, log *slog.Logger) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 && log != nil {
		log.Warn("the secret key file can be read by other users: chmod 600 it", slog.String("file", path),
			slog.String("mode", fi.Mode().Perm().String()))
	}
	key := bytes.TrimRight(b, " \t\r\n")
	if len(key) == 0 {
		return nil, fmt.Errorf("secret key file %s is empty", path)
	}
	return key, nil
}

// loadOrCreateKeyFile reads the key file at path, or creates it, mode
// 0600, with a new random key (32 random bytes in base64) when there is
// none. Processes starting at once agree on one file.
func loadOrCreateKeyFile(path string, log *slog.Logger) ([]byte, error) {
	key, err := readKeyFile(path, log)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	key = []byte(base64.StdEncoding.EncodeToString(raw))
	// Write a temporary file, then link it into place: the file appears
	// whole or not at all, and a process that lost the race reads the
	// winner's.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".notify-key-*")
	if err != nil {
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	_, werr := tmp.Write(append(key, '\n'))
	serr := tmp.Sync()
	if err := errors.Join(werr, serr, tmp.Close()); err != nil {
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readKeyFile(path, log)
		}
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	return key, nil
}

// rotateUsage is the help of `notifyd rotate-key`.
const rotateUsage = `usage: notifyd rotate-key [-db FILE | -postgres DSN] [-old-key-file FILE] -new-key-file FILE

Re-seals every secret in the database (API key secrets, callback URLs and
tokens) under a new secret key, in one transaction, and records the new
key's check value: the server then starts with the new key only. Stop every
server process using the database first, and start them with the new key
afterwards.

The old key defaults to the development key ({db}.key beside an SQLite
database, or the one kept in a PostgreSQL database, which is then
deleted). Keys may also be given as -old-key and -new-key, or in
$NOTIFY_OLD_SECRET_KEY and $NOTIFY_SECRET_KEY, though files keep them out
of the process list. Giving the same key twice re-seals everything in the
current format.

`

// rotateKey is `notifyd rotate-key`.
func rotateKey(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("notifyd rotate-key", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), rotateUsage)
		fs.PrintDefaults()
	}
	var db, postgres, oldKey, oldKeyFile, newKey, newKeyFile string
	fs.StringVar(&db, "db", "notify.db", "SQLite database file")
	fs.StringVar(&postgres, "postgres", "", "PostgreSQL DSN (instead of SQLite)")
	fs.StringVar(&oldKey, "old-key", "", "the key the secrets are sealed under now (default $NOTIFY_OLD_SECRET_KEY, else the development key)")
	fs.StringVar(&oldKeyFile, "old-key-file", "", "file holding the old key")
	fs.StringVar(&newKey, "new-key", "", "the key to re-seal the secrets under (default $NOTIFY_SECRET_KEY)")
	fs.StringVar(&newKeyFile, "new-key-file", "", "file holding the new key")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("rotate-key: unexpected arguments: %v", fs.Args())
	}
	pick := func(name, flagValue, file, env string) ([]byte, error) {
		switch {
		case flagValue != "" && file != "":
			return nil, fmt.Errorf("rotate-key: give -%s or -%s-file, not both", name, name)
		case file != "":
			return readKeyFile(file, nil)
		case flagValue != "":
			return []byte(flagValue), nil
		}
		return []byte(getenv(env)), nil
	}
	newK, err := pick("new-key", newKey, newKeyFile, "NOTIFY_SECRET_KEY")
	if err != nil {
		return err
	}
	if len(newK) == 0 {
		return errors.New("rotate-key: the new key is required (-new-key-file, -new-key or $NOTIFY_SECRET_KEY)")
	}
	oldK, err := pick("old-key", oldKey, oldKeyFile, "NOTIFY_OLD_SECRET_KEY")
	if err != nil {
		return err
	}
	if postgres == "" {
		// Rotating a file that is not there would create an empty one.
		if _, serr := os.Stat(db); serr != nil {
			return fmt.Errorf("rotate-key: %w", serr)
		}
	}
	store, err := openStore(ctx, &options{db: db, postgres: postgres})
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	devFile := ""
	if len(oldK) == 0 {
		oldK, devFile, err = devKey(ctx, store, db, postgres != "")
		if err != nil {
			return err
		}
	}
	r, err := notify.RotateSecretKey(ctx, store, oldK, newK)
	if err != nil {
		return fmt.Errorf("rotate-key: %w", err)
	}
	if r.Already {
		fmt.Fprintln(stdout, "The secrets are sealed under the new key already: nothing to do.")
		return nil
	}
	fmt.Fprintf(stdout, "Re-sealed %d API key secrets and %d callback URLs and tokens under the new key.\n", r.APIKeys, r.CallbackValues)
	if devFile != "" {
		if err := os.Remove(devFile); err != nil {
			return fmt.Errorf("rotate-key: the development key file is no longer needed: %w", err)
		}
		fmt.Fprintf(stdout, "Deleted the development key file %s.\n", devFile)
	}
	fmt.Fprintln(stdout, "Start the server with the new key (-secret-key-file or $NOTIFY_SECRET_KEY).")
	return nil
}

// devKey returns the development key of a database, and its file when it
// is kept in one.
func devKey(ctx context.Context, store *gormstore.Store, db string, postgres bool) ([]byte, string, error) {
	if !postgres {
		path := devKeyFile(db)
		key, err := readKeyFile(path, nil)
		if err == nil {
			return key, path, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, "", err
		}
	}
	stored, found, err := store.Setting(ctx, notify.DevSecretKeySetting)
	if err != nil {
		return nil, "", err
	}
	if !found {
		return nil, "", errors.New("rotate-key: the old key is required (-old-key-file, -old-key or $NOTIFY_OLD_SECRET_KEY): the database has no development key")
	}
	key, err := base64.StdEncoding.DecodeString(stored)
	if err != nil {
		return nil, "", fmt.Errorf("rotate-key: the development key stored in the database is corrupt: %w", err)
	}
	return key, "", nil
}
