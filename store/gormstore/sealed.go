package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"

	notify "github.com/notifykit/notify"
)

var _ notify.SealedStore = (*Store)(nil)

// Setting returns the value stored under name and whether there is one.
func (s *Store) Setting(ctx context.Context, name string) (string, bool, error) {
	const op = "get setting"
	if err := s.check(ctx, op); err != nil {
		return "", false, err
	}
	var v string
	err := s.r.WithContext(ctx).Raw(`SELECT value FROM settings WHERE name = ?`, name).Row().Scan(&v)
	if err != nil {
		if errors.Is(s.wrap(ctx, op, err), notify.ErrNotFound) {
			return "", false, nil
		}
		return "", false, s.wrap(ctx, op, err)
	}
	return v, true, nil
}

// ResealSecrets maps every API key secret and every callback URL and
// token with r, and stores r.Settings, in one transaction. The rows are
// locked (PostgreSQL: FOR UPDATE; SQLite: the transaction is IMMEDIATE)
// from the moment they are read.
func (s *Store) ResealSecrets(ctx context.Context, r notify.Reseal) error {
	const op = "reseal secrets"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	lock := ""
	if s.dialect == dialectPostgres {
		lock = " FOR UPDATE"
	}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if r.Secret != nil {
			if err := resealKeys(tx, lock, r.Secret); err != nil {
				return err
			}
		}
		if r.Text != nil {
			if err := resealCallbacks(tx, lock, r.Text); err != nil {
				return err
			}
			if err := resealServiceCallbacks(tx, lock, r.Text); err != nil {
				return err
			}
		}
		for name, v := range r.Settings {
			var err error
			if v == "" {
				err = tx.Exec(`DELETE FROM settings WHERE name = ?`, name).Error
			} else {
				err = tx.Exec(`INSERT INTO settings (name, value) VALUES (?, ?)
					ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, v).Error
			}
			if err != nil {
				return fmt.Errorf("setting %s: %w", name, err)
			}
		}
		return nil
	})
	if err != nil {
		return s.wrap(ctx, op, err)
	}
	return nil
}

// readAll runs query in tx and reads every row with scan before it
// returns, so that the connection is free for the updates that follow.
func readAll[T any](tx *gorm.DB, query string, scan func(rows *sql.Rows, v *T) error) ([]T, error) {
	rows, err := tx.Raw(query).Rows()
	if err != nil {
		return nil, err
	}
	var out []T
	for rows.Next() {
		var v T
		if err := scan(rows, &v); err != nil {
			_ = rows.Close()
			return nil, err
		}
		out = append(out, v)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	return out, nil
}

// resealKeys maps every API key's secret with f.
func resealKeys(tx *gorm.DB, lock string, f func([]byte) ([]byte, error)) error {
	type key struct {
		id     uuid.UUID
		secret []byte
	}
	keys, err := readAll(tx, `SELECT id, secret FROM api_keys ORDER BY id`+lock, func(rows *sql.Rows, k *key) error {
		return rows.Scan(&k.id, &k.secret)
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		v, err := f(k.secret)
		if err != nil {
			return fmt.Errorf("API key %s: %w", k.id, err)
		}
		if err := tx.Exec(`UPDATE api_keys SET secret = ? WHERE id = ?`, v, k.id.String()).Error; err != nil {
			return fmt.Errorf("API key %s: %w", k.id, err)
		}
	}
	return nil
}

// resealCallbacks maps every service's non-empty callback URL and token
// with f.
func resealCallbacks(tx *gorm.DB, lock string, f func(string) (string, error)) error {
	return resealURLTokens(tx, `SELECT id, callback_url, callback_token FROM services
		WHERE callback_url <> '' OR callback_token <> '' ORDER BY id`+lock,
		`UPDATE services SET callback_url = ?, callback_token = ? WHERE id = ?`, "callback of service", f)
}

// resealURLTokens maps with f the non-empty URL and token of every row
// that query selects (id, url, token) and writes them back with update
// (url, token, id). what names a row in errors.
func resealURLTokens(tx *gorm.DB, query, update, what string, f func(string) (string, error)) error {
	type row struct {
		id         uuid.UUID
		url, token string
	}
	rows, err := readAll(tx, query, func(rows *sql.Rows, r *row) error {
		return rows.Scan(&r.id, &r.url, &r.token)
	})
	if err != nil {
		return err
	}
	for _, r := range rows {
		for _, v := range []*string{&r.url, &r.token} {
			if *v == "" {
				continue
			}
			if *v, err = f(*v); err != nil {
				return fmt.Errorf("%s %s: %w", what, r.id, err)
			}
		}
		if err := tx.Exec(update, r.url, r.token, r.id.String()).Error; err != nil {
			return fmt.Errorf("%s %s: %w", what, r.id, err)
		}
	}
	return nil
}
