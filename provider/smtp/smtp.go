// Package smtp sends email over SMTP with github.com/wneessen/go-mail.
//
// Each message is multipart/alternative: the plain-text body and, when the
// notify.Message has one, its HTML alternative. From is
// "{FromName}" <From>, Reply-To is set when given, the
// notification id travels in the X-Notify-Notification-Id header, and a
// one-click unsubscribe URL becomes the List-Unsubscribe and
// List-Unsubscribe-Post headers (RFC 8058). Send returns the
// Message-ID it gave the message (without angle brackets) as the provider
// reference.
//
// Errors are classified from the server's reply: a 5xx reply (a refused
// recipient or sender, a failed login...) is permanent (notify.Permanent);
// a 4xx reply, a connection or TLS failure and a timeout are retryable.
// The password is never logged, nor returned in an error.
package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	mail "github.com/wneessen/go-mail"
	maillog "github.com/wneessen/go-mail/log"

	"github.com/notifykit/notify"
)

// DefaultName is the provider's name in sent_by and metrics.
const DefaultName = "smtp"

// NotificationIDHeader carries the notification id, for tracing a message
// back to its notification.
const NotificationIDHeader = "X-Notify-Notification-Id"

// DefaultTimeout bounds the connection and each SMTP command.
const DefaultTimeout = 30 * time.Second

// TLSMode says how the connection is encrypted.
type TLSMode int

// TLS modes.
const (
	// StartTLS upgrades the connection with STARTTLS when the server
	// offers it, and goes on in clear text otherwise (the default; port
	// 587).
	StartTLS TLSMode = iota
	// StartTLSRequired fails the send when the server does not offer
	// STARTTLS.
	StartTLSRequired
	// ImplicitTLS speaks TLS from the first byte (SMTPS; port 465).
	ImplicitTLS
	// NoTLS never encrypts: for a local relay or a test server only.
	NoTLS
)

// Options configure a Provider.
type Options struct {
	// Host is the SMTP server's host name (required).
	Host string
	// Port is the server's port: 587, or 465 with ImplicitTLS.
	Port int
	// Username and Password log in when Username is set. The password is
	// never logged.
	Username string
	Password string
	// Auth is the SASL mechanism; empty means the strongest the server
	// offers (PLAIN and LOGIN only over TLS). mail.SMTPAuthPlainNoEnc
	// allows PLAIN without TLS, for a local test server.
	Auth mail.SMTPAuthType
	// TLS is the encryption mode (StartTLS).
	TLS TLSMode
	// TLSConfig overrides the TLS settings (server name: Host).
	TLSConfig *tls.Config
	// Timeout bounds the connection and each command (DefaultTimeout).
	Timeout time.Duration
	// HELO is the name sent in EHLO (the machine's host name).
	HELO string
	// MessageIDDomain is the right-hand side of generated Message-IDs
	// (the domain of the message's From address).
	MessageIDDomain string
	// Name is the provider's name in sent_by and metrics (DefaultName).
	Name string
	// Logger receives debug lines about sends (slog.Default()).
	Logger *slog.Logger
	// Debug logs the SMTP conversation at debug level, authentication
	// data excluded.
	Debug bool
}

// Provider sends email over SMTP: one connection per message. It is safe
// for concurrent use.
type Provider struct {
	opts      Options
	client    *mail.Client
	log       *slog.Logger
	tlsConfig *tls.Config
}

var _ notify.Provider = (*Provider)(nil)

// New returns a Provider, or an error when the options are invalid.
func New(opts Options) (*Provider, error) {
	if opts.Host == "" {
		return nil, errors.New("smtp: Host is required")
	}
	if opts.Name == "" {
		opts.Name = DefaultName
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Port == 0 {
		opts.Port = 587
		if opts.TLS == ImplicitTLS {
			opts.Port = 465
		}
	}
	tlsConfig := opts.TLSConfig
	if tlsConfig == nil {
		tlsConfig = &tls.Config{ServerName: opts.Host, MinVersion: tls.VersionTLS12}
	}
	p := &Provider{opts: opts, log: opts.Logger, tlsConfig: tlsConfig}
	// Our own dialer, so that every connection is closed whatever happens:
	// go-mail leaves it open when STARTTLS or the login fails.
	copts := []mail.Option{mail.WithTimeout(opts.Timeout), mail.WithTLSConfig(tlsConfig),
		mail.WithDialContextFunc(p.dial)}
	switch opts.TLS {
	case StartTLS:
		copts = append(copts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	case StartTLSRequired:
		copts = append(copts, mail.WithTLSPolicy(mail.TLSMandatory))
	case ImplicitTLS:
		// p.dial speaks TLS; this only stops go-mail trying STARTTLS.
		copts = append(copts, mail.WithSSL())
		if opts.Auth == "" {
			// go-mail's discovery cannot see that our dialer encrypts.
			opts.Auth = mail.SMTPAuthPlain
		}
	case NoTLS:
		copts = append(copts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		return nil, fmt.Errorf("smtp: unknown TLS mode %d", opts.TLS)
	}
	copts = append(copts, mail.WithPort(opts.Port))
	if opts.HELO != "" {
		copts = append(copts, mail.WithHELO(opts.HELO))
	}
	if opts.Username != "" {
		auth := opts.Auth
		if auth == "" {
			auth = mail.SMTPAuthAutoDiscover
		}
		copts = append(copts, mail.WithSMTPAuth(auth), mail.WithUsername(opts.Username), mail.WithPassword(opts.Password))
	}
	if opts.Debug {
		copts = append(copts, mail.WithDebugLog(), mail.WithLogger(slogAdapter{opts.Logger}))
	}
	c, err := mail.NewClient(opts.Host, copts...)
	if err != nil {
		return nil, fmt.Errorf("smtp: %w", err)
	}
	p.client = c
	return p, nil
}

// connKey finds a send's connHolder in the dial context.
type connKey struct{}

// connHolder keeps the connection of one send, to close it afterwards.
type connHolder struct {
	mu   sync.Mutex
	conn net.Conn
}

func (h *connHolder) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.conn != nil {
		_ = h.conn.Close()
	}
}

// dial opens a connection (TLS from the start with ImplicitTLS) and
// records it for the send that asked.
func (p *Provider) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{}
	var c net.Conn
	var err error
	if p.opts.TLS == ImplicitTLS {
		c, err = (&tls.Dialer{NetDialer: d, Config: p.tlsConfig}).DialContext(ctx, network, addr)
	} else {
		c, err = d.DialContext(ctx, network, addr)
	}
	if err != nil {
		return nil, err
	}
	if h, ok := ctx.Value(connKey{}).(*connHolder); ok {
		h.mu.Lock()
		h.conn = c
		h.mu.Unlock()
	}
	return c, nil
}

// Name returns the provider's name.
func (p *Provider) Name() string { return p.opts.Name }

// Type returns notify.Email.
func (p *Provider) Type() notify.NotificationType { return notify.Email }

// Send delivers m to the SMTP server and returns its Message-ID.
func (p *Provider) Send(ctx context.Context, m notify.Message) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("smtp: send %s: %w", m.NotificationID, err)
	}
	msg, ref, err := p.build(m)
	if err != nil {
		return "", notify.Permanent(fmt.Errorf("smtp: send %s: %w", m.NotificationID, err))
	}
	start := time.Now()
	h := &connHolder{}
	err = p.client.DialAndSendWithContext(context.WithValue(ctx, connKey{}, h), msg)
	h.close()
	if err != nil {
		err = fmt.Errorf("smtp: send %s: %w", m.NotificationID, err)
		perm := Permanent(err)
		p.log.DebugContext(ctx, "smtp: send failed", slog.String("notification_id", m.NotificationID.String()),
			slog.Bool("permanent", perm), slog.Any("error", err))
		if perm {
			return "", notify.Permanent(err)
		}
		return "", err
	}
	p.log.DebugContext(ctx, "smtp: sent", slog.String("notification_id", m.NotificationID.String()),
		slog.String("message_id", ref), slog.Duration("duration", time.Since(start)))
	return ref, nil
}

// build turns m into a mail message and its Message-ID.
func (p *Provider) build(m notify.Message) (*mail.Msg, string, error) {
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	var err error
	if m.FromName != "" {
		err = msg.FromFormat(m.FromName, m.From)
	} else {
		err = msg.From(m.From)
	}
	if err != nil {
		return nil, "", fmt.Errorf("from address: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, "", fmt.Errorf("recipient: %w", err)
	}
	if m.ReplyTo != "" {
		if err := checkReplyTo(m.ReplyTo); err != nil {
			return nil, "", err
		}
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return nil, "", fmt.Errorf("reply-to address: %w", err)
		}
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(mail.TypeTextPlain, m.Body)
	if m.HTMLBody != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, m.HTMLBody)
	}
	if m.UnsubscribeURL != "" {
		if err := setUnsubscribe(msg, m.UnsubscribeURL); err != nil {
			return nil, "", err
		}
	}
	msg.SetGenHeader(mail.Header(NotificationIDHeader), m.NotificationID.String())
	domain := p.opts.MessageIDDomain
	if domain == "" {
		if at := strings.LastIndexByte(m.From, '@'); at >= 0 {
			domain = m.From[at+1:]
		}
	}
	if domain == "" {
		domain = "notify.invalid"
	}
	ref := uuid.NewString() + "@" + domain
	msg.SetMessageIDWithValue(ref)
	msg.SetDate()
	return msg, ref, nil
}

// setUnsubscribe sets List-Unsubscribe, and List-Unsubscribe-Post for an
// https URL (RFC 8058 allows one-click only over https, and send
// requests accept nothing else).
func setUnsubscribe(msg *mail.Msg, raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("unsubscribe URL %q is not an absolute http(s) URL", raw)
	}
	if u.Scheme == "https" {
		if err := msg.SetListUnsubscribeOneClick(u.String()); err != nil {
			return fmt.Errorf("unsubscribe URL: %w", err)
		}
		return nil
	}
	msg.SetListUnsubscribe(u.String())
	return nil
}

// Permanent reports whether err is an SMTP failure that retrying cannot
// fix: a 5xx reply from the server, an address the client refuses, or an
// error already marked with notify.Permanent.
// Replies with 4xx, connection and TLS failures and cancellations are
// not.
func Permanent(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if notify.IsPermanent(err) {
		return true
	}
	var se *mail.SendError
	if errors.As(err, &se) {
		if c := se.ErrorCode(); c != 0 {
			return c >= 500
		}
		return se.Reason == mail.ErrGetSender || se.Reason == mail.ErrGetRcpts
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code >= 500
	}
	return false
}

// slogAdapter routes go-mail's debug log to slog. go-mail leaves
// authentication data out unless told otherwise.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) line(l maillog.Log) string {
	dir := "S→C"
	if l.Direction == maillog.DirClientToServer {
		dir = "C→S"
	}
	return dir + " " + fmt.Sprintf(l.Format, l.Messages...)
}

func (a slogAdapter) Debugf(l maillog.Log) { a.l.Debug("smtp: " + a.line(l)) }
func (a slogAdapter) Infof(l maillog.Log)  { a.l.Info("smtp: " + a.line(l)) }
func (a slogAdapter) Warnf(l maillog.Log)  { a.l.Warn("smtp: " + a.line(l)) }
func (a slogAdapter) Errorf(l maillog.Log) { a.l.Error("smtp: " + a.line(l)) }
