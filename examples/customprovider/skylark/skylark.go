// Package skylark is a notify provider for Skylark, a made-up HTTP SMS
// gateway, written as a team would write one for its own vendor: it sends
// through the vendor's JSON API (notify.Provider) and brings the vendor's
// delivery receipts in through a webhook (notify.WebhookProvider) that
// httpapi mounts beside the Notify API.
//
// Sending: POST {BaseURL}/v1/messages with "Authorization: Bearer
// <APIKey>" and {"to", "from", "text", "client_ref"} (client_ref is the
// notification id); Skylark answers 202 {"message_id": "..."}, the
// provider reference. A 429, a 5xx or a network error is retryable, any
// other refusal permanent.
//
// Receipts: Skylark posts a Callback as JSON to POST
// /notifications/sms/skylark with "Authorization: Bearer
// <WebhookSecret>". Its status maps as:
//
//	delivered       delivered
//	expired         temporary-failure (the phone was off or out of coverage)
//	undeliverable   permanent-failure (no such number)
//	rejected        technical-failure (Skylark would not send it)
//	accepted, sent  nothing changes: acknowledged
package skylark

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// Name is the provider's name in sent_by, receipts and metrics.
const Name = "skylark"

// ReceiptPath is the route of the receipt webhook.
const ReceiptPath = "/notifications/sms/skylark"

// Options configure a Provider.
type Options struct {
	// BaseURL is Skylark's API, e.g. "https://api.skylark.example"
	// (required).
	BaseURL string
	// APIKey authenticates the sends (required). It is never logged.
	APIKey string
	// WebhookSecret is the bearer token Skylark sends with receipts. Empty:
	// the webhook answers 404.
	WebhookSecret string
	// HTTPClient sends the requests (a client with a 30 s timeout).
	HTTPClient *http.Client
	// Logger receives debug lines about sends (slog.Default()).
	Logger *slog.Logger
}

// Provider sends SMS through Skylark and reads its receipts. It is safe
// for concurrent use.
type Provider struct {
	opts     Options
	endpoint string
	client   *http.Client
	log      *slog.Logger
}

var (
	_ notify.Provider        = (*Provider)(nil)
	_ notify.WebhookProvider = (*Provider)(nil)
)

// New returns a Provider, or an error when BaseURL or APIKey is missing.
func New(opts Options) (*Provider, error) {
	u, err := url.Parse(opts.BaseURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("skylark: BaseURL %q is not an absolute URL", opts.BaseURL)
	}
	if opts.APIKey == "" {
		return nil, errors.New("skylark: APIKey is required")
	}
	p := &Provider{opts: opts, endpoint: strings.TrimRight(opts.BaseURL, "/") + "/v1/messages",
		client: opts.HTTPClient, log: opts.Logger}
	if p.client == nil {
		p.client = &http.Client{Timeout: 30 * time.Second}
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	return p, nil
}

// Name returns "skylark".
func (p *Provider) Name() string { return Name }

// Type returns notify.SMS.
func (p *Provider) Type() notify.NotificationType { return notify.SMS }

// SendRequest is the body of a send.
type SendRequest struct {
	To        string `json:"to"`
	From      string `json:"from"`
	Text      string `json:"text"`
	ClientRef string `json:"client_ref"`
}

// Send sends m and returns Skylark's message id.
func (p *Provider) Send(ctx context.Context, m notify.Message) (string, error) {
	body, err := json.Marshal(SendRequest{To: "+" + strings.TrimPrefix(m.To, "+"), From: m.From, Text: m.Body,
		ClientRef: m.NotificationID.String()})
	if err != nil {
		return "", notify.Permanent(fmt.Errorf("skylark: send %s: %w", m.NotificationID, err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint, bytes.NewReader(body))
	if err != nil {
		return "", notify.Permanent(fmt.Errorf("skylark: send %s: %w", m.NotificationID, err))
	}
	req.Header.Set("Authorization", "Bearer "+p.opts.APIKey)
	req.Header.Set("Content-Type", "application/json")
	res, err := p.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("skylark: send %s: %w", m.NotificationID, err)
	}
	defer func() { _ = res.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<16))
	if err != nil {
		return "", fmt.Errorf("skylark: send %s: read answer: %w", m.NotificationID, err)
	}
	if res.StatusCode/100 != 2 {
		var refusal struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(raw, &refusal)
		p.log.DebugContext(ctx, "skylark: refused", slog.String("notification_id", m.NotificationID.String()),
			slog.Int("status", res.StatusCode), slog.String("error", refusal.Error))
		err := fmt.Errorf("skylark: send %s: HTTP %d %s", m.NotificationID, res.StatusCode, refusal.Error)
		if res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500 {
			return "", err
		}
		return "", notify.Permanent(err)
	}
	var ok struct {
		MessageID string `json:"message_id"`
	}
	if err := json.Unmarshal(raw, &ok); err != nil || ok.MessageID == "" {
		return "", fmt.Errorf("skylark: send %s: HTTP %d without a message_id", m.NotificationID, res.StatusCode)
	}
	p.log.DebugContext(ctx, "skylark: accepted", slog.String("notification_id", m.NotificationID.String()),
		slog.String("message_id", ok.MessageID))
	return ok.MessageID, nil
}

// Callback is the body of a receipt Skylark posts.
type Callback struct {
	MessageID string `json:"message_id"`
	ClientRef string `json:"client_ref"`
	Status    string `json:"status"`
}

// ErrNoChange is returned, with the receipt, by ParseCallback for a status
// that changes nothing (accepted, sent).
var ErrNoChange = errors.New("skylark: receipt changes nothing")

// ParseCallback maps a receipt's body to a notify receipt (see the package
// documentation for the statuses).
func ParseCallback(body []byte) (notify.Receipt, error) {
	var c Callback
	if err := json.Unmarshal(body, &c); err != nil {
		return notify.Receipt{}, fmt.Errorf("skylark: receipt: %w", err)
	}
	if c.MessageID == "" || c.Status == "" {
		return notify.Receipt{}, errors.New("skylark: receipt without message_id or status")
	}
	r := notify.Receipt{Provider: Name, ProviderReference: c.MessageID, ProviderStatus: c.Status}
	if id, err := uuid.Parse(c.ClientRef); err == nil {
		r.NotificationID = id
	}
	switch c.Status {
	case "delivered":
		r.Status = notify.StatusDelivered
	case "expired":
		r.Status = notify.StatusTemporaryFailure
	case "undeliverable":
		r.Status = notify.StatusPermanentFailure
	case "rejected":
		r.Status = notify.StatusTechnicalFailure
	case "accepted", "sent":
		return r, ErrNoChange
	default:
		return notify.Receipt{}, fmt.Errorf("skylark: receipt: unknown status %q", c.Status)
	}
	return r, nil
}

// Webhooks returns the receipt webhook, authenticated with
// Options.WebhookSecret.
func (p *Provider) Webhooks() []notify.Webhook {
	return []notify.Webhook{{
		Method:   http.MethodPost,
		Path:     ReceiptPath,
		Name:     "process_skylark_response",
		Provider: Name,
		Auth:     notify.WebhookAuth{Token: p.opts.WebhookSecret},
		Parse:    parseReceipt,
	}}
}

func parseReceipt(r *http.Request, _ *slog.Logger) (notify.WebhookResult, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return notify.WebhookResult{}, fmt.Errorf("skylark: read receipt: %w", err)
	}
	rc, err := ParseCallback(body)
	switch {
	case errors.Is(err, ErrNoChange):
		return notify.WebhookResult{}, nil
	case err != nil:
		return notify.WebhookResult{}, &notify.WebhookError{Message: "Skylark receipt failed", Err: err}
	}
	return notify.WebhookResult{Receipts: []notify.Receipt{rc}}, nil
}
