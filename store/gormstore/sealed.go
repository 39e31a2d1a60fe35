package gormstore

import (
	"context"
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

// resealKeys maps every API key's secret with f.
func resealKeys(tx *gorm.DB, lock string, f func([]byte) ([]byte, error)) error {
	type key struct {
		id     uuid.UUID
		secret []byte
	}
	rows, err := tx.Raw(`SELECT id, secret FROM api_keys ORDER BY id` + lock).Rows()
	if err != nil {
		return err
	}
	var keys []key
	for rows.Next() {
		var k key
		if err := rows.Scan(&k.id, &k.secret); err != nil {
			_ = rows.Close()
			return err
		}
		keys = append(keys, k)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
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
	type callback struct {
		id         uuid.UUID
		url, token string
	}
	rows, err := tx.Raw(`SELECT id, callback_url, callback_token FROM services
		WHERE callback_url <> '' OR callback_token <> '' ORDER BY id` + lock).Rows()
	if err != nil {
		return err
	}
	var cbs []callback
	for rows.Next() {
		var c callback
		if err := rows.Scan(&c.id, &c.url, &c.token); err != nil {
			_ = rows.Close()
			return err
		}
		cbs = append(cbs, c)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	for _, c := range cbs {
		for _, v := range []*string{&c.url, &c.token} {
			if *v == "" {
				continue
			}
			if *v, err = f(*v); err != nil {
				return fmt.Errorf("callback of service %s: %w", c.id, err)
			}
		}
		if err := tx.Exec(`UPDATE services SET callback_url = ?, callback_token = ? WHERE id = ?`,
			c.url, c.token, c.id.String()).Error; err != nil {
			return fmt.Errorf("callback of service %s: %w", c.id, err)
		}
	}
	return nil
}
