// Package ses sends email through Amazon SES (the v2 API, with
// github.com/aws/aws-sdk-go-v2/service/sesv2) and reads the SES
// notifications SNS delivers: Provider.Webhooks (or Receiver, without
// sending) gives an HTTP server (httpapi) their route.
//
// Send calls SendEmail with simple content: the subject, the plain-text
// body and its HTML alternative, Reply-To when set, the notification id in
// an X-Notify-Notification-Id header and, for a one-click unsubscribe URL,
// the List-Unsubscribe and List-Unsubscribe-Post headers. The
// SES MessageId is the provider reference that notifications match
// receipts by.
//
// Errors: throttling (429, TooManyRequests, LimitExceeded), 5xx answers
// and network failures are retryable; MessageRejected, an unverified
// sender domain, a paused or suspended account and any other 4xx are
// permanent (notify.Permanent). The secret access key is never logged.
package ses

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/notifykit/notify"
)

// Name is the provider's name in sent_by, receipts and metrics.
const Name = "ses"

// NotificationIDHeader carries the notification id.
const NotificationIDHeader = "X-Notify-Notification-Id"

// DefaultTimeout bounds one API call when Options.HTTPClient is nil.
const DefaultTimeout = 30 * time.Second

// Options configure a Provider.
type Options struct {
	// Region is the AWS region, e.g. "eu-west-2" (required).
	Region string
	// AccessKeyID, SecretAccessKey and SessionToken are static
	// credentials. When AccessKeyID is empty, Credentials is used.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// Credentials provides credentials when no static ones are given
	// (e.g. from github.com/aws/aws-sdk-go-v2/config). One of the two is
	// required.
	Credentials aws.CredentialsProvider
	// Endpoint overrides the API's base URL (the regional endpoint); tests
	// point it at a fake.
	Endpoint string
	// ConfigurationSetName, when set, is sent with every message (it is
	// where SES publishes delivery events).
	ConfigurationSetName string
	// MaxAttempts is how many times the SDK tries a call (1: no SDK
	// retries; the notify queue retries with its own backoff).
	MaxAttempts int
	// HTTPClient sends the requests (a client with DefaultTimeout).
	HTTPClient *http.Client
	// Logger receives debug lines about sends (slog.Default()).
	Logger *slog.Logger
	// ReceiptAuth is the shared secret of the SNS subscription that posts
	// SES notifications to Webhooks' route (see Receiver). Zero: the
	// route answers 404.
	ReceiptAuth notify.WebhookAuth
}

// Provider sends email through SES. It is safe for concurrent use.
type Provider struct {
	opts   Options
	client *sesv2.Client
	log    *slog.Logger
}

var (
	_ notify.Provider        = (*Provider)(nil)
	_ notify.WebhookProvider = (*Provider)(nil)
)

// New returns a Provider, or an error when the options are incomplete.
func New(opts Options) (*Provider, error) {
	if opts.Region == "" {
		return nil, errors.New("ses: Region is required")
	}
	creds := opts.Credentials
	if opts.AccessKeyID != "" {
		if opts.SecretAccessKey == "" {
			return nil, errors.New("ses: SecretAccessKey is required with AccessKeyID")
		}
		creds = credentials.NewStaticCredentialsProvider(opts.AccessKeyID, opts.SecretAccessKey, opts.SessionToken)
	}
	if creds == nil {
		return nil, errors.New("ses: credentials are required (AccessKeyID and SecretAccessKey, or Credentials)")
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 1
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: DefaultTimeout}
	}
	so := sesv2.Options{Region: opts.Region, Credentials: aws.NewCredentialsCache(creds),
		RetryMaxAttempts: opts.MaxAttempts, HTTPClient: hc}
	if opts.Endpoint != "" {
		u, err := url.Parse(opts.Endpoint)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("ses: Endpoint %q is not an absolute URL", opts.Endpoint)
		}
		so.BaseEndpoint = aws.String(opts.Endpoint)
	}
	return &Provider{opts: opts, client: sesv2.New(so), log: opts.Logger}, nil
}

// Name returns "ses".
func (p *Provider) Name() string { return Name }

// Type returns notify.Email.
func (p *Provider) Type() notify.NotificationType { return notify.Email }

// Send sends m and returns the SES MessageId.
func (p *Provider) Send(ctx context.Context, m notify.Message) (string, error) {
	in, err := input(m)
	if err != nil {
		return "", notify.Permanent(fmt.Errorf("ses: send %s: %w", m.NotificationID, err))
	}
	if p.opts.ConfigurationSetName != "" {
		in.ConfigurationSetName = aws.String(p.opts.ConfigurationSetName)
	}
	start := time.Now()
	out, err := p.client.SendEmail(ctx, in)
	if err != nil {
		err = fmt.Errorf("ses: send %s: %w", m.NotificationID, err)
		perm := Permanent(err)
		p.log.DebugContext(ctx, "ses: send failed", slog.String("notification_id", m.NotificationID.String()),
			slog.Bool("permanent", perm), slog.Any("error", err))
		if perm {
			return "", notify.Permanent(err)
		}
		return "", err
	}
	if out.MessageId == nil || *out.MessageId == "" {
		return "", fmt.Errorf("ses: send %s: answer without a MessageId", m.NotificationID)
	}
	p.log.DebugContext(ctx, "ses: sent", slog.String("notification_id", m.NotificationID.String()),
		slog.String("message_id", *out.MessageId), slog.Duration("duration", time.Since(start)))
	return *out.MessageId, nil
}

// input builds the SendEmail request.
func input(m notify.Message) (*sesv2.SendEmailInput, error) {
	if _, err := mail.ParseAddress(m.To); err != nil {
		return nil, fmt.Errorf("recipient: %w", err)
	}
	if _, err := mail.ParseAddress(m.From); err != nil {
		return nil, fmt.Errorf("from address: %w", err)
	}
	from := (&mail.Address{Name: m.FromName, Address: m.From}).String()
	utf8 := aws.String("UTF-8")
	body := &types.Body{Text: &types.Content{Data: aws.String(m.Body), Charset: utf8}}
	if m.HTMLBody != "" {
		body.Html = &types.Content{Data: aws.String(m.HTMLBody), Charset: utf8}
	}
	headers := []types.MessageHeader{{Name: aws.String(NotificationIDHeader), Value: aws.String(m.NotificationID.String())}}
	if m.UnsubscribeURL != "" {
		u, err := url.Parse(strings.TrimSpace(m.UnsubscribeURL))
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return nil, fmt.Errorf("unsubscribe URL %q is not an absolute http(s) URL", m.UnsubscribeURL)
		}
		headers = append(headers, types.MessageHeader{Name: aws.String("List-Unsubscribe"), Value: aws.String("<" + u.String() + ">")})
		if u.Scheme == "https" {
			headers = append(headers, types.MessageHeader{Name: aws.String("List-Unsubscribe-Post"), Value: aws.String("List-Unsubscribe=One-Click")})
		}
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(from),
		Destination:      &types.Destination{ToAddresses: []string{m.To}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String(m.Subject), Charset: utf8},
			Body:    body,
			Headers: headers,
		}},
	}
	if m.ReplyTo != "" {
		if err := checkReplyTo(m.ReplyTo); err != nil {
			return nil, err
		}
		in.ReplyToAddresses = []string{m.ReplyTo}
	}
	return in, nil
}

// Permanent reports whether err is an SES failure that retrying cannot
// fix: MessageRejected, MailFromDomainNotVerified, AccountSuspended,
// SendingPaused, BadRequest, NotFound, or any 4xx answer but 429; or an
// error already marked with notify.Permanent. Throttling, 5xx answers,
// network failures and cancellations are not.
func Permanent(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if notify.IsPermanent(err) {
		return true
	}
	var (
		tooMany *types.TooManyRequestsException
		limit   *types.LimitExceededException
		rej     *types.MessageRejected
		domain  *types.MailFromDomainNotVerifiedException
		susp    *types.AccountSuspendedException
		paused  *types.SendingPausedException
	)
	switch {
	case errors.As(err, &tooMany), errors.As(err, &limit):
		return false
	case errors.As(err, &rej), errors.As(err, &domain), errors.As(err, &susp), errors.As(err, &paused):
		return true
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		code := re.HTTPStatusCode()
		return code >= 400 && code < 500 && code != http.StatusTooManyRequests && code != http.StatusRequestTimeout
	}
	return false
}
