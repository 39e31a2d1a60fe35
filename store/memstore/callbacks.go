package memstore

import (
	"cmp"
	"context"
	"slices"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// Service callbacks, complaints and inbound numbers (notify's
// servicecallbacks.go, complaints.go and inbound.go).

var (
	_ notify.ServiceCallbackStore = (*Store)(nil)
	_ notify.ComplaintStore       = (*Store)(nil)
	_ notify.InboundNumberStore   = (*Store)(nil)
)

// callbackState is the part of a Store these abilities keep. Its maps are
// made on first write, under Store.mu.
type callbackState struct {
	callbacks  map[uuid.UUID]*notify.ServiceCallback
	complaints map[uuid.UUID]*notify.Complaint
	numbers    map[string]*notify.InboundNumber
}

func copyCallback(cb *notify.ServiceCallback) *notify.ServiceCallback {
	c := *cb
	c.UpdatedBy, c.UpdatedAt = clonePtr(cb.UpdatedBy), clonePtr(cb.UpdatedAt)
	return &c
}

// CreateServiceCallback stores a callback, one per service and type.
func (s *Store) CreateServiceCallback(ctx context.Context, cb *notify.ServiceCallback) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.services[cb.ServiceID]; !ok {
		return notFound("service", cb.ServiceID)
	}
	if s.cb.callbacks == nil {
		s.cb.callbacks = map[uuid.UUID]*notify.ServiceCallback{}
	}
	if _, ok := s.cb.callbacks[cb.ID]; ok {
		return duplicate("service callback", cb.ID)
	}
	for _, have := range s.cb.callbacks {
		if have.ServiceID == cb.ServiceID && have.Type == cb.Type {
			return duplicate("service callback", cb.Type)
		}
	}
	s.cb.callbacks[cb.ID] = copyCallback(cb)
	return nil
}

// UpdateServiceCallback replaces a callback's URL, token, UpdatedBy and
// UpdatedAt.
func (s *Store) UpdateServiceCallback(ctx context.Context, cb *notify.ServiceCallback) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	have, ok := s.cb.callbacks[cb.ID]
	if !ok || have.ServiceID != cb.ServiceID {
		return notFound("service callback", cb.ID)
	}
	have.URL, have.BearerToken = cb.URL, cb.BearerToken
	have.UpdatedBy, have.UpdatedAt = clonePtr(cb.UpdatedBy), clonePtr(cb.UpdatedAt)
	return nil
}

// GetServiceCallback returns the service's callback of type typ.
func (s *Store) GetServiceCallback(ctx context.Context, serviceID uuid.UUID, typ notify.CallbackType) (*notify.ServiceCallback, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, cb := range s.cb.callbacks {
		if cb.ServiceID == serviceID && cb.Type == typ {
			return copyCallback(cb), nil
		}
	}
	return nil, notFound("service callback", typ)
}

// ListServiceCallbacks returns the service's callbacks ordered by type.
func (s *Store) ListServiceCallbacks(ctx context.Context, serviceID uuid.UUID) ([]notify.ServiceCallback, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []notify.ServiceCallback{}
	for _, cb := range s.cb.callbacks {
		if cb.ServiceID == serviceID {
			out = append(out, *copyCallback(cb))
		}
	}
	slices.SortFunc(out, func(a, b notify.ServiceCallback) int { return cmp.Compare(a.Type, b.Type) })
	return out, nil
}

// DeleteServiceCallback deletes the service's callback of type typ.
func (s *Store) DeleteServiceCallback(ctx context.Context, serviceID uuid.UUID, typ notify.CallbackType) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, cb := range s.cb.callbacks {
		if cb.ServiceID == serviceID && cb.Type == typ {
			delete(s.cb.callbacks, id)
			return nil
		}
	}
	return notFound("service callback", typ)
}

// CreateComplaint stores a complaint, one per non-empty feedback id.
func (s *Store) CreateComplaint(ctx context.Context, c *notify.Complaint) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cb.complaints == nil {
		s.cb.complaints = map[uuid.UUID]*notify.Complaint{}
	}
	if _, ok := s.cb.complaints[c.ID]; ok {
		return duplicate("complaint", c.ID)
	}
	if c.SESFeedbackID != "" {
		for _, have := range s.cb.complaints {
			if have.SESFeedbackID == c.SESFeedbackID {
				return duplicate("complaint with feedback id", c.SESFeedbackID)
			}
		}
	}
	cp := *c
	s.cb.complaints[c.ID] = &cp
	return nil
}

// GetComplaint returns a complaint by id.
func (s *Store) GetComplaint(ctx context.Context, id uuid.UUID) (*notify.Complaint, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.cb.complaints[id]
	if !ok {
		return nil, notFound("complaint", id)
	}
	cp := *c
	return &cp, nil
}

// ListComplaints returns a service's complaints newest first.
func (s *Store) ListComplaints(ctx context.Context, serviceID uuid.UUID) ([]notify.Complaint, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []notify.Complaint{}
	for _, c := range s.cb.complaints {
		if c.ServiceID == serviceID {
			out = append(out, *c)
		}
	}
	slices.SortFunc(out, func(a, b notify.Complaint) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID.String(), a.ID.String())
	})
	return out, nil
}

// AssignInboundNumber gives a number to a service; numbers are unique
// across services.
func (s *Store) AssignInboundNumber(ctx context.Context, n *notify.InboundNumber) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.services[n.ServiceID]; !ok {
		return notFound("service", n.ServiceID)
	}
	if have, ok := s.cb.numbers[n.Number]; ok {
		if have.ServiceID != n.ServiceID {
			return duplicate("inbound number", n.Number)
		}
		n.ID, n.CreatedAt = have.ID, have.CreatedAt
		return nil
	}
	if s.cb.numbers == nil {
		s.cb.numbers = map[string]*notify.InboundNumber{}
	}
	cp := *n
	s.cb.numbers[n.Number] = &cp
	return nil
}

// GetInboundNumber returns the assignment of a number.
func (s *Store) GetInboundNumber(ctx context.Context, number string) (*notify.InboundNumber, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok := s.cb.numbers[number]
	if !ok {
		return nil, notFound("inbound number", number)
	}
	cp := *n
	return &cp, nil
}

// ListInboundNumbers returns a service's numbers, oldest first.
func (s *Store) ListInboundNumbers(ctx context.Context, serviceID uuid.UUID) ([]notify.InboundNumber, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []notify.InboundNumber{}
	for _, n := range s.cb.numbers {
		if n.ServiceID == serviceID {
			out = append(out, *n)
		}
	}
	slices.SortFunc(out, func(a, b notify.InboundNumber) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.Number, b.Number)
	})
	return out, nil
}

// GetInboundSMS returns a service's received message by id.
func (s *Store) GetInboundSMS(ctx context.Context, serviceID, id uuid.UUID) (*notify.InboundSMS, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, ok := s.inbound[id]
	if !ok || m.ServiceID != serviceID {
		return nil, notFound("inbound sms", id)
	}
	return copyInbound(m), nil
}
