package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// A service's SMS senders and email reply-to addresses: the names its text
// messages come from and the addresses replies to its emails go to. A
// service has any number of each; when it has any, exactly one of them is
// the default, used when a send names none (sms_sender_id,
// email_reply_to_id). The first one a service gets becomes its default
// whatever the request says, a new or updated default takes over from the
// previous one, the default cannot be made not default (make another one
// the default instead) and cannot be archived. Archived ones are kept but
// no longer listed, and a send naming one is refused as if it never
// existed.
//
// A service without SMS senders sends from Service.SMSSender, or
// Config.DefaultSMSSender when that is empty; one without reply-to
// addresses sends emails without a Reply-To header.
//
// The chosen value is copied onto the notification (Notification.From for
// text messages, ReplyTo for emails) when it is created, so later changes
// to the senders do not change what was sent.

// SMSSender is one of a service's SMS senders: an alphanumeric sender ID
// of up to 11 characters or a phone number.
type SMSSender struct {
	ID        uuid.UUID
	ServiceID uuid.UUID
	// SMSSender is the sender as entered. Text messages carry it as it is
	// or, when it is a phone number, in E.164 without "+" (FromNumber).
	SMSSender string
	IsDefault bool
	Archived  bool
	// InboundNumberID links the sender to one of the inbound numbers the
	// service receives text messages on. Such a sender keeps its number
	// and cannot be archived.
	InboundNumberID *uuid.UUID
	CreatedAt       time.Time
	UpdatedAt       *time.Time
}

// FromNumber is what text messages sent with s carry as their sender (the
// v2 API's content.from_number): the sender normalised to E.164 without
// "+" when it is a phone number, else as it is.
func (s *SMSSender) FromNumber() string { return formatSMSSender(s.SMSSender) }

// EmailReplyTo is one of a service's email reply-to addresses.
type EmailReplyTo struct {
	ID           uuid.UUID
	ServiceID    uuid.UUID
	EmailAddress string
	IsDefault    bool
	Archived     bool
	CreatedAt    time.Time
	UpdatedAt    *time.Time
}

// SenderStore is an optional Store ability: the SMS senders and email
// reply-to addresses of services. Each write is atomic and keeps the rule
// that a service with any sender of a kind that is not archived has
// exactly one default of that kind, even when writes race.
type SenderStore interface {
	// CreateSMSSender stores s. When the service has no sender that is not
	// archived, s becomes the default whatever s.IsDefault says (written
	// back to s); when s.IsDefault, the previous default stops being one.
	// An id in use is ErrDuplicate, a service that does not exist
	// ErrNotFound.
	CreateSMSSender(ctx context.Context, s *SMSSender) error
	// UpdateSMSSender replaces the SMSSender, IsDefault, InboundNumberID and
	// UpdatedAt of the service's sender s.ID, which must not be archived
	// (else ErrNotFound). When s.IsDefault the previous default stops
	// being one; making the default not default is ErrConflict and
	// changes nothing.
	UpdateSMSSender(ctx context.Context, s *SMSSender) error
	// ArchiveSMSSender archives the service's sender id. A sender that
	// does not exist (or is another service's) is ErrNotFound; the default
	// or a sender with an InboundNumberID is ErrConflict and stays as it
	// is; archiving an archived sender changes nothing.
	ArchiveSMSSender(ctx context.Context, serviceID, id uuid.UUID, at time.Time) error
	// ListSMSSenders returns the service's senders that are not archived:
	// the default first, then oldest first (created_at, then id).
	ListSMSSenders(ctx context.Context, serviceID uuid.UUID) ([]SMSSender, error)

	// CreateEmailReplyTo, UpdateEmailReplyTo, ArchiveEmailReplyTo and
	// ListEmailReplyTo are the same for reply-to addresses (UpdateEmailReplyTo
	// replaces EmailAddress, IsDefault and UpdatedAt). CreateEmailReplyTo
	// also refuses an address the service already has among its live ones,
	// compared case-insensitively, with an error wrapping ErrDuplicate:
	// of two concurrent adds of one address, one succeeds.
	CreateEmailReplyTo(ctx context.Context, r *EmailReplyTo) error
	UpdateEmailReplyTo(ctx context.Context, r *EmailReplyTo) error
	ArchiveEmailReplyTo(ctx context.Context, serviceID, id uuid.UUID, at time.Time) error
	ListEmailReplyTo(ctx context.Context, serviceID uuid.UUID) ([]EmailReplyTo, error)
}

// Refusals of the sender rules, in upstream's words.
const (
	MsgSMSSenderNoDefault      = "You must have at least one SMS sender as the default"
	MsgReplyToNoDefault        = "You must have at least one reply to email address as the default."
	MsgArchiveDefaultSMSSender = "You cannot delete a default sms sender"
	MsgArchiveInboundSMSSender = "You cannot delete an inbound number"
	MsgArchiveDefaultReplyTo   = "You cannot delete a default email reply to address"
	msgInvalidSMSSender        = "Must be at most 11 letters, numbers and spaces, or a phone number."
	msgChangeInboundNumber     = "You can not change the inbound number for service %s"
	msgReplyToAddressInUse     = "Your service already uses \u2018%s\u2019 as an email reply-to address."
)

// senderStore returns the Store's SenderStore ability.
func (n *Notifier) senderStore(op string) (SenderStore, error) {
	s, ok := storeAs[SenderStore](n.store)
	if !ok {
		return nil, unsupported(op, "ListSMSSenders")
	}
	return s, nil
}

// formatSMSSender is the sender text messages carry: a phone number in
// E.164 without "+", anything else as it is.
func formatSMSSender(s string) string {
	if pn, err := ParsePhoneNumber(s); err == nil {
		return pn.Normalised
	}
	return s
}

// checkSMSSenderValue trims and checks an SMS sender: required, and an
// alphanumeric sender ID or a phone number.
func checkSMSSenderValue(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ValidationError("sms_sender", MsgMissingField)
	}
	if !validSMSSender(s) {
		return "", ValidationError("sms_sender", msgInvalidSMSSender)
	}
	return s, nil
}

// checkReplyToValue trims and checks a reply-to address: required, one
// valid email address.
func checkReplyToValue(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ValidationError("email_address", MsgMissingField)
	}
	if _, err := ValidateEmail(s); err != nil {
		return "", ValidationError("email_address", msgInvalidEmail)
	}
	return s, nil
}

// ---------------------------------------------------------------------------
// SMS senders.

// ListSMSSenders returns a service's SMS senders that are not archived, the
// default first. A missing service is ErrNoResult. The Store must be a
// SenderStore.
func (n *Notifier) ListSMSSenders(ctx context.Context, serviceID uuid.UUID) ([]SMSSender, error) {
	if _, err := n.GetService(ctx, serviceID); err != nil {
		return nil, err
	}
	st, err := n.senderStore("list SMS senders")
	if err != nil {
		return nil, err
	}
	list, err := st.ListSMSSenders(ctx, serviceID)
	if err != nil {
		return nil, fmt.Errorf("notify: list SMS senders: %w", err)
	}
	return list, nil
}

// GetSMSSender returns one of a service's SMS senders; one that does not
// exist, is archived or is another service's is ErrNoResult.
func (n *Notifier) GetSMSSender(ctx context.Context, serviceID, id uuid.UUID) (*SMSSender, error) {
	return n.findSMSSender(ctx, n.store, serviceID, id)
}

// findSMSSender looks a sender up among the service's live ones, read from
// s (the cached Store, or the Store behind it for read-modify-write).
func (n *Notifier) findSMSSender(ctx context.Context, s Store, serviceID, id uuid.UUID) (*SMSSender, error) {
	st, ok := storeAs[SenderStore](s)
	if !ok {
		return nil, unsupported("get SMS sender", "ListSMSSenders")
	}
	list, err := st.ListSMSSenders(ctx, serviceID)
	if err != nil {
		return nil, fmt.Errorf("notify: get SMS sender: %w", err)
	}
	i := slices.IndexFunc(list, func(s SMSSender) bool { return s.ID == id })
	if i < 0 {
		return nil, ErrNoResult
	}
	return &list[i], nil
}

// AddSMSSender checks and stores a new SMS sender of s.ServiceID (a new id
// when s.ID is uuid.Nil): the service exists (else ErrNoResult) and the
// sender is an alphanumeric sender ID of up to 11 characters or a phone
// number. The service's first sender becomes its default whatever
// s.IsDefault says; a new default takes over from the previous one.
func (n *Notifier) AddSMSSender(ctx context.Context, s SMSSender) (*SMSSender, error) {
	if _, err := n.GetService(ctx, s.ServiceID); err != nil {
		return nil, err
	}
	v, err := checkSMSSenderValue(s.SMSSender)
	if err != nil {
		return nil, err
	}
	st, err := n.senderStore("add SMS sender")
	if err != nil {
		return nil, err
	}
	s.SMSSender, s.Archived, s.CreatedAt, s.UpdatedAt = v, false, n.now(), nil
	if s.ID == uuid.Nil {
		s.ID = uuid.New()
	}
	if err := st.CreateSMSSender(ctx, &s); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, ErrNoResult
		}
		return nil, fmt.Errorf("notify: add SMS sender: %w", err)
	}
	return &s, nil
}

// UpdateSMSSender sets the sender and whether it is the default of one of
// a service's SMS senders, as upstream's admin API does: the sender must
// exist and not be archived (else ErrNoResult), a sender linked to an
// inbound number keeps its number, and the default cannot stop being one
// (MsgSMSSenderNoDefault): make another sender the default instead.
func (n *Notifier) UpdateSMSSender(ctx context.Context, serviceID, id uuid.UUID, sender string, isDefault bool) (*SMSSender, error) {
	cur, err := n.findSMSSender(ctx, uncached(n.store), serviceID, id)
	if err != nil {
		return nil, err
	}
	v, err := checkSMSSenderValue(sender)
	if err != nil {
		return nil, err
	}
	if cur.InboundNumberID != nil && v != cur.SMSSender {
		return nil, BadRequest("", fmt.Sprintf(msgChangeInboundNumber, serviceID))
	}
	if cur.IsDefault && !isDefault {
		return nil, BadRequest("", MsgSMSSenderNoDefault)
	}
	st, err := n.senderStore("update SMS sender")
	if err != nil {
		return nil, err
	}
	now := n.now()
	next := *cur
	next.SMSSender, next.IsDefault, next.UpdatedAt = v, isDefault, &now
	switch err := st.UpdateSMSSender(ctx, &next); {
	case errors.Is(err, ErrNotFound):
		return nil, ErrNoResult
	case errors.Is(err, ErrConflict):
		return nil, BadRequest("", MsgSMSSenderNoDefault)
	case err != nil:
		return nil, fmt.Errorf("notify: update SMS sender: %w", err)
	}
	return &next, nil
}

// SetDefaultSMSSender makes one of a service's SMS senders its default;
// the previous default stops being one.
func (n *Notifier) SetDefaultSMSSender(ctx context.Context, serviceID, id uuid.UUID) (*SMSSender, error) {
	cur, err := n.findSMSSender(ctx, uncached(n.store), serviceID, id)
	if err != nil {
		return nil, err
	}
	return n.UpdateSMSSender(ctx, serviceID, id, cur.SMSSender, true)
}

// ArchiveSMSSender archives one of a service's SMS senders and returns it:
// sends naming it are refused from then on. The default cannot be archived
// (MsgArchiveDefaultSMSSender), nor a sender linked to an inbound number
// (MsgArchiveInboundSMSSender); one that does not exist is ErrNoResult.
func (n *Notifier) ArchiveSMSSender(ctx context.Context, serviceID, id uuid.UUID) (*SMSSender, error) {
	st, err := n.senderStore("archive SMS sender")
	if err != nil {
		return nil, err
	}
	cur, err := n.findSMSSender(ctx, uncached(n.store), serviceID, id)
	if err != nil && !errors.Is(err, ErrNoResult) {
		return nil, err
	}
	if cur != nil {
		if e := archiveSMSSenderRefusal(cur); e != nil {
			return nil, e
		}
	}
	now := n.now()
	switch err := st.ArchiveSMSSender(ctx, serviceID, id, now); {
	case errors.Is(err, ErrNotFound):
		return nil, ErrNoResult
	case errors.Is(err, ErrConflict):
		// Made the default, or linked, meanwhile.
		if cur, ferr := n.findSMSSender(ctx, uncached(n.store), serviceID, id); ferr == nil {
			if e := archiveSMSSenderRefusal(cur); e != nil {
				return nil, e
			}
		}
		return nil, BadRequest("", MsgArchiveDefaultSMSSender)
	case err != nil:
		return nil, fmt.Errorf("notify: archive SMS sender: %w", err)
	}
	if cur == nil {
		// Archived already: upstream answers with it all the same.
		return &SMSSender{ID: id, ServiceID: serviceID, Archived: true, UpdatedAt: &now}, nil
	}
	cur.Archived, cur.UpdatedAt = true, &now
	return cur, nil
}

func archiveSMSSenderRefusal(s *SMSSender) error {
	switch {
	case s.InboundNumberID != nil:
		return BadRequest("", MsgArchiveInboundSMSSender)
	case s.IsDefault:
		return BadRequest("", MsgArchiveDefaultSMSSender)
	}
	return nil
}

// ---------------------------------------------------------------------------
// Email reply-to addresses.

// ListEmailReplyTo returns a service's email reply-to addresses that are
// not archived, the default first. A missing service is ErrNoResult. The
// Store must be a SenderStore.
func (n *Notifier) ListEmailReplyTo(ctx context.Context, serviceID uuid.UUID) ([]EmailReplyTo, error) {
	if _, err := n.GetService(ctx, serviceID); err != nil {
		return nil, err
	}
	st, err := n.senderStore("list email reply-to addresses")
	if err != nil {
		return nil, err
	}
	list, err := st.ListEmailReplyTo(ctx, serviceID)
	if err != nil {
		return nil, fmt.Errorf("notify: list email reply-to addresses: %w", err)
	}
	return list, nil
}

// GetEmailReplyTo returns one of a service's reply-to addresses; one that
// does not exist, is archived or is another service's is ErrNoResult.
func (n *Notifier) GetEmailReplyTo(ctx context.Context, serviceID, id uuid.UUID) (*EmailReplyTo, error) {
	return n.findReplyTo(ctx, n.store, serviceID, id)
}

func (n *Notifier) findReplyTo(ctx context.Context, s Store, serviceID, id uuid.UUID) (*EmailReplyTo, error) {
	st, ok := storeAs[SenderStore](s)
	if !ok {
		return nil, unsupported("get email reply-to address", "ListEmailReplyTo")
	}
	list, err := st.ListEmailReplyTo(ctx, serviceID)
	if err != nil {
		return nil, fmt.Errorf("notify: get email reply-to address: %w", err)
	}
	i := slices.IndexFunc(list, func(r EmailReplyTo) bool { return r.ID == id })
	if i < 0 {
		return nil, ErrNoResult
	}
	return &list[i], nil
}

// AddEmailReplyTo checks and stores a new reply-to address of r.ServiceID
// (a new id when r.ID is uuid.Nil): the service exists (else ErrNoResult),
// the address is a valid email address and not one the service uses
// already (409, upstream's "Your service already uses ‘{address}’ as an
// email reply-to address."). The service's first address becomes its
// default whatever r.IsDefault says; a new default takes over from the
// previous one.
func (n *Notifier) AddEmailReplyTo(ctx context.Context, r EmailReplyTo) (*EmailReplyTo, error) {
	if _, err := n.GetService(ctx, r.ServiceID); err != nil {
		return nil, err
	}
	v, err := checkReplyToValue(r.EmailAddress)
	if err != nil {
		return nil, err
	}
	st, err := n.senderStore("add email reply-to address")
	if err != nil {
		return nil, err
	}
	have, err := st.ListEmailReplyTo(ctx, r.ServiceID)
	if err != nil {
		return nil, fmt.Errorf("notify: add email reply-to address: %w", err)
	}
	if slices.ContainsFunc(have, func(h EmailReplyTo) bool { return strings.EqualFold(h.EmailAddress, v) }) {
		return nil, &Error{Name: NameBadRequest, Status: http.StatusConflict, Message: fmt.Sprintf(msgReplyToAddressInUse, v)}
	}
	r.EmailAddress, r.Archived, r.CreatedAt, r.UpdatedAt = v, false, n.now(), nil
	if r.ID == uuid.Nil {
		r.ID = uuid.New()
	}
	if err := st.CreateEmailReplyTo(ctx, &r); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, ErrNoResult
		}
		if errors.Is(err, ErrDuplicate) {
			// Added meanwhile by another request.
			return nil, &Error{Name: NameBadRequest, Status: http.StatusConflict, Message: fmt.Sprintf(msgReplyToAddressInUse, v)}
		}
		return nil, fmt.Errorf("notify: add email reply-to address: %w", err)
	}
	return &r, nil
}

// UpdateEmailReplyTo sets the address and whether it is the default of one
// of a service's reply-to addresses: it must exist and not be archived
// (else ErrNoResult), and the default cannot stop being one
// (MsgReplyToNoDefault).
func (n *Notifier) UpdateEmailReplyTo(ctx context.Context, serviceID, id uuid.UUID, address string, isDefault bool) (*EmailReplyTo, error) {
	cur, err := n.findReplyTo(ctx, uncached(n.store), serviceID, id)
	if err != nil {
		return nil, err
	}
	v, err := checkReplyToValue(address)
	if err != nil {
		return nil, err
	}
	if cur.IsDefault && !isDefault {
		return nil, BadRequest("", MsgReplyToNoDefault)
	}
	st, err := n.senderStore("update email reply-to address")
	if err != nil {
		return nil, err
	}
	now := n.now()
	next := *cur
	next.EmailAddress, next.IsDefault, next.UpdatedAt = v, isDefault, &now
	switch err := st.UpdateEmailReplyTo(ctx, &next); {
	case errors.Is(err, ErrNotFound):
		return nil, ErrNoResult
	case errors.Is(err, ErrConflict):
		return nil, BadRequest("", MsgReplyToNoDefault)
	case err != nil:
		return nil, fmt.Errorf("notify: update email reply-to address: %w", err)
	}
	return &next, nil
}

// SetDefaultEmailReplyTo makes one of a service's reply-to addresses its
// default; the previous default stops being one.
func (n *Notifier) SetDefaultEmailReplyTo(ctx context.Context, serviceID, id uuid.UUID) (*EmailReplyTo, error) {
	cur, err := n.findReplyTo(ctx, uncached(n.store), serviceID, id)
	if err != nil {
		return nil, err
	}
	return n.UpdateEmailReplyTo(ctx, serviceID, id, cur.EmailAddress, true)
}

// ArchiveEmailReplyTo archives one of a service's reply-to addresses and
// returns it. The default cannot be archived (MsgArchiveDefaultReplyTo);
// one that does not exist is ErrNoResult.
func (n *Notifier) ArchiveEmailReplyTo(ctx context.Context, serviceID, id uuid.UUID) (*EmailReplyTo, error) {
	st, err := n.senderStore("archive email reply-to address")
	if err != nil {
		return nil, err
	}
	cur, err := n.findReplyTo(ctx, uncached(n.store), serviceID, id)
	if err != nil && !errors.Is(err, ErrNoResult) {
		return nil, err
	}
	if cur != nil && cur.IsDefault {
		return nil, BadRequest("", MsgArchiveDefaultReplyTo)
	}
	now := n.now()
	switch err := st.ArchiveEmailReplyTo(ctx, serviceID, id, now); {
	case errors.Is(err, ErrNotFound):
		return nil, ErrNoResult
	case errors.Is(err, ErrConflict):
		return nil, BadRequest("", MsgArchiveDefaultReplyTo)
	case err != nil:
		return nil, fmt.Errorf("notify: archive email reply-to address: %w", err)
	}
	if cur == nil {
		return &EmailReplyTo{ID: id, ServiceID: serviceID, Archived: true, UpdatedAt: &now}, nil
	}
	cur.Archived, cur.UpdatedAt = true, &now
	return cur, nil
}

// ---------------------------------------------------------------------------
// Sending.

// chooseSenders returns the sender of a notification being sent: for a
// text message (from) the SMS sender named by d.senderID, else the
// service's default one, else the service's SMSSender or the configured
// default; for an email (replyTo) the reply-to address named by d.replyID,
// else the service's default one, else none. An id that names no live
// sender of the service (or any id, when the Store keeps no senders) is
// refused with upstream's message. Reads go through the read cache.
func (n *Notifier) chooseSenders(ctx context.Context, d *draft) (from, replyTo string, err error) {
	svc := d.c.Service
	st, ok := storeAs[SenderStore](n.store)
	if d.typ == SMS {
		from = n.senderOf(svc, SMS)
		if !ok {
			return from, "", checkSenderIDs(svc, d.senderID, nil)
		}
		list, err := st.ListSMSSenders(ctx, svc.ID)
		if errors.Is(err, ErrUnsupported) {
			return from, "", checkSenderIDs(svc, d.senderID, nil)
		}
		if err != nil {
			return "", "", fmt.Errorf("notify: send: load SMS senders: %w", err)
		}
		for i := range list {
			s := &list[i]
			if d.senderID != nil && s.ID == *d.senderID || d.senderID == nil && s.IsDefault {
				return s.FromNumber(), "", nil
			}
		}
		return from, "", checkSenderIDs(svc, d.senderID, nil)
	}
	from = n.senderOf(svc, d.typ)
	if !ok {
		return from, "", checkSenderIDs(svc, nil, d.replyID)
	}
	list, err := st.ListEmailReplyTo(ctx, svc.ID)
	if errors.Is(err, ErrUnsupported) {
		return from, "", checkSenderIDs(svc, nil, d.replyID)
	}
	if err != nil {
		return "", "", fmt.Errorf("notify: send: load email reply-to addresses: %w", err)
	}
	for _, r := range list {
		if d.replyID != nil && r.ID == *d.replyID || d.replyID == nil && r.IsDefault {
			return from, r.EmailAddress, nil
		}
	}
	return from, "", checkSenderIDs(svc, nil, d.replyID)
}

// CheckSMSSender reports whether s (trimmed) can be an SMS sender: an
// alphanumeric sender ID of up to 11 ASCII letters, digits and spaces with
// at least one letter, or a phone number. The error is the admin API's
// refusal.
func CheckSMSSender(s string) error {
	_, err := checkSMSSenderValue(s)
	return err
}
