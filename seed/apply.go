package seed

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// Apply loads f into n, after the checks Parse makes (so a File built in
// Go is refused as its JSON would be): what is missing is created, a
// service whose settings differ is updated, a template whose content
// differs gets a new version, a key given a revoked_at is revoked. Keys are
// never changed otherwise (their secret cannot be). Applying the same file
// twice changes nothing. Several processes may apply the same file at the
// same moment on an empty database: whatever another one created first
// (notify.ErrDuplicate) is read back and compared instead.
func Apply(ctx context.Context, n *notify.Notifier, f *File) error {
	if f == nil {
		return errors.New("seed: no file to apply")
	}
	if err := f.check(); err != nil {
		return err
	}
	for i := range f.Services {
		if err := applyService(ctx, n, &f.Services[i]); err != nil {
			return fmt.Errorf("seed: service %s: %w", f.Services[i].ID, err)
		}
	}
	return nil
}

func applyService(ctx context.Context, n *notify.Notifier, ss *Service) error {
	st := n.Store()
	want := notify.Service{ID: ss.ID, Name: ss.Name, Restricted: ss.Restricted == nil || *ss.Restricted,
		MessageLimit: ss.MessageLimit, RateLimit: ss.RateLimit, ResearchMode: ss.ResearchMode, Permissions: ss.Permissions,
		// message_limit, when given, sets every channel left out.
		SMSMessageLimit:              cmp.Or(ss.SMSMessageLimit, ss.MessageLimit),
		EmailMessageLimit:            cmp.Or(ss.EmailMessageLimit, ss.MessageLimit),
		InternationalSMSMessageLimit: cmp.Or(ss.InternationalSMSMessageLimit, ss.MessageLimit)}
	want.ContactLink = strings.TrimSpace(ss.ContactLink)
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
			svc.ResearchMode != want.ResearchMode || !slices.Equal(svc.Permissions, want.Permissions) ||
			svc.RateLimit != want.RateLimit || svc.SMSMessageLimit != want.SMSMessageLimit || svc.EmailMessageLimit != want.EmailMessageLimit ||
			svc.InternationalSMSMessageLimit != want.InternationalSMSMessageLimit {
			svc.Name, svc.Restricted, svc.MessageLimit = want.Name, want.Restricted, want.MessageLimit
			svc.ResearchMode, svc.Permissions = want.ResearchMode, want.Permissions
			svc.SMSMessageLimit, svc.EmailMessageLimit = want.SMSMessageLimit, want.EmailMessageLimit
			svc.InternationalSMSMessageLimit = want.InternationalSMSMessageLimit
			svc.RateLimit = want.RateLimit
			svc.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
			if err := st.UpdateService(ctx, svc); err != nil {
				return err
			}
		}
		if svc.ContactLink != want.ContactLink {
			svc.ContactLink = want.ContactLink
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
			if in.CreatedAt.IsZero() {
				in.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
			}
			// Stored as it is: a seeded message is not sent to callbacks.
			if err := st.CreateInboundSMS(ctx, &in); err != nil && !errors.Is(err, notify.ErrDuplicate) {
				return fmt.Errorf("received text %s: %w", m.ID, err)
			}
		}
	}
	if err := applySenders(ctx, n, ss); err != nil {
		return err
	}
	for _, c := range ss.Callbacks {
		if _, err := n.SetCallback(ctx, ss.ID, c.Type, notify.CallbackChange{URL: c.URL, BearerToken: c.BearerToken}); err != nil {
			return fmt.Errorf("%s callback: %w", c.Type, err)
		}
	}
	for _, num := range ss.InboundNumbers {
		if _, err := n.AssignInboundNumber(ctx, ss.ID, num); err != nil {
			return fmt.Errorf("inbound number %s: %w", num, err)
		}
	}
	return nil
}

func applyTemplate(ctx context.Context, n *notify.Notifier, serviceID uuid.UUID, t Template, createdBy string) error {
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
