package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/google/uuid"
)

// ---------------------------------------------------------------------------
// Sending.

// SendSMS validates req as the v2 API does and, in upstream's order,
// checks the rate limit, the daily limit, the service's permission, the template,
// personalisation, the recipient (trial mode, team key, phone rules) and the
// length; then persists the notification and queues it. A simulated
// recipient gets a full result but nothing is stored, counted or queued.
// Refusals are *Error or Errors; their codes and sentinels (ErrTrialMode,
// ErrDailyLimit...) tell them apart. The Caller is checked again first (a
// revoked key is refused) and a nil one is an error.
func (n *Notifier) SendSMS(ctx context.Context, c *Caller, req *SMSRequest) (*Notification, error) {
	c, err := n.current(ctx, c)
	if err != nil {
		return nil, err
	}
	if req != nil && req.IdempotencyKey != "" {
		if err := n.checkRateLimit(ctx, c); err != nil {
			return nil, err
		}
		return n.sendSMSWithKey(ctx, c, req) // idempotency.go: the daily limit after the key
	}
	return n.sendWithLimits(ctx, c, SMS, func(g *limitGate) (*Notification, error) {
		if err := checkSMSRequest(req, n.now()); err != nil {
			return nil, err
		}
		return n.sendSMS(ctx, c, req, g)
	})
}

// SendEmail is SendSMS for email. The personalisation values named by
// req.SanitiseContentFor are sanitised before anything else reads them;
// the result's SanitisedContent says which of them changed.
func (n *Notifier) SendEmail(ctx context.Context, c *Caller, req *EmailRequest) (*Notification, error) {
	c, err := n.current(ctx, c)
	if err != nil {
		return nil, err
	}
	if req != nil && req.IdempotencyKey != "" {
		if err := n.checkRateLimit(ctx, c); err != nil {
			return nil, err
		}
		return n.sendEmailWithKey(ctx, c, req) // idempotency.go: the daily limit after the key
	}
	return n.sendWithLimits(ctx, c, Email, func(g *limitGate) (*Notification, error) {
		if err := checkEmailRequest(req, n.now()); err != nil {
			return nil, err
		}
		return n.sendEmail(ctx, c, req, g)
	})
}

// SendJSON is the v2 POST /v2/notifications/{type} flow from the raw body:
// the rate limit and the daily limit are checked before the body is
// parsed, as upstream does (or, with a cache that is a BatchAdmitter,
// taken with the notification's row, with the same answers).
// typ must be SMS or Email; Letter is refused with upstream's message.
func (n *Notifier) SendJSON(ctx context.Context, c *Caller, typ NotificationType, body []byte) (*Notification, error) {
	c, err := n.current(ctx, c)
	if err != nil {
		return nil, err
	}
	return n.sendWithLimits(ctx, c, typ, func(g *limitGate) (*Notification, error) {
		return n.sendV2Body(ctx, c, typ, V2Body(body), g)
	})
}

// sendV2Body is SendJSON after the rate limit and the daily limit (or
// with them held back by g): the body's schema, then the send. c is
// current.
func (n *Notifier) sendV2Body(ctx context.Context, c *Caller, typ NotificationType, body []byte, g *limitGate) (*Notification, error) {
	switch typ {
	case SMS:
		req, err := DecodeSMSRequest(body, n.now())
		if err != nil {
			return nil, err
		}
		return n.sendSMS(ctx, c, req, g)
	case Email:
		req, err := DecodeEmailRequest(body, n.now())
		if err != nil {
			return nil, err
		}
		return n.sendEmail(ctx, c, req, g)
	default:
		return nil, BadRequest("", fmt.Sprintf("%s notification type is not supported", typ))
	}
}

// SendV1 is the v1 POST /notifications/{type} flow: {"to", "template",
// "personalisation"}. Errors carry v1 fields.
func (n *Notifier) SendV1(ctx context.Context, c *Caller, typ NotificationType, body []byte) (*Notification, error) {
	c, err := n.current(ctx, c)
	if err != nil {
		return nil, err
	}
	if typ != SMS && typ != Email {
		msg := fmt.Sprintf("%s notification type is not supported", typ)
		if typ == Letter {
			msg += ", please use the latest version of the client"
		}
		return nil, BadRequest("", msg)
	}
	if err := n.checkLimits(ctx, c, typ); err != nil {
		return nil, err
	}
	return n.sendV1(ctx, c, typ, body)
}

// sendV1 is SendV1 after the rate and daily limits: the body, the
// recipient, the send.
func (n *Notifier) sendV1(ctx context.Context, c *Caller, typ NotificationType, body []byte) (*Notification, error) {
	req, err := DecodeV1SendRequest(body)
	if err != nil {
		return nil, err
	}
	if typ == SMS {
		r := &SMSRequest{PhoneNumber: req.To, TemplateID: req.TemplateID, Personalisation: req.Personalisation}
		if _, err := ParsePhoneNumber(r.PhoneNumber); err != nil {
			return nil, refusal(CodeInvalidPhone, FieldTo, phoneMessage(err)).withCause(err)
		}
		return n.sendSMS(ctx, c, r, nil)
	}
	r := &EmailRequest{EmailAddress: req.To, TemplateID: req.TemplateID, Personalisation: req.Personalisation}
	if _, err := ValidateEmail(r.EmailAddress); err != nil {
		return nil, invalidEmail(err)
	}
	return n.sendEmail(ctx, c, r, nil)
}

// draft is a notification being prepared by a send.
type draft struct {
	c          *Caller
	typ        NotificationType
	templateID uuid.UUID
	values     map[string]any
	to         string
	ref        *string
	unsub      *string
	senderID   *uuid.UUID
	replyID    *uuid.UUID
	// docs are the files of the send, stored just before it persists.
	docs []pendingDocument
	// gate holds the limits back when the committer may take them with
	// the row (nil: checked before the send).
	gate *limitGate
}

func (n *Notifier) sendSMS(ctx context.Context, c *Caller, req *SMSRequest, g *limitGate) (*Notification, error) {
	return n.send(ctx, &draft{c: c, typ: SMS, templateID: req.TemplateID, values: req.Personalisation,
		to: strings.TrimSpace(req.PhoneNumber), ref: req.Reference, senderID: req.SMSSenderID, gate: g})
}

func (n *Notifier) sendEmail(ctx context.Context, c *Caller, req *EmailRequest, g *limitGate) (*Notification, error) {
	values, sanitised := sanitisePersonalisation(req.Personalisation, req.SanitiseContentFor)
	nt, err := n.send(ctx, &draft{c: c, typ: Email, templateID: req.TemplateID, values: values,
		to: strings.TrimSpace(req.EmailAddress), ref: req.Reference, unsub: req.OneClickUnsubscribeURL,
		replyID: req.EmailReplyToID, gate: g})
	if err != nil {
		return nil, err
	}
	// Set once the send is over: the notification is stored without it.
	nt.SanitisedContent = sanitised
	return nt, nil
}

// Refusal messages of the send flow, exact.
const (
	MsgTeamKeyRecipient  = "Can\u2019t send to this recipient using a team-only API key"
	msgTrialModePrefix   = "Can\u2019t send to this recipient when service is in trial mode \u2013 see "
	MsgInternationalSMS  = "Cannot send to international mobile numbers"
	MsgTemplateNotFound  = "Template not found"
	MsgTemplateDeleted   = "Template has been deleted"
	MsgMessageEmpty      = "Your message is empty."
	MsgNoSMSPermission   = "Service is not allowed to send text messages"
	MsgNoEmailPermission = "Service is not allowed to send emails"
)

// send runs the checks after schema validation, in upstream's order, then
// persists and queues.
func (n *Notifier) send(ctx context.Context, d *draft) (*Notification, error) {
	if !n.life.enter() {
		return nil, errNotifierClosed
	}
	defer n.life.leave()
	svc := d.c.Service
	// The file options are part of the request's schema (the v2 decoders
	// have checked them already).
	if err := checkFileOptions(d.values); err != nil {
		return nil, err
	}
	// Service permission for the channel.
	if d.typ == SMS && !svc.Can(PermissionSMS) {
		return nil, refusal(CodeServicePermission, FieldService, MsgNoSMSPermission)
	}
	if d.typ == Email && !svc.Can(PermissionEmail) {
		return nil, refusal(CodeServicePermission, FieldService, MsgNoEmailPermission)
	}
	// Template.
	tpl, err := n.store.GetTemplate(ctx, svc.ID, d.templateID)
	if errors.Is(err, ErrNotFound) {
		return nil, refusal(CodeTemplateNotFound, FieldTemplate, MsgTemplateNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("notify: send: load template: %w", err)
	}
	if tpl.Type != d.typ {
		return nil, refusal(CodeTemplateType, FieldTemplate, fmt.Sprintf("%s template is not suitable for %s notification", tpl.Type, d.typ))
	}
	if tpl.Archived {
		return nil, refusal(CodeTemplateDeleted, FieldTemplate, MsgTemplateDeleted)
	}
	if err := checkFilesAllowed(d.typ, d.values); err != nil {
		return nil, err
	}
	// Personalisation and rendering.
	if err := checkPersonalisation(tpl, d.values); err != nil {
		return nil, err
	}
	var body, subject string
	if d.typ == SMS {
		body = RenderSMS(tpl.Content, d.values, "")
	} else {
		body = RenderEmailBody(tpl.Content, d.values)
		subject = RenderEmailSubject(tpl.Subject, d.values)
	}
	if strings.TrimSpace(body) == "" {
		return nil, refusal(CodeMessageEmpty, FieldContent, MsgMessageEmpty)
	}
	// Sender and reply-to: the ones named, else the service's defaults.
	from, replyTo, err := n.chooseSenders(ctx, d)
	if err != nil {
		return nil, err
	}
	// Recipient: trial mode and team keys, then the channel's rules.
	if d.to == "" {
		return nil, BadRequest(FieldTo, "Recipient can't be empty")
	}
	if err := n.checkRecipientAllowed(ctx, d); err != nil {
		return nil, err
	}
	nt := &Notification{Type: d.typ, To: d.to}
	if d.typ == SMS {
		pn, err := ParsePhoneNumber(d.to)
		if err != nil {
			return nil, invalidPhone(err)
		}
		if err := pn.Validate(svc.Can(PermissionInternationalSMS), svc.Can(PermissionUKLandlines)); err != nil {
			var pe *PhoneError
			if errors.As(err, &pe) && pe.Code == PhoneNotUKMobile && !pn.UK {
				return nil, refusal(CodeServicePermission, FieldService, MsgInternationalSMS)
			}
			return nil, invalidPhone(err)
		}
		if !pn.UK {
			// Its limits come first, as upstream orders them (a text
			// abroad takes two places: it is never admitted with its row).
			if err := n.openGate(ctx, d.c, d.gate); err != nil {
				return nil, err
			}
			if err := n.checkInternationalLimit(ctx, d.c); err != nil {
				return nil, err
			}
		}
		nt.NormalisedTo = pn.Normalised
		nt.International = pn.International
		nt.PhonePrefix = pn.Prefix
		nt.RateMultiplier = RateMultiplier(pn)
		if e := SMSTooLong(body); e != nil {
			return nil, e
		}
	} else {
		addr, err := ValidateEmail(d.to)
		if err != nil {
			return nil, invalidEmail(err)
		}
		nt.NormalisedTo = strings.ToLower(addr)
		// Files become download links before the length is checked; the
		// limits come first, as the files are decoded and sealed.
		if fileKeys(d.values) != nil {
			if err := n.openGate(ctx, d.c, d.gate); err != nil {
				return nil, err
			}
		}
		values, docs, err := n.prepareFiles(svc, d.values, addr, n.simulatedRecipient(d.typ, nt.NormalisedTo))
		if err != nil {
			return nil, err
		}
		if fileKeys(d.values) != nil {
			d.values, d.docs = values, docs
			body = RenderEmailBody(tpl.Content, d.values)
			subject = RenderEmailSubject(tpl.Subject, d.values)
		}
		if e := EmailTooLong(body); e != nil {
			return nil, e
		}
	}
	// Build.
	now := n.now()
	nt.ID = newNotificationID(ctx) // the idempotency key's id, or a new one
	nt.ServiceID = svc.ID
	nt.TemplateID = tpl.ID
	nt.TemplateVersion = tpl.Version
	nt.APIKeyID = d.c.Key.ID
	nt.KeyType = d.c.Key.KeyType
	nt.ClientReference = d.ref
	nt.Personalisation = d.values
	nt.Body = body
	nt.Subject = subject
	nt.UnsubscribeURL = d.unsub
	nt.Status = StatusCreated
	nt.CreatedAt = now
	nt.From, nt.ReplyTo = from, replyTo
	nt.Queue = n.queueFor(d.c, tpl)
	if n.simulatedRecipient(d.typ, nt.NormalisedTo) {
		// Validated in full, but nothing is stored, counted or queued.
		return nt, nil
	}
	// The limits held back are handed to the committer or checked now,
	// before anything is stored. Take today's place atomically where the
	// cache can, then persist first, count, and queue.
	admit, err := n.admitWithRow(ctx, d, nt)
	if err != nil {
		return nil, err
	}
	if err := n.storeDocuments(ctx, d.docs); err != nil {
		return nil, err
	}
	reserved, err := n.reserveBeforeCommit(ctx, d.c, nt)
	if err != nil {
		n.dropDocuments(ctx, d.docs)
		return nil, err
	}
	if n.commit != nil {
		stored, err := n.commit.persistAndQueue(ctx, d.c, nt, reserved, admit)
		if err != nil && ctx.Err() == nil {
			// A send whose context ended may have been stored all the
			// same: its documents stay until they expire.
			n.dropDocuments(ctx, d.docs)
		}
		return stored, err
	}
	if err := n.store.CreateNotification(ctx, nt); err != nil {
		if ctx.Err() == nil {
			n.dropDocuments(ctx, d.docs)
		}
		// Without group commit a reserved place stays taken: the counter
		// errs on the strict side until it expires.
		return nil, fmt.Errorf("notify: send: persist notification: %w", err)
	}
	if !reserved {
		n.countPersisted(ctx, d.c, nt)
	}
	n.enqueueDelivery(ctx, nt)
	return nt, nil
}

// enqueueDelivery queues a persisted notification. A failure is logged and
// swallowed: the notification stays created and Sweep queues it later.
func (n *Notifier) enqueueDelivery(ctx context.Context, nt *Notification) {
	task := Task{Name: deliverTaskName(nt.Type), NotificationID: nt.ID}
	// The notification is stored: queue it even if the client has gone.
	if err := n.enqueueDetached(ctx, nt.Queue, task); err != nil {
		n.log.WarnContext(ctx, "enqueue failed; the sweeper will queue the notification again",
			slog.String("notification_id", nt.ID.String()), slog.String("queue", nt.Queue), slog.Any("error", err))
	}
}

func deliverTaskName(t NotificationType) string { return "deliver_" + string(t) }

func (n *Notifier) checkRecipientAllowed(ctx context.Context, d *draft) error {
	kt := d.c.Key.KeyType
	svc := d.c.Service
	if !recipientsRestricted(svc, kt) {
		return nil
	}
	team, err := n.store.ListTeamMembers(ctx, svc.ID)
	if err != nil {
		return fmt.Errorf("notify: send: load team: %w", err)
	}
	guests, err := n.store.ListGuestList(ctx, svc.ID)
	if err != nil {
		return fmt.Errorf("notify: send: load guest list: %w", err)
	}
	if allowedToSendTo(d.to, svc, kt, team, guests) {
		return nil
	}
	if kt == KeyTypeTeam {
		return refusal(CodeTeamKeyRecipient, FieldTo, MsgTeamKeyRecipient)
	}
	return refusal(CodeTrialMode, FieldTo, msgTrialModePrefix+n.cfg.TrialModeURL)
}

func (n *Notifier) simulatedRecipient(typ NotificationType, normalised string) bool {
	if typ == SMS {
		return n.simPhones[normalised]
	}
	return n.simEmails[normalised]
}

// simulated reports whether notifications of caller go to the sandbox with
// fake receipts: simulate keys and research-mode services.
func simulated(c *Caller) bool { return c.Key.KeyType == KeyTypeSimulate || c.Service.ResearchMode }

func (n *Notifier) queueFor(c *Caller, tpl *Template) string {
	switch {
	case simulated(c):
		return QueueResearchMode
	case tpl.ProcessType == ProcessPriority:
		return QueuePriority
	case tpl.Type == SMS:
		return QueueSendSMS
	default:
		return QueueSendEmail
	}
}

// senderOf is the SMS sender or the email From address of a service.
func (n *Notifier) senderOf(svc *Service, typ NotificationType) string {
	if typ == SMS {
		if svc.SMSSender != "" {
			return svc.SMSSender
		}
		return n.cfg.DefaultSMSSender
	}
	local := svc.EmailFrom
	if local == "" {
		local = EmailLocalPart(svc.Name)
	}
	return local + "@" + n.cfg.EmailDomain
}

// EmailLocalPart derives the local part of a service's From address from
// its name, as upstream does: lower case, spaces become dots, and anything
// but letters, digits, dots and hyphens is dropped.
func EmailLocalPart(name string) string {
	var b strings.Builder
	lastDot := true
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
			lastDot = false
		case r == ' ' || r == '.':
			if !lastDot {
				b.WriteByte('.')
				lastDot = true
			}
		}
	}
	return strings.TrimRight(b.String(), ".")
}
