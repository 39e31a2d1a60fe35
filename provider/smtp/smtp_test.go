package smtp_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	gomail "github.com/wneessen/go-mail"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/provider/providertest"
	"github.com/notifykit/notify/provider/smtp"
)

const password = "smtp-pa55word-7c1e0b"

// mailpit returns the SMTP host and port and the HTTP API of the mailpit
// CI starts, or skips the test.
func mailpit(t testing.TB) (host string, port int, api string) {
	t.Helper()
	addr, api := os.Getenv("NOTIFY_TEST_SMTP_ADDR"), os.Getenv("NOTIFY_TEST_MAILPIT_API")
	if addr == "" || api == "" {
		t.Skip("SKIPPED: NOTIFY_TEST_SMTP_ADDR and NOTIFY_TEST_MAILPIT_API are not set: no real SMTP server (.ci/run starts mailpit)")
	}
	h, p, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	port, err = strconv.Atoi(p)
	require.NoError(t, err)
	return h, port, strings.TrimRight(api, "/")
}

// switchable is the provider under test: its backend can be swapped for a
// failing one, and bodies made larger than the server accepts.
type switchable struct {
	cur  atomic.Pointer[smtp.Provider]
	huge atomic.Bool
	log  *slog.Logger
}

func (s *switchable) Name() string                  { return s.cur.Load().Name() }
func (s *switchable) Type() notify.NotificationType { return s.cur.Load().Type() }
func (s *switchable) Send(ctx context.Context, m notify.Message) (string, error) {
	if s.huge.Load() {
		m.Body = strings.Repeat("0123456789 abcdefghijklmnopqrstuvwxyz\n", 40_000) // 1.5 MB
	}
	return s.cur.Load().Send(ctx, m)
}

func newProvider(t testing.TB, o smtp.Options) *smtp.Provider {
	t.Helper()
	p, err := smtp.New(o)
	require.NoError(t, err)
	return p
}

// mailpitOptions logs in to mailpit (it accepts any credentials) with
// PLAIN over the clear-text loopback connection.
func mailpitOptions(t testing.TB, log *slog.Logger) smtp.Options {
	host, port, _ := mailpit(t)
	return smtp.Options{Host: host, Port: port, Username: "notify", Password: password,
		Auth: gomail.SMTPAuthPlainNoEnc, TLS: smtp.StartTLS, Logger: log, Debug: true, Timeout: 5 * time.Second}
}

// mpMessage is the part of mailpit's message JSON the tests read.
type mpMessage struct {
	ID        string
	MessageID string
	From      struct{ Name, Address string }
	To        []struct{ Name, Address string }
	ReplyTo   []struct{ Name, Address string }
	Subject   string
	Text      string
	HTML      string
}

func getJSON(t testing.TB, u string, v any) {
	t.Helper()
	res, err := http.Get(u)
	require.NoError(t, err)
	defer func() { _ = res.Body.Close() }()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s: %s", u, body)
	require.NoError(t, json.Unmarshal(body, v), "%s: %s", u, body)
}

// fetch finds the message whose Message-ID is ref in mailpit and returns
// it with its headers.
func fetch(t testing.TB, ref string) (*mpMessage, map[string][]string, bool) {
	t.Helper()
	_, _, api := mailpit(t)
	var list struct {
		Messages []struct{ ID, MessageID string }
	}
	getJSON(t, api+"/api/v1/search?query="+url.QueryEscape("message-id:"+ref), &list)
	for _, m := range list.Messages {
		if m.MessageID != ref {
			continue
		}
		var msg mpMessage
		getJSON(t, api+"/api/v1/message/"+m.ID, &msg)
		var headers map[string][]string
		getJSON(t, api+"/api/v1/message/"+m.ID+"/headers", &headers)
		return &msg, headers, true
	}
	return nil, nil, false
}

func TestConformance(t *testing.T) {
	t.Parallel()
	mailpit(t)
	fake4xx := newFakeSMTP(t, "", map[string]string{"RCPT": "451 4.3.0 mailbox busy, try later"})
	greet421 := newFakeSMTP(t, "421 4.3.2 too busy, come back later", nil)
	auth535 := newFakeSMTP(t, "", map[string]string{"AUTH": "535 5.7.8 authentication credentials invalid"})
	data554 := newFakeSMTP(t, "", map[string]string{"END": "554 5.6.0 message refused as spam"})
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedPort := closed.Addr().(*net.TCPAddr).Port
	require.NoError(t, closed.Close())

	build := func(t *testing.T, log *slog.Logger) notify.Provider {
		s := &switchable{log: log}
		s.cur.Store(newProvider(t, mailpitOptions(t, log)))
		return s
	}
	// to points the provider at another server (same credentials).
	to := func(port int) func(*testing.T, notify.Provider) {
		return func(t *testing.T, p notify.Provider) {
			s := p.(*switchable)
			o := mailpitOptions(t, s.log)
			o.Host, o.Port = "127.0.0.1", port
			s.cur.Store(newProvider(t, o))
		}
	}
	// CI starts mailpit with --max-message-size 1 (MB).
	tooBig := func(t *testing.T, p notify.Provider) { p.(*switchable).huge.Store(true) }
	providertest.Run(t, providertest.Harness{
		New:       func(t *testing.T) notify.Provider { return build(t, nil) },
		NewLogged: build,
		Secrets:   []string{password},
		Delivered: func(t *testing.T, _ notify.Provider, ref string) (notify.Message, bool) {
			msg, headers, ok := fetch(t, ref)
			if !ok {
				return notify.Message{}, false
			}
			require.Len(t, msg.To, 1)
			got := notify.Message{To: msg.To[0].Address, Subject: msg.Subject,
				Body: strings.ReplaceAll(msg.Text, "\r\n", "\n"), HTMLBody: msg.HTML,
				From: msg.From.Address, FromName: msg.From.Name}
			if len(msg.ReplyTo) == 1 {
				got.ReplyTo = msg.ReplyTo[0].Address
			}
			if v := headers["List-Unsubscribe"]; len(v) == 1 {
				got.UnsubscribeURL = strings.Trim(v[0], "<>")
				assert.Equal(t, []string{"List-Unsubscribe=One-Click"}, headers["List-Unsubscribe-Post"])
			}
			if v := headers[smtp.NotificationIDHeader]; len(v) == 1 {
				got.NotificationID, _ = uuid.Parse(v[0])
			}
			return got, true
		},
		Shape: providertest.Shape{HTMLBody: true, From: true, FromName: true, ReplyTo: true, UnsubscribeURL: true, NotificationID: true},
		Fail: func(t *testing.T, p notify.Provider, permanent bool) {
			if permanent {
				to(data554.port())(t, p)
				return
			}
			to(fake4xx.port())(t, p)
		},
		Heal: func(t *testing.T, p notify.Provider) {
			s := p.(*switchable)
			s.cur.Store(newProvider(t, mailpitOptions(t, s.log)))
		},
		Failures: []providertest.Failure{
			{Name: "552 message too big for mailpit", Set: tooBig, Permanent: true},
			{Name: "451 recipient deferred", Set: to(fake4xx.port())},
			{Name: "421 greeting", Set: to(greet421.port())},
			{Name: "535 authentication failed", Set: to(auth535.port()), Permanent: true},
			{Name: "554 message refused after DATA", Set: to(data554.port()), Permanent: true},
			{Name: "connection refused", Set: to(closedPort)},
		},
	})
}

// The message as it goes over the wire, read back by a fake server (this
// runs without mailpit).
func TestWireFormat(t *testing.T) {
	t.Parallel()
	f := newFakeSMTP(t, "", nil)
	p := newProvider(t, smtp.Options{Host: "127.0.0.1", Port: f.port(), TLS: smtp.NoTLS, Username: "notify",
		Password: password, Auth: gomail.SMTPAuthPlainNoEnc, MessageIDDomain: "mail.notify.test"})
	m := providertest.FullMessage(notify.Email)
	ref, err := p.Send(context.Background(), m)
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(ref, "@mail.notify.test"), ref)
	got := f.received()
	require.Len(t, got, 1)
	msg, err := mail.ReadMessage(strings.NewReader(got[0]))
	require.NoError(t, err)
	h := msg.Header
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(h.Get("Subject"))
	require.NoError(t, err)
	assert.Equal(t, m.Subject, subject)
	from, err := mail.ParseAddress(h.Get("From"))
	require.NoError(t, err)
	assert.Equal(t, &mail.Address{Name: "Test service", Address: "service@notifications.example"}, from)
	assert.Equal(t, `"Test service" <service@notifications.example>`, h.Get("From"), "From is \"{service name}\" <address>")
	assert.Equal(t, "<replies@example.com>", h.Get("Reply-To"))
	assert.Equal(t, "<someone@example.com>", h.Get("To"))
	assert.Equal(t, "<"+m.UnsubscribeURL+">", h.Get("List-Unsubscribe"))
	assert.Equal(t, "List-Unsubscribe=One-Click", h.Get("List-Unsubscribe-Post"))
	assert.Equal(t, m.NotificationID.String(), h.Get("X-Notify-Notification-Id"))
	assert.Equal(t, "<"+ref+">", h.Get("Message-Id"))
	assert.NotEmpty(t, h.Get("Date"))

	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/alternative", mt)
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		types = append(types, ct)
		body, err := io.ReadAll(part) // multipart decodes quoted-printable
		require.NoError(t, err)
		text := strings.ReplaceAll(string(body), "\r\n", "\n")
		switch ct {
		case "text/plain":
			assert.Equal(t, m.Body, text)
		case "text/html":
			assert.Equal(t, m.HTMLBody, text)
		}
	}
	assert.Equal(t, []string{"text/plain", "text/html"}, types, "plain text first: the last alternative is preferred")

	var sawAuth bool
	for _, l := range f.log() {
		if strings.HasPrefix(l, "AUTH PLAIN") {
			sawAuth = true
		}
	}
	assert.True(t, sawAuth, "the provider logs in when a username is set")
}

func TestOptionalHeaders(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		mod         func(*notify.Message)
		unsubscribe string
		post        string
		replyTo     string
		from        string
	}{
		{"plain", func(m *notify.Message) { m.ReplyTo, m.UnsubscribeURL = "", "" }, "", "", "", `"Test service" <service@notifications.example>`},
		{"no display name", func(m *notify.Message) { m.FromName = "" }, "<https://unsubscribe.example.com/one-click/abc123?list=reminders>", "List-Unsubscribe=One-Click", "<replies@example.com>", "<service@notifications.example>"},
		{"http unsubscribe is not one-click", func(m *notify.Message) { m.UnsubscribeURL = "http://example.com/u" }, "<http://example.com/u>", "", "<replies@example.com>", `"Test service" <service@notifications.example>`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeSMTP(t, "", nil)
			p := newProvider(t, smtp.Options{Host: "127.0.0.1", Port: f.port(), TLS: smtp.NoTLS})
			m := providertest.FullMessage(notify.Email)
			c.mod(&m)
			_, err := p.Send(context.Background(), m)
			require.NoError(t, err)
			got := f.received()
			require.Len(t, got, 1)
			msg, err := mail.ReadMessage(strings.NewReader(got[0]))
			require.NoError(t, err)
			assert.Equal(t, c.unsubscribe, msg.Header.Get("List-Unsubscribe"))
			assert.Equal(t, c.post, msg.Header.Get("List-Unsubscribe-Post"))
			assert.Equal(t, c.replyTo, msg.Header.Get("Reply-To"))
			assert.Equal(t, c.from, msg.Header.Get("From"))
			for _, l := range f.log() {
				assert.False(t, strings.HasPrefix(l, "AUTH"), "no login without a username")
			}
		})
	}
}

func TestPlainTextOnly(t *testing.T) {
	t.Parallel()
	f := newFakeSMTP(t, "", nil)
	p := newProvider(t, smtp.Options{Host: "127.0.0.1", Port: f.port(), TLS: smtp.NoTLS})
	m := providertest.Message(notify.Email)
	m.HTMLBody = ""
	_, err := p.Send(context.Background(), m)
	require.NoError(t, err)
	msg, err := mail.ReadMessage(strings.NewReader(f.received()[0]))
	require.NoError(t, err)
	mt, _, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	require.NoError(t, err)
	assert.Equal(t, "text/plain", mt)
}

// Every SMTP outcome, against the fake server (no mailpit needed).
func TestClassification(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		greeting  string
		replies   map[string]string
		mod       func(*smtp.Options)
		msg       func(*notify.Message)
		permanent bool
	}{
		{name: "421 greeting", greeting: "421 4.3.2 busy"},
		{name: "554 greeting", greeting: "554 5.7.1 no service for you", permanent: true},
		{name: "450 sender", replies: map[string]string{"MAIL": "450 4.2.0 try later"}},
		{name: "553 sender", replies: map[string]string{"MAIL": "553 5.1.8 sender domain refused"}, permanent: true},
		{name: "451 recipient", replies: map[string]string{"RCPT": "451 4.3.0 greylisted"}},
		{name: "550 recipient", replies: map[string]string{"RCPT": "550 5.1.1 no such user"}, permanent: true},
		{name: "452 data", replies: map[string]string{"DATA": "452 4.3.1 insufficient storage"}},
		{name: "552 after data", replies: map[string]string{"END": "552 5.3.4 message too big"}, permanent: true},
		{name: "451 after data", replies: map[string]string{"END": "451 4.3.0 local error"}},
		{name: "535 login", replies: map[string]string{"AUTH": "535 5.7.8 bad credentials"},
			mod: func(o *smtp.Options) { o.Username, o.Password, o.Auth = "u", password, gomail.SMTPAuthPlainNoEnc }, permanent: true},
		{name: "454 login", replies: map[string]string{"AUTH": "454 4.7.0 temporary authentication failure"},
			mod: func(o *smtp.Options) { o.Username, o.Password, o.Auth = "u", password, gomail.SMTPAuthPlainNoEnc }},
		{name: "STARTTLS required but not offered", mod: func(o *smtp.Options) { o.TLS = smtp.StartTLSRequired }},
		{name: "invalid recipient address", msg: func(m *notify.Message) { m.To = "not an address" }, permanent: true},
		{name: "invalid from address", msg: func(m *notify.Message) { m.From = "@@" }, permanent: true},
		{name: "unsubscribe URL not a URL", msg: func(m *notify.Message) { m.UnsubscribeURL = "mailto:x@example.com" }, permanent: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeSMTP(t, c.greeting, c.replies)
			o := smtp.Options{Host: "127.0.0.1", Port: f.port(), TLS: smtp.NoTLS, Timeout: 5 * time.Second}
			if c.mod != nil {
				c.mod(&o)
			}
			p := newProvider(t, o)
			m := providertest.FullMessage(notify.Email)
			if c.msg != nil {
				c.msg(&m)
			}
			_, err := p.Send(context.Background(), m)
			require.Error(t, err)
			assert.Equal(t, c.permanent, notify.IsPermanent(err), "%v", err)
			assert.Equal(t, c.permanent, smtp.Permanent(err), "%v", err)
			assert.NotContains(t, err.Error(), password)
			assert.Empty(t, f.received(), "nothing delivered")
		})
	}
}

func TestTimeoutIsRetryable(t *testing.T) {
	t.Parallel()
	silent := providertest.SilentServer(t) // never greets
	p := newProvider(t, smtp.Options{Host: "127.0.0.1", Port: silent.Port, TLS: smtp.NoTLS, Timeout: 200 * time.Millisecond})
	_, err := p.Send(context.Background(), providertest.Message(notify.Email))
	require.Error(t, err)
	assert.False(t, notify.IsPermanent(err), "%v", err)
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	_, err := smtp.New(smtp.Options{})
	require.Error(t, err)
	_, err = smtp.New(smtp.Options{Host: "localhost", TLS: smtp.TLSMode(42)})
	require.Error(t, err)
	p, err := smtp.New(smtp.Options{Host: "localhost", Name: "relay"})
	require.NoError(t, err)
	assert.Equal(t, "relay", p.Name())
	assert.Equal(t, notify.Email, p.Type())
}

// BenchmarkSendMailpit measures sends per second to mailpit, one
// connection per message.
func BenchmarkSendMailpit(b *testing.B) {
	o := mailpitOptions(b, slog.New(slog.DiscardHandler))
	o.Debug = false
	p := newProvider(b, o)
	m := providertest.FullMessage(notify.Email)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := p.Send(context.Background(), m); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sends/s")
}
