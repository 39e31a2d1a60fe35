package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// Seed is the seed file: services with their team, guest list, API keys
// (with given secrets) and templates. Loading it is idempotent: a second
// load changes nothing.
type Seed struct {
	Services []SeedService `json:"services"`
}

// SeedService is one service of a seed file.
type SeedService struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
	// Restricted is trial mode; absent means true, as for new services.
	Restricted   *bool               `json:"restricted"`
	MessageLimit int                 `json:"message_limit"`
	ResearchMode bool                `json:"research_mode"`
	Permissions  []notify.Permission `json:"permissions"`
	TeamMembers  []SeedTeamMember    `json:"team_members"`
	GuestList    []string            `json:"guest_list"`
	APIKeys      []SeedAPIKey        `json:"api_keys"`
	Templates    []SeedTemplate      `json:"templates"`
	// ReceivedTexts are text messages the service has received (an
	// extension of the seed format, for GET /v2/received-text-messages).
	ReceivedTexts []SeedReceivedText `json:"received_text_messages"`
}

// SeedReceivedText is a received text message.
type SeedReceivedText struct {
	ID           uuid.UUID  `json:"id"`
	NotifyNumber string     `json:"notify_number"`
	UserNumber   string     `json:"user_number"`
	Content      string     `json:"content"`
	CreatedAt    *time.Time `json:"created_at"`
}

// SeedTeamMember is a team member of a seeded service.
type SeedTeamMember struct {
	EmailAddress string `json:"email_address"`
	MobileNumber string `json:"mobile_number"`
}

// SeedAPIKey is an API key with a known secret; the key string is
// {name}-{service_id}-{secret}.
type SeedAPIKey struct {
	ID        uuid.UUID      `json:"id"`
	Name      string         `json:"name"`
	KeyType   notify.KeyType `json:"key_type"`
	Secret    string         `json:"secret"`
	RevokedAt *time.Time     `json:"revoked_at"`
}

// SeedTemplate is a template; when its content changes between two loads,
// the second load stores a new version.
type SeedTemplate struct {
	ID          uuid.UUID               `json:"id"`
	Type        notify.NotificationType `json:"type"`
	Name        string                  `json:"name"`
	Subject     string                  `json:"subject"`
	Content     string                  `json:"content"`
	ProcessType notify.ProcessType      `json:"process_type"`
}

// ReadSeed reads and checks a seed file. Unknown fields are refused so that
// a typo does not go unnoticed.
func ReadSeed(path string) (*Seed, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	return ParseSeed(raw)
}

// ParseSeed decodes and checks a seed document.
func ParseSeed(raw []byte) (*Seed, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var s Seed
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("seed: unexpected data after the JSON document")
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return &s, nil
}

func (s *Seed) check() error {
	for i, svc := range s.Services {
		where := fmt.Sprintf("seed: services[%d]", i)
		if svc.ID == uuid.Nil {
			return fmt.Errorf("%s: id is required", where)
		}
		if strings.TrimSpace(svc.Name) == "" {
			return fmt.Errorf("%s: name is required", where)
		}
		if svc.MessageLimit < 0 {
			return fmt.Errorf("%s: message_limit must not be negative", where)
		}
		for _, p := range svc.Permissions {
			if !slices.Contains([]notify.Permission{notify.PermissionSMS, notify.PermissionEmail,
				notify.PermissionInternationalSMS, notify.PermissionUKLandlines}, p) {
				return fmt.Errorf("%s: unknown permission %q", where, p)
			}
		}
		for j, k := range svc.APIKeys {
			kw := fmt.Sprintf("%s.api_keys[%d]", where, j)
			if k.ID == uuid.Nil || strings.TrimSpace(k.Name) == "" {
				return fmt.Errorf("%s: id and name are required", kw)
			}
			if !k.KeyType.Valid() {
				return fmt.Errorf("%s: key_type %q is not normal, team or test", kw, k.KeyType)
			}
			if _, ok := notify.ParseUUID(k.Secret); !ok {
				return fmt.Errorf("%s: secret must be a UUID string", kw)
			}
		}
		for j, m := range svc.ReceivedTexts {
			if m.ID == uuid.Nil {
				return fmt.Errorf("%s.received_text_messages[%d]: id is required", where, j)
			}
		}
		for j, t := range svc.Templates {
			tw := fmt.Sprintf("%s.templates[%d]", where, j)
			if t.ID == uuid.Nil || strings.TrimSpace(t.Name) == "" {
				return fmt.Errorf("%s: id and name are required", tw)
			}
			if t.Type != notify.SMS && t.Type != notify.Email {
				return fmt.Errorf("%s: type %q is not sms or email", tw, t.Type)
			}
			if t.ProcessType != "" && t.ProcessType != notify.ProcessNormal && t.ProcessType != notify.ProcessPriority {
				return fmt.Errorf("%s: process_type %q is not normal or priority", tw, t.ProcessType)
			}
		}
	}
	return nil
}

// Apply loads the seed into n: what is missing is created, a service whose
// settings differ is updated, a template whose content differs gets a new
// version, a key given a revoked_at is revoked. Keys are never changed
// otherwise (their secret cannot be). Applying the same seed twice changes
// nothing. Several processes may apply the same seed at the same moment on
// an empty database: whatever another one created first (ErrDuplicate) is
// read back and compared instead.
func (s *Seed) Apply(ctx context.Context, n *notify.Notifier) error {
	for i := range s.Services {
		if err := applyService(ctx, n, &s.Services[i]); err != nil {
			return fmt.Errorf("seed: service %s: %w", s.Services[i].ID, err)
		}
	}
	return nil
}

func applyService(ctx context.Context, n *notify.Notifier, ss *SeedService) error {
	st := n.Store()
	want := notify.Service{ID: ss.ID, Name: ss.Name, Restricted: ss.Restricted == nil || *ss.Restricted,
		MessageLimit: ss.MessageLimit, ResearchMode: ss.ResearchMode, Permissions: ss.Permissions}
	if want.MessageLimit == 0 {
		want.MessageLimit = notify.DefaultMessageLimit
	}
	if want.Permissions == nil {
		want.Permissions = []notify.Permission{notify.PermissionSMS, notify.PermissionEmail}
	}
	svc, err := st.GetService(ctx, ss.ID)
	if errors.Is(err, notify.ErrNotFound) {
		_, err = n.CreateService(ctx, want)
		if err == nil || !errors.Is(err, notify.ErrDuplicate) {
			svc = nil // created as wanted, or failed
		} else {
			// Another process seeding at the same moment created it
			// first: compare with what it stored.
			svc, err = st.GetService(ctx, ss.ID)
		}
	}
	switch {
	case err != nil:
		return err
	case svc == nil:
	default:
		if svc.Name != want.Name || svc.Restricted != want.Restricted || svc.MessageLimit != want.MessageLimit ||
			svc.ResearchMode != want.ResearchMode || !slices.Equal(svc.Permissions, want.Permissions) {
			svc.Name, svc.Restricted, svc.MessageLimit = want.Name, want.Restricted, want.MessageLimit
			svc.ResearchMode, svc.Permissions = want.ResearchMode, want.Permissions
			svc.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
			if err := st.UpdateService(ctx, svc); err != nil {
				return err
			}
		}
	}

	team, err := st.ListTeamMembers(ctx, ss.ID)
	if err != nil {
		return err
	}
	for _, m := range ss.TeamMembers {
		tm := notify.TeamMember{ServiceID: ss.ID, EmailAddress: strings.TrimSpace(m.EmailAddress), MobileNumber: strings.TrimSpace(m.MobileNumber)}
		if slices.Contains(team, tm) {
			continue
		}
		if err := n.AddTeamMember(ctx, tm); err != nil && !errors.Is(err, notify.ErrDuplicate) {
			return err
		}
		team = append(team, tm)
	}
	for _, g := range ss.GuestList {
		if err := n.AddGuestListEntry(ctx, notify.GuestListEntry{ServiceID: ss.ID, Recipient: g}); err != nil {
			return err
		}
	}

	keys, err := st.ListAPIKeys(ctx, ss.ID)
	if err != nil {
		return err
	}
	for _, k := range ss.APIKeys {
		i := slices.IndexFunc(keys, func(have notify.APIKey) bool { return have.ID == k.ID })
		if i >= 0 {
			if k.RevokedAt != nil && !keys[i].Revoked() {
				if err := st.RevokeAPIKey(ctx, ss.ID, k.ID, k.RevokedAt.UTC().Truncate(time.Microsecond)); err != nil {
					return fmt.Errorf("revoke key %s: %w", k.ID, err)
				}
			}
			continue
		}
		key := notify.APIKey{ID: k.ID, ServiceID: ss.ID, Name: k.Name, KeyType: k.KeyType, Secret: k.Secret}
		if k.RevokedAt != nil {
			at := k.RevokedAt.UTC().Truncate(time.Microsecond)
			key.ExpiryDate = &at
		}
		if _, err := n.AddAPIKey(ctx, key); err != nil {
			if !errors.Is(err, notify.ErrDuplicate) {
				return err
			}
			// Created by a concurrent seed; a revocation is applied by
			// the next load if that one stored none.
		}
	}

	createdBy := ""
	if len(team) > 0 {
		createdBy = team[0].EmailAddress
	}
	for _, t := range ss.Templates {
		if err := applyTemplate(ctx, n, ss.ID, t, createdBy); err != nil {
			return fmt.Errorf("template %s: %w", t.ID, err)
		}
	}

	if len(ss.ReceivedTexts) > 0 {
		have, err := st.ListInboundSMS(ctx, ss.ID, nil, 0)
		if err != nil {
			return err
		}
		for _, m := range ss.ReceivedTexts {
			if slices.ContainsFunc(have, func(h notify.InboundSMS) bool { return h.ID == m.ID }) {
				continue
			}
			in := notify.InboundSMS{ID: m.ID, ServiceID: ss.ID, NotifyNumber: m.NotifyNumber, UserNumber: m.UserNumber,
				Content: m.Content, Provider: "seed"}
			if m.CreatedAt != nil {
				in.CreatedAt = m.CreatedAt.UTC().Truncate(time.Microsecond)
			}
			if _, err := n.ReceiveSMS(ctx, in); err != nil && !errors.Is(err, notify.ErrDuplicate) {
				return fmt.Errorf("received text %s: %w", m.ID, err)
			}
		}
	}
	return nil
}

func applyTemplate(ctx context.Context, n *notify.Notifier, serviceID uuid.UUID, t SeedTemplate, createdBy string) error {
	want := notify.Template{ID: t.ID, ServiceID: serviceID, Type: t.Type, Name: t.Name, Subject: t.Subject,
		Content: t.Content, ProcessType: t.ProcessType, CreatedBy: createdBy}
	if want.ProcessType == "" {
		want.ProcessType = notify.ProcessNormal
	}
	if want.Type == notify.SMS {
		want.Subject = ""
	}
	have, err := n.Store().GetTemplate(ctx, serviceID, t.ID)
	if errors.Is(err, notify.ErrNotFound) {
		_, err = n.CreateTemplate(ctx, want)
		if !errors.Is(err, notify.ErrDuplicate) {
			return err
		}
		// Created by a concurrent seed: compare with what it stored.
		have, err = n.Store().GetTemplate(ctx, serviceID, t.ID)
	}
	if err != nil {
		return err
	}
	if have.Type != want.Type {
		return fmt.Errorf("cannot change a template's type (%s to %s)", have.Type, want.Type)
	}
	if have.Name == want.Name && have.Subject == want.Subject && have.Content == want.Content && have.ProcessType == want.ProcessType {
		return nil
	}
	want.CreatedAt, want.CreatedBy = have.CreatedAt, have.CreatedBy
	_, err = n.UpdateTemplate(ctx, want)
	return err
}
