package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	notify "github.com/notifykit/notify"
)

var _ notify.DocumentStore = (*Store)(nil)

// migrationDocuments adds the files sent by email and the contact link a
// service needs to send them.
var migrationDocuments = migration{
	version: 6,
	name:    "files sent by email; contact link of services",
	postgres: []string{
		`ALTER TABLE services ADD COLUMN contact_link text NOT NULL DEFAULT ''`,
		`CREATE TABLE documents (
			id uuid PRIMARY KEY,
			service_id uuid NOT NULL,
			filename text NOT NULL DEFAULT '',
			mimetype text NOT NULL,
			ciphertext bytea NOT NULL,
			confirm_email boolean NOT NULL,
			email_hash bytea,
			expires_at timestamptz NOT NULL,
			created_at timestamptz NOT NULL
		)`,
		`CREATE INDEX ix_documents_expires_at ON documents (expires_at)`,
	},
	sqlite: []string{
		`ALTER TABLE services ADD COLUMN contact_link TEXT NOT NULL DEFAULT ''`,
		`CREATE TABLE documents (
			id TEXT PRIMARY KEY,
			service_id TEXT NOT NULL,
			filename TEXT NOT NULL DEFAULT '',
			mimetype TEXT NOT NULL,
			ciphertext BLOB NOT NULL,
			confirm_email INTEGER NOT NULL,
			email_hash BLOB,
			expires_at INTEGER NOT NULL,
			created_at INTEGER NOT NULL
		)`,
		`CREATE INDEX ix_documents_expires_at ON documents (expires_at)`,
	},
}

// PutDocument stores a document sent by email: its ciphertext and
// metadata, never a key.
func (s *Store) PutDocument(ctx context.Context, d *notify.Document) error {
	const op = "put document"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	if d == nil {
		return fmt.Errorf("gormstore: %s: nil document", op)
	}
	var hash any
	if len(d.EmailHash) > 0 {
		hash = d.EmailHash
	}
	err := s.w.WithContext(ctx).Exec(`INSERT INTO documents
		(id, service_id, filename, mimetype, ciphertext, confirm_email, email_hash, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID.String(), d.ServiceID.String(), d.Filename, d.MimeType, d.Ciphertext, d.ConfirmEmail, hash,
		s.ts(d.ExpiresAt), s.ts(d.CreatedAt)).Error
	return s.wrap(ctx, op, err)
}

// GetDocument returns the service's document id, or ErrNotFound.
func (s *Store) GetDocument(ctx context.Context, serviceID, id uuid.UUID) (*notify.Document, error) {
	const op = "get document"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	var (
		d                notify.Document
		confirm          dbBool
		expires, created dbTime
		docID, svcID     uuid.UUID
	)
	err := s.r.WithContext(ctx).Raw(`SELECT id, service_id, filename, mimetype, ciphertext, confirm_email,
		email_hash, expires_at, created_at FROM documents WHERE id = ? AND service_id = ?`,
		id.String(), serviceID.String()).Row().Scan(&docID, &svcID, &d.Filename, &d.MimeType, &d.Ciphertext,
		&confirm, &d.EmailHash, &expires, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("gormstore: %s %s: %w", op, id, notify.ErrNotFound)
	}
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	d.ID, d.ServiceID = docID, svcID
	d.ConfirmEmail = bool(confirm)
	d.ExpiresAt, d.CreatedAt = expires.t, created.t
	return &d, nil
}

// DeleteDocument deletes the service's document id, if it exists.
func (s *Store) DeleteDocument(ctx context.Context, serviceID, id uuid.UUID) error {
	const op = "delete document"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	err := s.w.WithContext(ctx).Exec(`DELETE FROM documents WHERE id = ? AND service_id = ?`,
		id.String(), serviceID.String()).Error
	return s.wrap(ctx, op, err)
}

// DeleteExpiredDocuments deletes the documents expired at now, in batches
// of 1000 so that no statement holds many rows' locks.
func (s *Store) DeleteExpiredDocuments(ctx context.Context, now time.Time) (int, error) {
	const op = "delete expired documents"
	total := 0
	for {
		if err := s.check(ctx, op); err != nil {
			return total, err
		}
		res := s.w.WithContext(ctx).Exec(`DELETE FROM documents WHERE id IN
			(SELECT id FROM documents WHERE expires_at <= ? LIMIT 1000)`, s.ts(now))
		if res.Error != nil {
			return total, s.wrap(ctx, op, res.Error)
		}
		total += int(res.RowsAffected)
		if res.RowsAffected < 1000 {
			return total, nil
		}
	}
}
