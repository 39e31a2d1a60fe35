package notify

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// Get returns one of the caller's service's notifications, whatever key
// type sent it. Another service's notification, or none, is ErrNoResult
// (errors.Is(err, ErrNotFound) holds). Like every method that takes a
// Caller, it checks the Caller again first.
func (n *Notifier) Get(ctx context.Context, c *Caller, id uuid.UUID) (*Notification, error) {
	c, err := n.current(ctx, c)
	if err != nil {
		return nil, err
	}
	nt, err := n.store.GetNotification(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrNoResult
	}
	if err != nil {
		return nil, fmt.Errorf("notify: get notification: %w", err)
	}
	if nt.ServiceID != c.Service.ID {
		return nil, ErrNoResult
	}
	return nt, nil
}

// PageSize is the number of items in a page of List and ReceivedTexts.
func (n *Notifier) PageSize() int { return n.cfg.PageSize }

// List returns a page (PageSize, newest first) of the caller's service's
// notifications sent with the caller's key type, filtered by q (nil: no
// filter).
func (n *Notifier) List(ctx context.Context, c *Caller, q *ListQuery) ([]Notification, error) {
	c, err := n.current(ctx, c)
	if err != nil {
		return nil, err
	}
	f := NotificationFilter{ServiceID: c.Service.ID, KeyType: c.Key.KeyType, Limit: n.cfg.PageSize}
	if q != nil {
		f.Types = q.TemplateTypes
		f.Statuses = ExpandStatusFilter(q.Statuses)
		f.Reference = q.Reference
		f.OlderThan = q.OlderThan
		f.IncludeJobs = q.IncludeJobs
		f.JobID = q.JobID
	}
	list, err := n.store.ListNotifications(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("notify: list notifications: %w", err)
	}
	return list, nil
}

// Template returns the current version of one of the caller's service's
// templates; a missing one is ErrNoResult.
func (n *Notifier) Template(ctx context.Context, c *Caller, id uuid.UUID) (*Template, error) {
	c, err := n.current(ctx, c)
	if err != nil {
		return nil, err
	}
	t, err := n.store.GetTemplate(ctx, c.Service.ID, id)
	return templateResult(t, err)
}

// TemplateVersion returns one version of a template; a missing one is
// ErrNoResult.
func (n *Notifier) TemplateVersion(ctx context.Context, c *Caller, id uuid.UUID, version int) (*Template, error) {
	c, err := n.current(ctx, c)
	if err != nil {
		return nil, err
	}
	t, err := n.store.GetTemplateVersion(ctx, c.Service.ID, id, version)
	return templateResult(t, err)
}

func templateResult(t *Template, err error) (*Template, error) {
	if errors.Is(err, ErrNotFound) {
		return nil, ErrNoResult
	}
	if err != nil {
		return nil, fmt.Errorf("notify: get template: %w", err)
	}
	return t, nil
}

// Templates lists the caller's service's templates, of typ when not empty,
// by name and then type (sms before email), as upstream lists them.
func (n *Notifier) Templates(ctx context.Context, c *Caller, typ NotificationType) ([]Template, error) {
	c, err := n.current(ctx, c)
	if err != nil {
		return nil, err
	}
	list, err := n.store.ListTemplates(ctx, c.Service.ID, typ)
	if err != nil {
		return nil, fmt.Errorf("notify: list templates: %w", err)
	}
	sortTemplates(list)
	return list, nil
}

// Preview is a template rendered with personalisation.
type Preview struct {
	Template *Template
	Body     string
	Subject  string
	// HTML is the email body as HTML; empty for SMS.
	HTML string
}

// PreviewTemplate renders a template with values. Missing placeholders are
// a 400 "Missing personalisation: …".
func (n *Notifier) PreviewTemplate(ctx context.Context, c *Caller, id uuid.UUID, values map[string]any) (*Preview, error) {
	t, err := n.Template(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if err := checkPersonalisation(t, values); err != nil {
		return nil, err
	}
	// A file shows as the link a simulated recipient gets.
	values = n.filePreviewValues(t.ServiceID, values)
	p := &Preview{Template: t}
	if t.Type == SMS {
		p.Body = RenderSMS(t.Content, values, "")
	} else {
		p.Body = RenderEmailBody(t.Content, values)
		p.Subject = RenderEmailSubject(t.Subject, values)
		p.HTML = RenderEmailHTML(t.Content, values)
	}
	return p, nil
}

// ReceiveSMS stores a text message received for a service (m.ServiceID)
// and queues the service's inbound_sms callback, if it has one.
func (n *Notifier) ReceiveSMS(ctx context.Context, m InboundSMS) (*InboundSMS, error) {
	if m.ID == uuid.Nil {
		m.ID = uuid.New()
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = n.now()
	}
	if err := n.store.CreateInboundSMS(ctx, &m); err != nil {
		return nil, fmt.Errorf("notify: receive sms: %w", err)
	}
	n.queueInboundCallback(ctx, &m)
	return &m, nil
}

// ReceivedTexts returns a page of the caller's service's received text
// messages, newest first, older than olderThan when set.
func (n *Notifier) ReceivedTexts(ctx context.Context, c *Caller, olderThan *uuid.UUID) ([]InboundSMS, error) {
	c, err := n.current(ctx, c)
	if err != nil {
		return nil, err
	}
	list, err := n.store.ListInboundSMS(ctx, c.Service.ID, olderThan, n.cfg.PageSize)
	if err != nil {
		return nil, fmt.Errorf("notify: list received texts: %w", err)
	}
	return list, nil
}
