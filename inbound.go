package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
)

// TaskInboundSMSCallback is the task that POSTs a received text message to
// its service's inbound_sms callback, on the service-callbacks queue.
const TaskInboundSMSCallback = "send_inbound_sms"

// InboundNumber is a phone number (or short code) that receives text
// messages for one service.
type InboundNumber struct {
	ID uuid.UUID
	// Number is normalised (NormaliseInboundNumber).
	Number    string
	ServiceID uuid.UUID
	CreatedAt time.Time
}

// InboundNumberStore is an optional Store ability: the numbers that receive
// text messages, each owned by at most one service, and reading one
// received message back.
type InboundNumberStore interface {
	// AssignInboundNumber gives n.Number to n.ServiceID. Assigning a number
	// to the service that has it already changes nothing (n.ID and
	// n.CreatedAt are set to the stored ones); a number another service
	// has returns an error wrapping ErrDuplicate; an unknown service, one
	// wrapping ErrNotFound.
	AssignInboundNumber(ctx context.Context, n *InboundNumber) error
	// GetInboundNumber returns the assignment of a normalised number, or
	// an error wrapping ErrNotFound.
	GetInboundNumber(ctx context.Context, number string) (*InboundNumber, error)
	// ListInboundNumbers returns a service's numbers, oldest first.
	ListInboundNumbers(ctx context.Context, serviceID uuid.UUID) ([]InboundNumber, error)
	// GetInboundSMS returns a service's received message by id, or an
	// error wrapping ErrNotFound.
	GetInboundSMS(ctx context.Context, serviceID, id uuid.UUID) (*InboundSMS, error)
}

// InboundSMSCallbackPayload is the body of an inbound_sms callback, in
// upstream's shape.
type InboundSMSCallbackPayload struct {
	ID                uuid.UUID `json:"id"`
	SourceNumber      string    `json:"source_number"`
	DestinationNumber string    `json:"destination_number"`
	Message           string    `json:"message"`
	DateReceived      string    `json:"date_received"`
}

// NewInboundSMSCallbackPayload builds the callback body of a received
// message.
func NewInboundSMSCallbackPayload(m *InboundSMS) InboundSMSCallbackPayload {
	return InboundSMSCallbackPayload{ID: m.ID, SourceNumber: m.UserNumber, DestinationNumber: m.NotifyNumber,
		Message: m.Content, DateReceived: m.CreatedAt.UTC().Format(TimeFormat)}
}

type inboundTask struct {
	ServiceID uuid.UUID `json:"service_id"`
	InboundID uuid.UUID `json:"inbound_sms_id"`
}

// NormaliseInboundNumber is the form inbound numbers are kept and matched
// in: a phone number in E.164 without "+" when it parses (07700900999,
// +447700900999 and 447700900999 are one number, as upstream's lookup
// strips a leading 44), else its digits (short codes such as 40604).
func NormaliseInboundNumber(s string) string {
	if p, err := ParsePhoneNumber(s); err == nil {
		return p.Normalised
	}
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// ErrInboundNumberTaken refuses a number another service has.
var ErrInboundNumberTaken = &Error{Name: NameValidation, Status: http.StatusBadRequest, Field: "number",
	Message: "Inbound number already assigned to another service"}

// AssignInboundNumber gives number (any form; normalised) to the service,
// so that text messages to it are stored for the service and sent to its
// inbound_sms callback. A service with no SMS sender of its own
// (Service.SMSSender empty) gets the number as its sender, as upstream
// makes an inbound number the default sender. A number another service
// has is ErrInboundNumberTaken and changes nothing.
func (n *Notifier) AssignInboundNumber(ctx context.Context, serviceID uuid.UUID, number string) (*InboundNumber, error) {
	const op = "assign inbound number"
	is, ok := storeAs[InboundNumberStore](n.store)
	if !ok {
		return nil, unsupported(op, "InboundNumberStore")
	}
	norm := NormaliseInboundNumber(number)
	if norm == "" {
		return nil, ValidationError("number", "number is not a valid phone number or short code")
	}
	in := &InboundNumber{ID: uuid.New(), Number: norm, ServiceID: serviceID, CreatedAt: n.now()}
	if err := is.AssignInboundNumber(ctx, in); errors.Is(err, ErrDuplicate) {
		return nil, ErrInboundNumberTaken
	} else if err != nil {
		return nil, notFoundAs(fmt.Errorf("notify: %s: %w", op, err))
	}
	if ss, ok := storeAs[SenderStore](n.store); ok {
		// The read cache has the ability whatever the Store behind it,
		// answering ErrUnsupported when that Store lacks it: then the
		// number goes to Service.SMSSender, below.
		err := n.addInboundSender(ctx, ss, in)
		if err == nil {
			return in, nil
		}
		if !errors.Is(err, ErrUnsupported) {
			return nil, fmt.Errorf("notify: %s: sender: %w", op, err)
		}
	}
	svc, err := uncached(n.store).GetService(ctx, serviceID)
	if err != nil {
		return nil, fmt.Errorf("notify: %s: %w", op, err)
	}
	if svc.SMSSender == "" {
		svc.SMSSender, svc.UpdatedAt = norm, n.now()
		if err := n.store.UpdateService(ctx, svc); err != nil {
			return nil, fmt.Errorf("notify: %s: sender: %w", op, err)
		}
	}
	return in, nil
}

// addInboundSender makes a newly assigned inbound number one of the
// service's SMS senders, linked to the number, so that replies to its text
// messages come back to it: the default sender when the service has no
// sender of its own, else an extra sender it can choose with sms_sender_id.
// Senders the service already has are left as they are; a service whose
// only sender is the Service.SMSSender field first gets that sender as its
// default sender row. Assigning the same number again adds nothing.
func (n *Notifier) addInboundSender(ctx context.Context, ss SenderStore, in *InboundNumber) error {
	list, err := ss.ListSMSSenders(ctx, in.ServiceID)
	if err != nil {
		return err
	}
	for _, s := range list {
		if s.InboundNumberID != nil && *s.InboundNumberID == in.ID {
			return nil
		}
	}
	if len(list) == 0 {
		svc, err := uncached(n.store).GetService(ctx, in.ServiceID)
		if err != nil {
			return err
		}
		if v, err := checkSMSSenderValue(svc.SMSSender); svc.SMSSender != "" && err == nil {
			own := &SMSSender{ID: uuid.New(), ServiceID: in.ServiceID, SMSSender: v, IsDefault: true, CreatedAt: n.now()}
			if err := ss.CreateSMSSender(ctx, own); err != nil {
				return err
			}
			list = append(list, *own)
		}
	}
	id := in.ID
	s := &SMSSender{ID: uuid.New(), ServiceID: in.ServiceID, SMSSender: in.Number, IsDefault: len(list) == 0,
		InboundNumberID: &id, CreatedAt: n.now()}
	return ss.CreateSMSSender(ctx, s)
}

// InboundNumbers returns the service's inbound numbers, oldest first.
func (n *Notifier) InboundNumbers(ctx context.Context, serviceID uuid.UUID) ([]InboundNumber, error) {
	const op = "list inbound numbers"
	is, ok := storeAs[InboundNumberStore](n.store)
	if !ok {
		return nil, unsupported(op, "InboundNumberStore")
	}
	list, err := is.ListInboundNumbers(ctx, serviceID)
	if err != nil {
		return nil, fmt.Errorf("notify: %s: %w", op, err)
	}
	return list, nil
}

// ErrUnknownInboundNumber is wrapped by the error of ReceiveInboundSMS for
// a message to a number no service has.
var ErrUnknownInboundNumber = errors.New("notify: inbound number not associated with a service")

// ReceiveInboundSMS stores a text message received on m.NotifyNumber for
// the service that has the number, and queues its inbound_sms callback.
// Both numbers are normalised (NormaliseInboundNumber). When m.ServiceID
// is set the number is not looked up. A number no service has is an error
// wrapping ErrUnknownInboundNumber, and nothing is stored.
func (n *Notifier) ReceiveInboundSMS(ctx context.Context, m InboundSMS) (*InboundSMS, error) {
	m.NotifyNumber, m.UserNumber = NormaliseInboundNumber(m.NotifyNumber), NormaliseInboundNumber(m.UserNumber)
	if m.ServiceID == uuid.Nil {
		is, ok := storeAs[InboundNumberStore](n.store)
		if !ok {
			return nil, fmt.Errorf("%w: %s (the store has no InboundNumberStore)", ErrUnknownInboundNumber, m.NotifyNumber)
		}
		in, err := is.GetInboundNumber(ctx, m.NotifyNumber)
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("%w: %s", ErrUnknownInboundNumber, m.NotifyNumber)
		}
		if err != nil {
			return nil, fmt.Errorf("notify: receive sms: %w", err)
		}
		m.ServiceID = in.ServiceID
	}
	return n.ReceiveSMS(ctx, m)
}

// queueInboundCallback queues the inbound_sms callback of m when its
// service has one. A failure is logged: the message is stored and can be
// read with GET /v2/received-text-messages.
func (n *Notifier) queueInboundCallback(ctx context.Context, m *InboundSMS) {
	// Queued unless the service is known to have no such callback: when
	// the service or its callback cannot be read, the task reads them
	// again.
	if svc, err := n.store.GetService(ctx, m.ServiceID); err == nil {
		if _, ok, err := n.callbackTargetOf(ctx, svc, CallbackInboundSMS); err == nil && !ok {
			return
		}
	}
	payload, _ := json.Marshal(inboundTask{ServiceID: m.ServiceID, InboundID: m.ID})
	if err := n.enqueueDetached(ctx, QueueServiceCallbacks, Task{Name: TaskInboundSMSCallback, Payload: payload}); err != nil {
		n.log.WarnContext(ctx, "inbound sms callback: not queued", slog.String("inbound_sms_id", m.ID.String()), slog.Any("error", err))
	}
}

// sendInboundCallback POSTs a received message to its service's
// inbound_sms callback.
func (n *Notifier) sendInboundCallback(ctx context.Context, t Task) error {
	var p inboundTask
	if err := json.Unmarshal(t.Payload, &p); err != nil {
		return Permanent(fmt.Errorf("notify: inbound sms callback payload: %w", err))
	}
	is, ok := storeAs[InboundNumberStore](n.store)
	if !ok {
		return Permanent(unsupported("inbound sms callback", "InboundNumberStore"))
	}
	m, err := is.GetInboundSMS(ctx, p.ServiceID, p.InboundID)
	if errors.Is(err, ErrNotFound) {
		return Permanent(fmt.Errorf("notify: inbound sms callback: %w", err))
	}
	if err != nil {
		return fmt.Errorf("notify: inbound sms callback: %w", err)
	}
	svc, err := n.store.GetService(ctx, m.ServiceID)
	if err != nil {
		return fmt.Errorf("notify: inbound sms callback: %w", err)
	}
	target, ok, err := n.callbackTargetOf(ctx, svc, CallbackInboundSMS)
	if err != nil {
		return fmt.Errorf("notify: inbound sms callback: %w", err)
	}
	if !ok {
		return nil
	}
	return n.postCallback(ctx, "inbound sms callback", m.ID, target, NewInboundSMSCallbackPayload(m))
}
