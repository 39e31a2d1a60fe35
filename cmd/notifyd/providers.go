package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"

	gomail "github.com/wneessen/go-mail"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/provider/firetext"
	"github.com/notifykit/notify/provider/mmg"
	"github.com/notifykit/notify/provider/ses"
	"github.com/notifykit/notify/provider/smtp"
	"github.com/notifykit/notify/provider/twilio"
)

// providerOptions are the flags of the real providers and of the receipt
// webhooks.
type providerOptions struct {
	smtpAddr, smtpUser, smtpPassword, smtpTLS string
	receiptTokens                             keyValues
}

// keyValues is a repeatable NAME=VALUE flag.
type keyValues map[string]string

func (kv *keyValues) String() string { return fmt.Sprint(map[string]string(*kv)) }

func (kv *keyValues) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" || v == "" {
		return fmt.Errorf("want NAME=VALUE, got %q", s)
	}
	if *kv == nil {
		*kv = keyValues{}
	}
	(*kv)[k] = v
	return nil
}

func (p *providerOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&p.smtpAddr, "smtp", "", "send email over SMTP to this host:port instead of the sandbox")
	fs.StringVar(&p.smtpUser, "smtp-user", "", "SMTP user name (the password comes from $NOTIFY_SMTP_PASSWORD)")
	fs.StringVar(&p.smtpTLS, "smtp-tls", "starttls", "SMTP encryption: starttls (when offered), starttls-required, implicit (SMTPS) or none")
	fs.Var(&p.receiptTokens, "receipt-token", "PROVIDER=TOKEN: accept delivery receipts (and, for mmg, firetext and twilio, received text messages) from PROVIDER (mmg, firetext, ses) with this bearer token, or from twilio signed with this auth token; repeatable")
}

func (p *providerOptions) check(getenv func(string) string) error {
	p.smtpPassword = getenv("NOTIFY_SMTP_PASSWORD")
	if p.smtpAddr == "" {
		return nil
	}
	if _, err := parseTLS(p.smtpTLS); err != nil {
		return err
	}
	if _, _, err := splitAddr(p.smtpAddr); err != nil {
		return fmt.Errorf("-smtp %q: %w", p.smtpAddr, err)
	}
	return nil
}

func parseTLS(s string) (smtp.TLSMode, error) {
	switch s {
	case "starttls":
		return smtp.StartTLS, nil
	case "starttls-required":
		return smtp.StartTLSRequired, nil
	case "implicit":
		return smtp.ImplicitTLS, nil
	case "none":
		return smtp.NoTLS, nil
	}
	return 0, fmt.Errorf("-smtp-tls %q: want starttls, starttls-required, implicit or none", s)
}

func splitAddr(addr string) (string, int, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	n, err := strconv.Atoi(port)
	if err != nil || n <= 0 || n > 65535 {
		return "", 0, errors.New("bad port")
	}
	return host, n, nil
}

// providers returns the real providers the flags ask for (none: every
// notification goes to the sandbox).
func (p *providerOptions) providers(log *slog.Logger) ([]notify.Provider, error) {
	if p.smtpAddr == "" {
		return nil, nil
	}
	host, port, _ := splitAddr(p.smtpAddr)
	mode, _ := parseTLS(p.smtpTLS)
	o := smtp.Options{Host: host, Port: port, TLS: mode, Username: p.smtpUser, Password: p.smtpPassword, Logger: log}
	if p.smtpUser != "" && mode == smtp.NoTLS {
		o.Auth = gomail.SMTPAuthPlainNoEnc // only for a local server: the password crosses in clear
	}
	sp, err := smtp.New(o)
	if err != nil {
		return nil, fmt.Errorf("-smtp: %w", err)
	}
	log.Info("email goes over SMTP", slog.String("addr", p.smtpAddr), slog.String("tls", p.smtpTLS))
	return []notify.Provider{sp}, nil
}

// webhooks returns the receipt and inbound webhooks the server mounts:
// MMG's, Firetext's, SES's and Twilio's, each enabled by its
// -receipt-token (a bearer token; Twilio's auth token, which signs its
// callbacks). Without one a webhook answers 404.
func (p *providerOptions) webhooks() []notify.WebhookProvider {
	auth := func(name string) notify.WebhookAuth { return notify.WebhookAuth{Token: p.receiptTokens[name]} }
	return []notify.WebhookProvider{
		&mmg.Receiver{Auth: auth(mmg.Name)},
		&firetext.Receiver{Auth: auth(firetext.Name)},
		&ses.Receiver{Auth: auth(ses.Name)},
		&twilio.Receiver{AuthToken: p.receiptTokens[twilio.Name]},
	}
}
