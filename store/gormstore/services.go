package gormstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	notify "github.com/notifykit/notify"
)

const serviceColumns = `id, name, archived, restricted, message_limit, research_mode, permissions,
	prefix_sms, sms_sender, email_from, rate_limit, data_retention_days, callback_url, callback_token,
	created_at, updated_at, sms_message_limit, email_message_limit, international_sms_message_limit,
	contact_link`

// CreateService inserts a service. A zero CreatedAt becomes now, and a zero
// UpdatedAt becomes CreatedAt; both are written back to sv.
func (s *Store) CreateService(ctx context.Context, sv *notify.Service) error {
	const op = "create service"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	if sv == nil {
		return fmt.Errorf("gormstore: %s: nil service", op)
	}
	perms, err := jsonText(sv.Permissions)
	if err != nil {
		return fmt.Errorf("gormstore: %s: %w", op, err)
	}
	created := sv.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	updated := sv.UpdatedAt
	if updated.IsZero() {
		updated = created
	}
	err = s.w.WithContext(ctx).Exec(`INSERT INTO services (`+serviceColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sv.ID.String(), sv.Name, sv.Archived, sv.Restricted, sv.MessageLimit, sv.ResearchMode, perms,
		sv.PrefixSMS, sv.SMSSender, sv.EmailFrom, sv.RateLimit, sv.DataRetentionDays, sv.CallbackURL,
		sv.CallbackToken, s.ts(created), s.ts(updated),
		sv.SMSMessageLimit, sv.EmailMessageLimit, sv.InternationalSMSMessageLimit, sv.ContactLink).Error
	if err != nil {
		return s.wrap(ctx, op, err)
	}
	sv.CreatedAt, sv.UpdatedAt = created.UTC().Truncate(time.Microsecond), updated.UTC().Truncate(time.Microsecond)
	return nil
}

// GetService returns a service by id.
func (s *Store) GetService(ctx context.Context, id uuid.UUID) (*notify.Service, error) {
	const op = "get service"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	row := s.r.WithContext(ctx).Raw(`SELECT `+serviceColumns+` FROM services WHERE id = ?`, id.String()).Row()
	sv, err := scanService(row)
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	return sv, nil
}

// UpdateService replaces a service's fields by id (CreatedAt is kept). A
// zero UpdatedAt becomes now and is written back.
func (s *Store) UpdateService(ctx context.Context, sv *notify.Service) error {
	const op = "update service"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	if sv == nil {
		return fmt.Errorf("gormstore: %s: nil service", op)
	}
	perms, err := jsonText(sv.Permissions)
	if err != nil {
		return fmt.Errorf("gormstore: %s: %w", op, err)
	}
	updated := sv.UpdatedAt
	if updated.IsZero() {
		updated = time.Now()
	}
	res := s.w.WithContext(ctx).Exec(`UPDATE services SET name = ?, archived = ?, restricted = ?,
		message_limit = ?, research_mode = ?, permissions = ?, prefix_sms = ?, sms_sender = ?,
		email_from = ?, rate_limit = ?, data_retention_days = ?, callback_url = ?, callback_token = ?,
		updated_at = ?, sms_message_limit = ?, email_message_limit = ?, international_sms_message_limit = ?,
		contact_link = ?
		WHERE id = ?`,
		sv.Name, sv.Archived, sv.Restricted, sv.MessageLimit, sv.ResearchMode, perms, sv.PrefixSMS,
		sv.SMSSender, sv.EmailFrom, sv.RateLimit, sv.DataRetentionDays, sv.CallbackURL, sv.CallbackToken,
		s.ts(updated), sv.SMSMessageLimit, sv.EmailMessageLimit, sv.InternationalSMSMessageLimit, sv.ContactLink,
		sv.ID.String())
	if res.Error != nil {
		return s.wrap(ctx, op, res.Error)
	}
	if res.RowsAffected == 0 {
		return s.wrap(ctx, op, sql.ErrNoRows)
	}
	sv.UpdatedAt = updated.UTC().Truncate(time.Microsecond)
	return nil
}

func scanService(row interface{ Scan(...any) error }) (*notify.Service, error) {
	var (
		sv                                     notify.Service
		id                                     uuid.UUID
		archived, restricted, research, prefix dbBool
		perms                                  string
		created, updated                       dbTime
	)
	err := row.Scan(&id, &sv.Name, &archived, &restricted, &sv.MessageLimit, &research, &perms,
		&prefix, &sv.SMSSender, &sv.EmailFrom, &sv.RateLimit, &sv.DataRetentionDays, &sv.CallbackURL,
		&sv.CallbackToken, &created, &updated, &sv.SMSMessageLimit, &sv.EmailMessageLimit,
		&sv.InternationalSMSMessageLimit, &sv.ContactLink)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(perms), &sv.Permissions); err != nil {
		return nil, fmt.Errorf("decode permissions: %w", err)
	}
	sv.ID = id
	sv.Archived, sv.Restricted, sv.ResearchMode, sv.PrefixSMS = bool(archived), bool(restricted), bool(research), bool(prefix)
	sv.CreatedAt, sv.UpdatedAt = created.t, updated.t
	return &sv, nil
}

// AddTeamMember adds a team member to a service. Adding the same member
// (same email and mobile) twice keeps one entry.
func (s *Store) AddTeamMember(ctx context.Context, m notify.TeamMember) error {
	const op = "add team member"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	err := s.w.WithContext(ctx).Exec(`INSERT INTO team_members (service_id, email_address, mobile_number)
		VALUES (?, ?, ?) ON CONFLICT (service_id, email_address, mobile_number) DO NOTHING`,
		m.ServiceID.String(), m.EmailAddress, m.MobileNumber).Error
	return s.wrap(ctx, op, err)
}

// ListTeamMembers returns a service's team members in the order they were
// added.
func (s *Store) ListTeamMembers(ctx context.Context, serviceID uuid.UUID) ([]notify.TeamMember, error) {
	const op = "list team members"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	rows, err := s.r.WithContext(ctx).Raw(`SELECT email_address, mobile_number FROM team_members
		WHERE service_id = ? ORDER BY id`, serviceID.String()).Rows()
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	defer rows.Close()
	var out []notify.TeamMember
	for rows.Next() {
		m := notify.TeamMember{ServiceID: serviceID}
		if err := rows.Scan(&m.EmailAddress, &m.MobileNumber); err != nil {
			return nil, s.wrap(ctx, op, err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	return out, nil
}

// AddGuestListEntry adds a recipient to a service's guest list; adding it
// twice keeps one entry.
func (s *Store) AddGuestListEntry(ctx context.Context, e notify.GuestListEntry) error {
	const op = "add guest list entry"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	err := s.w.WithContext(ctx).Exec(`INSERT INTO guest_list (service_id, recipient) VALUES (?, ?)
		ON CONFLICT (service_id, recipient) DO NOTHING`, e.ServiceID.String(), e.Recipient).Error
	return s.wrap(ctx, op, err)
}

// ListGuestList returns a service's guest list in the order it was added.
func (s *Store) ListGuestList(ctx context.Context, serviceID uuid.UUID) ([]notify.GuestListEntry, error) {
	const op = "list guest list"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	rows, err := s.r.WithContext(ctx).Raw(`SELECT recipient FROM guest_list WHERE service_id = ? ORDER BY id`,
		serviceID.String()).Rows()
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	defer rows.Close()
	var out []notify.GuestListEntry
	for rows.Next() {
		e := notify.GuestListEntry{ServiceID: serviceID}
		if err := rows.Scan(&e.Recipient); err != nil {
			return nil, s.wrap(ctx, op, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	return out, nil
}

// CreateAPIKey inserts a key. Only EncryptedSecret is persisted (in the
// secret column); Secret is never stored. A zero CreatedAt becomes now and
// is written back.
func (s *Store) CreateAPIKey(ctx context.Context, k *notify.APIKey) error {
	const op = "create api key"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	if k == nil {
		return fmt.Errorf("gormstore: %s: nil key", op)
	}
	created := k.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	secret := k.EncryptedSecret
	if secret == nil {
		secret = []byte{}
	}
	err := s.w.WithContext(ctx).Exec(`INSERT INTO api_keys (id, service_id, name, key_type, secret, expiry_date, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		k.ID.String(), k.ServiceID.String(), k.Name, string(k.KeyType), secret, s.tsp(k.ExpiryDate),
		s.ts(created)).Error
	if err != nil {
		return s.wrap(ctx, op, err)
	}
	k.CreatedAt = created.UTC().Truncate(time.Microsecond)
	return nil
}

// ListAPIKeys returns every key of a service, revoked ones included, oldest
// first.
func (s *Store) ListAPIKeys(ctx context.Context, serviceID uuid.UUID) ([]notify.APIKey, error) {
	const op = "list api keys"
	if err := s.check(ctx, op); err != nil {
		return nil, err
	}
	rows, err := s.r.WithContext(ctx).Raw(`SELECT id, name, key_type, secret, expiry_date, created_at
		FROM api_keys WHERE service_id = ? ORDER BY created_at, id`, serviceID.String()).Rows()
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	defer rows.Close()
	var out []notify.APIKey
	for rows.Next() {
		var (
			k               notify.APIKey
			keyType         string
			expiry, created dbTime
		)
		if err := rows.Scan(&k.ID, &k.Name, &keyType, &k.EncryptedSecret, &expiry, &created); err != nil {
			return nil, s.wrap(ctx, op, err)
		}
		k.ServiceID = serviceID
		k.KeyType = notify.KeyType(keyType)
		k.ExpiryDate = expiry.ptr()
		k.CreatedAt = created.t
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	return out, nil
}

// RevokeAPIKey sets a key's expiry date if it has none. Revoking a revoked
// key keeps its first expiry date; an unknown key gives ErrNotFound.
func (s *Store) RevokeAPIKey(ctx context.Context, serviceID, keyID uuid.UUID, at time.Time) error {
	const op = "revoke api key"
	if err := s.check(ctx, op); err != nil {
		return err
	}
	var found int
	err := s.w.WithContext(ctx).Raw(`UPDATE api_keys SET expiry_date = COALESCE(expiry_date, ?)
		WHERE service_id = ? AND id = ? RETURNING 1`, s.ts(at), serviceID.String(), keyID.String()).Row().Scan(&found)
	return s.wrap(ctx, op, err)
}

// LoadOrStoreSetting returns the value stored under name, or stores value
// and returns it when there is none, in one atomic statement.
func (s *Store) LoadOrStoreSetting(ctx context.Context, name, value string) (string, error) {
	const op = "load or store setting"
	if err := s.check(ctx, op); err != nil {
		return "", err
	}
	var got string
	// The no-op update makes RETURNING give the stored row on conflict.
	err := s.w.WithContext(ctx).Raw(`INSERT INTO settings (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = settings.value RETURNING value`, name, value).Row().Scan(&got)
	if err != nil {
		return "", s.wrap(ctx, op, err)
	}
	return got, nil
}
