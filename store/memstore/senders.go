package memstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

var _ notify.SenderStore = (*Store)(nil)

// senderState holds the SMS senders and email reply-to addresses; its maps
// are made on first use, under s.mu.
type senderState struct {
	sms     map[uuid.UUID]*notify.SMSSender
	replyTo map[uuid.UUID]*notify.EmailReplyTo
}

// row is what the default rule needs of either kind of sender.
type senderRow interface {
	*notify.SMSSender | *notify.EmailReplyTo
}

func fields[P senderRow](p P) (serviceID uuid.UUID, isDefault, archived *bool) {
	switch v := any(p).(type) {
	case *notify.SMSSender:
		return v.ServiceID, &v.IsDefault, &v.Archived
	case *notify.EmailReplyTo:
		return v.ServiceID, &v.IsDefault, &v.Archived
	}
	panic("unreachable")
}

// createSender stores c in m under the default rule: the first live one
// of its service becomes the default, a new default replaces the old.
func createSender[P senderRow](s *Store, m map[uuid.UUID]P, id uuid.UUID, c P, what string) error {
	svcID, isDefault, _ := fields(c)
	if _, ok := s.services[svcID]; !ok {
		return notFound("service", svcID)
	}
	if _, ok := m[id]; ok {
		return duplicate(what, id)
	}
	live := false
	for _, have := range m {
		hs, _, archived := fields(have)
		live = live || hs == svcID && !*archived
	}
	if !live {
		*isDefault = true
	}
	if *isDefault {
		clearDefault(m, svcID)
	}
	m[id] = c
	return nil
}

// updateSender replaces the row id of m with c under the default rule.
func updateSender[P senderRow](m map[uuid.UUID]P, id uuid.UUID, c P, what string) error {
	svcID, isDefault, _ := fields(c)
	cur, ok := m[id]
	if !ok {
		return notFound(what, id)
	}
	cs, curDefault, archived := fields(cur)
	if cs != svcID || *archived {
		return notFound(what, id)
	}
	if *curDefault && !*isDefault {
		return senderConflict(what, id)
	}
	if *isDefault {
		clearDefault(m, svcID)
	}
	m[id] = c
	return nil
}

func clearDefault[P senderRow](m map[uuid.UUID]P, serviceID uuid.UUID) {
	for _, have := range m {
		if hs, d, _ := fields(have); hs == serviceID {
			*d = false
		}
	}
}

// archiveSender archives the row id of m unless it is its service's
// default or refuse says no.
func archiveSender[P senderRow](m map[uuid.UUID]P, serviceID, id uuid.UUID, what string, refuse func(P) bool) (P, error) {
	var none P
	cur, ok := m[id]
	if !ok {
		return none, notFound(what, id)
	}
	cs, isDefault, archived := fields(cur)
	if cs != serviceID {
		return none, notFound(what, id)
	}
	if *archived {
		return none, nil
	}
	if *isDefault || refuse(cur) {
		return none, senderConflict(what, id)
	}
	*archived = true
	return cur, nil
}

// CreateSMSSender stores a sender; the service's first live one becomes
// its default, a new default replaces the old one.
func (s *Store) CreateSMSSender(ctx context.Context, in *notify.SMSSender) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.senders.sms == nil {
		s.senders.sms = map[uuid.UUID]*notify.SMSSender{}
	}
	c := copySMSSender(in)
	if err := createSender(s, s.senders.sms, in.ID, c, "SMS sender"); err != nil {
		return err
	}
	in.IsDefault = c.IsDefault
	return nil
}

// UpdateSMSSender replaces a live sender's value, default flag, inbound
// number and update time.
func (s *Store) UpdateSMSSender(ctx context.Context, in *notify.SMSSender) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.senders.sms[in.ID]
	if !ok {
		return notFound("SMS sender", in.ID)
	}
	c := copySMSSender(cur)
	c.SMSSender, c.IsDefault, c.InboundNumberID = in.SMSSender, in.IsDefault, senderPtr(in.InboundNumberID)
	c.UpdatedAt = senderPtr(in.UpdatedAt)
	c.ServiceID = in.ServiceID
	return updateSender(s.senders.sms, in.ID, c, "SMS sender")
}

// ArchiveSMSSender archives a sender that is neither the default nor an
// inbound number.
func (s *Store) ArchiveSMSSender(ctx context.Context, serviceID, id uuid.UUID, at time.Time) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := archiveSender(s.senders.sms, serviceID, id, "SMS sender",
		func(p *notify.SMSSender) bool { return p.InboundNumberID != nil })
	if cur != nil {
		cur.UpdatedAt = &at
	}
	return err
}

// ListSMSSenders returns a service's live senders, the default first, then
// oldest first.
func (s *Store) ListSMSSenders(ctx context.Context, serviceID uuid.UUID) ([]notify.SMSSender, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	out := []notify.SMSSender{}
	for _, v := range s.senders.sms {
		if v.ServiceID == serviceID && !v.Archived {
			out = append(out, *copySMSSender(v))
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b notify.SMSSender) int {
		return senderOrder(a.IsDefault, b.IsDefault, a.CreatedAt, b.CreatedAt, a.ID, b.ID)
	})
	return out, nil
}

// CreateEmailReplyTo stores a reply-to address under the default rule.
func (s *Store) CreateEmailReplyTo(ctx context.Context, in *notify.EmailReplyTo) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.senders.replyTo == nil {
		s.senders.replyTo = map[uuid.UUID]*notify.EmailReplyTo{}
	}
	for _, have := range s.senders.replyTo {
		if have.ServiceID == in.ServiceID && !have.Archived && strings.EqualFold(have.EmailAddress, in.EmailAddress) {
			return fmt.Errorf("memstore: email reply-to address %q is in use: %w", in.EmailAddress, notify.ErrDuplicate)
		}
	}
	c := copyReplyTo(in)
	if err := createSender(s, s.senders.replyTo, in.ID, c, "email reply-to address"); err != nil {
		return err
	}
	in.IsDefault = c.IsDefault
	return nil
}

// UpdateEmailReplyTo replaces a live address, its default flag and update
// time.
func (s *Store) UpdateEmailReplyTo(ctx context.Context, in *notify.EmailReplyTo) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.senders.replyTo[in.ID]
	if !ok {
		return notFound("email reply-to address", in.ID)
	}
	c := copyReplyTo(cur)
	c.EmailAddress, c.IsDefault, c.UpdatedAt, c.ServiceID = in.EmailAddress, in.IsDefault, senderPtr(in.UpdatedAt), in.ServiceID
	return updateSender(s.senders.replyTo, in.ID, c, "email reply-to address")
}

// ArchiveEmailReplyTo archives an address that is not the default.
func (s *Store) ArchiveEmailReplyTo(ctx context.Context, serviceID, id uuid.UUID, at time.Time) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := archiveSender(s.senders.replyTo, serviceID, id, "email reply-to address",
		func(*notify.EmailReplyTo) bool { return false })
	if cur != nil {
		cur.UpdatedAt = &at
	}
	return err
}

// ListEmailReplyTo returns a service's live addresses, the default first,
// then oldest first.
func (s *Store) ListEmailReplyTo(ctx context.Context, serviceID uuid.UUID) ([]notify.EmailReplyTo, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	out := []notify.EmailReplyTo{}
	for _, v := range s.senders.replyTo {
		if v.ServiceID == serviceID && !v.Archived {
			out = append(out, *copyReplyTo(v))
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b notify.EmailReplyTo) int {
		return senderOrder(a.IsDefault, b.IsDefault, a.CreatedAt, b.CreatedAt, a.ID, b.ID)
	})
	return out, nil
}

// senderOrder orders the default first, then by creation time and id.
func senderOrder(da, db bool, ca, cb time.Time, ia, ib uuid.UUID) int {
	switch {
	case da && !db:
		return -1
	case db && !da:
		return 1
	}
	if c := ca.Compare(cb); c != 0 {
		return c
	}
	return compareIDs(ia, ib)
}

func copySMSSender(v *notify.SMSSender) *notify.SMSSender {
	c := *v
	c.InboundNumberID, c.UpdatedAt = senderPtr(v.InboundNumberID), senderPtr(v.UpdatedAt)
	return &c
}

func copyReplyTo(v *notify.EmailReplyTo) *notify.EmailReplyTo {
	c := *v
	c.UpdatedAt = senderPtr(v.UpdatedAt)
	return &c
}

func senderPtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func senderConflict(what string, id any) error {
	return fmt.Errorf("memstore: %s %v: the default must stay the default, and neither it nor an inbound number can be archived: %w", what, id, notify.ErrConflict)
}
