// Package fsdocs keeps the files sent by email (notify.DocumentStore) in a
// directory: one file per document under a directory per service,
// {dir}/{service_id}/{document_id}, holding a small header of metadata and
// the ciphertext. Keys are never given to a DocumentStore, so the
// directory alone cannot be decrypted.
//
// Documents are written to a temporary file and linked into place, so a
// reader never sees half a document and a crash leaves at most a
// temporary file, which DeleteExpiredDocuments removes. Directories are
// created with mode 0700 and files with 0600. Several processes may share
// the directory.
package fsdocs

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// magic starts every document file.
const magic = "NOTIFYDOC1\n"

// maxHeader bounds the header a reader accepts.
const maxHeader = 64 << 10

// staleTemp is how old a temporary file must be before it is removed.
const staleTemp = time.Hour

// quietDir is how long an empty service directory must have been left
// unchanged before it is removed.
const quietDir = time.Minute

// Store is a notify.DocumentStore in a directory. Create it with New.
type Store struct {
	dir string
}

var _ notify.DocumentStore = (*Store)(nil)

// New returns a Store keeping documents under dir, which it creates (mode
// 0700) when missing.
func New(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("fsdocs: empty directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("fsdocs: %w", err)
	}
	return &Store{dir: dir}, nil
}

// Dir returns the directory the Store keeps documents in.
func (s *Store) Dir() string { return s.dir }

type header struct {
	ID           uuid.UUID `json:"id"`
	ServiceID    uuid.UUID `json:"service_id"`
	Filename     string    `json:"filename"`
	MimeType     string    `json:"mimetype"`
	ConfirmEmail bool      `json:"confirm_email"`
	EmailHash    []byte    `json:"email_hash,omitempty"`
	ExpiresAt    time.Time `json:"expires_at"`
	CreatedAt    time.Time `json:"created_at"`
}

func (s *Store) path(serviceID, id uuid.UUID) string {
	return filepath.Join(s.dir, serviceID.String(), id.String())
}

// PutDocument writes d; an existing id returns an error wrapping
// notify.ErrDuplicate.
func (s *Store) PutDocument(ctx context.Context, d *notify.Document) (err error) {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("fsdocs: put document: %w", err)
	}
	if d == nil {
		return errors.New("fsdocs: put document: nil document")
	}
	h, err := json.Marshal(header{ID: d.ID, ServiceID: d.ServiceID, Filename: d.Filename, MimeType: d.MimeType,
		ConfirmEmail: d.ConfirmEmail, EmailHash: d.EmailHash, ExpiresAt: d.ExpiresAt.UTC().Truncate(time.Microsecond),
		CreatedAt: d.CreatedAt.UTC().Truncate(time.Microsecond)})
	if err != nil {
		return fmt.Errorf("fsdocs: put document: %w", err)
	}
	tmp, err := s.createTemp(d.ServiceID)
	if err != nil {
		return fmt.Errorf("fsdocs: put document: %w", err)
	}
	defer func() {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
	}()
	w := bufio.NewWriter(tmp)
	_, _ = w.WriteString(magic)
	_ = binary.Write(w, binary.BigEndian, uint32(len(h)))
	_, _ = w.Write(h)
	_, _ = w.Write(d.Ciphertext)
	if err := w.Flush(); err != nil {
		return fmt.Errorf("fsdocs: put document: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("fsdocs: put document: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("fsdocs: put document: %w", err)
	}
	// A link fails when the name exists: no document is ever replaced.
	if err := os.Link(tmp.Name(), s.path(d.ServiceID, d.ID)); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("fsdocs: put document %s: %w", d.ID, notify.ErrDuplicate)
		}
		return fmt.Errorf("fsdocs: put document: %w", err)
	}
	return nil
}

// createTemp creates a temporary file in the service's directory, making
// the directory first. The retention pass removes service directories it
// finds empty, possibly between the two steps: then the directory is made
// again. Once the temporary file exists the directory is not empty, so
// it stays until the document is linked into place.
func (s *Store) createTemp(serviceID uuid.UUID) (*os.File, error) {
	dir := filepath.Join(s.dir, serviceID.String())
	for attempt := 0; ; attempt++ {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		tmp, err := os.CreateTemp(dir, ".tmp-*")
		if err == nil || !errors.Is(err, fs.ErrNotExist) || attempt == 9 {
			return tmp, err
		}
	}
}

// readHeader reads the header of a document file, leaving r at the
// ciphertext.
func readHeader(r io.Reader) (*header, error) {
	m := make([]byte, len(magic))
	if _, err := io.ReadFull(r, m); err != nil || string(m) != magic {
		return nil, errors.New("not a document file")
	}
	var n uint32
	if err := binary.Read(r, binary.BigEndian, &n); err != nil || n > maxHeader {
		return nil, errors.New("corrupt document header")
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, errors.New("corrupt document header")
	}
	var h header
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, fmt.Errorf("corrupt document header: %w", err)
	}
	return &h, nil
}

// GetDocument reads the service's document id, or returns an error
// wrapping notify.ErrNotFound.
func (s *Store) GetDocument(ctx context.Context, serviceID, id uuid.UUID) (*notify.Document, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("fsdocs: get document: %w", err)
	}
	b, err := os.ReadFile(s.path(serviceID, id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("fsdocs: get document %s: %w", id, notify.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("fsdocs: get document: %w", err)
	}
	r := bytes.NewReader(b)
	h, err := readHeader(r)
	if err != nil {
		return nil, fmt.Errorf("fsdocs: get document %s: %w", id, err)
	}
	if h.ID != id || h.ServiceID != serviceID {
		return nil, fmt.Errorf("fsdocs: get document %s: the file holds another document", id)
	}
	ct := make([]byte, r.Len())
	_, _ = r.Read(ct)
	return &notify.Document{ID: h.ID, ServiceID: h.ServiceID, Filename: h.Filename, MimeType: h.MimeType,
		Ciphertext: ct, ConfirmEmail: h.ConfirmEmail, EmailHash: h.EmailHash, ExpiresAt: h.ExpiresAt,
		CreatedAt: h.CreatedAt}, nil
}

// DeleteDocument removes the service's document id, if it exists.
func (s *Store) DeleteDocument(ctx context.Context, serviceID, id uuid.UUID) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("fsdocs: delete document: %w", err)
	}
	if err := os.Remove(s.path(serviceID, id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("fsdocs: delete document: %w", err)
	}
	return nil
}

// DeleteExpiredDocuments removes the documents expired at now (reading
// only their headers), temporary files left by a crash, and service
// directories left empty. Files that are not documents are left alone.
func (s *Store) DeleteExpiredDocuments(ctx context.Context, now time.Time) (int, error) {
	services, err := os.ReadDir(s.dir)
	if err != nil {
		return 0, fmt.Errorf("fsdocs: delete expired documents: %w", err)
	}
	deleted := 0
	for _, sd := range services {
		if _, err := uuid.Parse(sd.Name()); err != nil || !sd.IsDir() {
			continue
		}
		dir := filepath.Join(s.dir, sd.Name())
		entries, err := os.ReadDir(dir)
		if err != nil {
			return deleted, fmt.Errorf("fsdocs: delete expired documents: %w", err)
		}
		for _, e := range entries {
			if err := ctx.Err(); err != nil {
				return deleted, fmt.Errorf("fsdocs: delete expired documents: %w", err)
			}
			p := filepath.Join(dir, e.Name())
			if strings.HasPrefix(e.Name(), ".tmp-") {
				if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > staleTemp {
					_ = os.Remove(p)
				}
				continue
			}
			expired, err := expiredAt(p, now)
			if err != nil || !expired {
				continue
			}
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return deleted, fmt.Errorf("fsdocs: delete expired documents: %w", err)
			}
			deleted++
		}
		// Only a directory untouched for a while: one just made (by a
		// PutDocument about to write into it) or just emptied is left for a
		// later pass, so a put does not keep losing its directory to a
		// busy sweep. Its age is by the wall clock, as file times are.
		if info, err := os.Stat(dir); err == nil && time.Since(info.ModTime()) > quietDir {
			_ = os.Remove(dir) // fails, harmlessly, unless empty
		}
	}
	return deleted, nil
}

func expiredAt(path string, now time.Time) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	h, err := readHeader(bufio.NewReader(f))
	if err != nil {
		return false, err
	}
	return !h.ExpiresAt.After(now), nil
}
