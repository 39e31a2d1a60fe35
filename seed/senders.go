package seed

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// SMSSender is one of a seeded service's SMS senders: an alphanumeric
// sender ID of up to 11 characters or a phone number. One sender of the
// list may be is_default; when none is, the first is the default.
type SMSSender struct {
	ID        uuid.UUID `json:"id"`
	SMSSender string    `json:"sms_sender"`
	IsDefault bool      `json:"is_default,omitzero"`
}

// EmailReplyTo is one of a seeded service's email reply-to addresses;
// the default rule is SMSSender's.
type EmailReplyTo struct {
	ID           uuid.UUID `json:"id"`
	EmailAddress string    `json:"email_address"`
	IsDefault    bool      `json:"is_default,omitzero"`
}

// checkSenders refuses senders Apply could not store: missing ids, ids
// listed twice, invalid values, an address listed twice, two defaults.
func (svc *Service) checkSenders(where string) error {
	seen := map[uuid.UUID]bool{}
	defaults := 0
	for j, s := range svc.SMSSenders {
		sw := fmt.Sprintf("%s.sms_senders[%d]", where, j)
		if s.ID == uuid.Nil {
			return fmt.Errorf("%s: id is required", sw)
		}
		if seen[s.ID] {
			return fmt.Errorf("%s: id %s is listed twice", sw, s.ID)
		}
		seen[s.ID] = true
		if err := notify.CheckSMSSender(s.SMSSender); err != nil {
			return fmt.Errorf("%s: sms_sender %q: %w", sw, s.SMSSender, err)
		}
		if s.IsDefault {
			defaults++
		}
	}
	if defaults > 1 {
		return fmt.Errorf("%s.sms_senders: %d are is_default; at most one may be", where, defaults)
	}
	defaults = 0
	var addresses []string
	for j, r := range svc.EmailReplyTo {
		rw := fmt.Sprintf("%s.email_reply_to[%d]", where, j)
		if r.ID == uuid.Nil {
			return fmt.Errorf("%s: id is required", rw)
		}
		if seen[r.ID] {
			return fmt.Errorf("%s: id %s is listed twice", rw, r.ID)
		}
		seen[r.ID] = true
		addr := strings.ToLower(strings.TrimSpace(r.EmailAddress))
		if _, err := notify.ValidateEmail(addr); err != nil {
			return fmt.Errorf("%s: email_address %q is not a valid email address", rw, r.EmailAddress)
		}
		if slices.Contains(addresses, addr) {
			return fmt.Errorf("%s: email_address %q is listed twice", rw, r.EmailAddress)
		}
		addresses = append(addresses, addr)
		if r.IsDefault {
			defaults++
		}
	}
	if defaults > 1 {
		return fmt.Errorf("%s.email_reply_to: %d are is_default; at most one may be", where, defaults)
	}
	return nil
}

// defaultFirst returns the indexes of n entries with the default one
// (is_default, else the first) first, so that it takes over before any
// other is changed.
func defaultFirst(n int, isDefault func(int) bool) (order []int, def int) {
	for i := range n {
		if isDefault(i) {
			def = i
		}
	}
	order = []int{def}
	for i := range n {
		if i != def {
			order = append(order, i)
		}
	}
	return order, def
}

// applySenders creates the listed senders that are missing and updates
// those whose value or default differ; senders the file does not list are
// left as they are.
func applySenders(ctx context.Context, n *notify.Notifier, ss *Service) error {
	if len(ss.SMSSenders) > 0 {
		order, def := defaultFirst(len(ss.SMSSenders), func(i int) bool { return ss.SMSSenders[i].IsDefault })
		for _, i := range order {
			s := ss.SMSSenders[i]
			if err := applySMSSender(ctx, n, ss.ID, s.ID, strings.TrimSpace(s.SMSSender), i == def); err != nil {
				return fmt.Errorf("sms sender %s: %w", s.ID, err)
			}
		}
	}
	if len(ss.EmailReplyTo) > 0 {
		order, def := defaultFirst(len(ss.EmailReplyTo), func(i int) bool { return ss.EmailReplyTo[i].IsDefault })
		for _, i := range order {
			r := ss.EmailReplyTo[i]
			if err := applyReplyTo(ctx, n, ss.ID, r.ID, strings.TrimSpace(r.EmailAddress), i == def); err != nil {
				return fmt.Errorf("email reply-to %s: %w", r.ID, err)
			}
		}
	}
	return nil
}

func applySMSSender(ctx context.Context, n *notify.Notifier, serviceID, id uuid.UUID, value string, isDefault bool) error {
	have, err := n.GetSMSSender(ctx, serviceID, id)
	if errors.Is(err, notify.ErrNoResult) {
		_, err = n.AddSMSSender(ctx, notify.SMSSender{ID: id, ServiceID: serviceID, SMSSender: value, IsDefault: isDefault})
		if err == nil || !errors.Is(err, notify.ErrDuplicate) {
			return err
		}
		// Created by a concurrent seed, or archived: compare with it.
		if have, err = n.GetSMSSender(ctx, serviceID, id); errors.Is(err, notify.ErrNoResult) {
			return errors.New("it is archived; give the sender a new id")
		}
	}
	if err != nil {
		return err
	}
	if have.SMSSender == value && have.IsDefault == isDefault {
		return nil
	}
	_, err = n.UpdateSMSSender(ctx, serviceID, id, value, isDefault)
	return err
}

func applyReplyTo(ctx context.Context, n *notify.Notifier, serviceID, id uuid.UUID, address string, isDefault bool) error {
	have, err := n.GetEmailReplyTo(ctx, serviceID, id)
	if errors.Is(err, notify.ErrNoResult) {
		_, addErr := n.AddEmailReplyTo(ctx, notify.EmailReplyTo{ID: id, ServiceID: serviceID, EmailAddress: address, IsDefault: isDefault})
		if addErr == nil {
			return nil
		}
		// Created by a concurrent seed (the address is then in use, or
		// the id taken): compare with it; otherwise refuse as the
		// Notifier did.
		if have, err = n.GetEmailReplyTo(ctx, serviceID, id); errors.Is(err, notify.ErrNoResult) {
			if errors.Is(addErr, notify.ErrDuplicate) {
				return errors.New("it is archived; give the address a new id")
			}
			return addErr
		}
	}
	if err != nil {
		return err
	}
	if have.EmailAddress == address && have.IsDefault == isDefault {
		return nil
	}
	_, err = n.UpdateEmailReplyTo(ctx, serviceID, id, address, isDefault)
	return err
}
