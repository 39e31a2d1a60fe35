package ses_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/provider/providertest"
	"github.com/notifykit/notify/provider/ses"
)

const (
	accessKey = "AKIAEXAMPLE000000001"
	secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// sendRequest is the JSON body of SES v2 SendEmail, as far as we use it.
type sendRequest struct {
	FromEmailAddress     string
	ReplyToAddresses     []string
	ConfigurationSetName string
	Destination          struct{ ToAddresses []string }
	Content              struct {
		Simple struct {
			Subject struct{ Data, Charset string }
			Body    struct {
				Text *struct{ Data, Charset string }
				Html *struct{ Data, Charset string } //nolint:revive // SES's field name
			}
			Headers []struct{ Name, Value string }
		}
	}
}

// failure is what the fake answers instead of accepting.
type failure struct {
	status int
	kind   string // X-Amzn-ErrorType
}

// fakeSES answers POST /v2/email/outbound-emails like SES v2.
type fakeSES struct {
	*httptest.Server
	mu   sync.Mutex
	sent map[string]sendRequest
	fail atomic.Pointer[failure]
	n    atomic.Int64
}

func newFake(t *testing.T) *fakeSES {
	f := &fakeSES{sent: map[string]sendRequest{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeSES) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	reject := func(status int, kind, msg string) {
		w.Header().Set("X-Amzn-ErrorType", kind)
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, `{"message": %q}`, msg)
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v2/email/outbound-emails" {
		reject(http.StatusNotFound, "NotFoundException", "no such operation")
		return
	}
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential="+accessKey+"/") || !strings.Contains(auth, "/eu-west-2/ses/aws4_request") {
		reject(http.StatusForbidden, "UnrecognizedClientException", "The security token included in the request is invalid.")
		return
	}
	if fl := f.fail.Load(); fl != nil {
		reject(fl.status, fl.kind, "failure "+fl.kind)
		return
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		reject(http.StatusBadRequest, "BadRequestException", "unreadable")
		return
	}
	var req sendRequest
	if err := json.Unmarshal(raw, &req); err != nil || len(req.Destination.ToAddresses) != 1 {
		reject(http.StatusBadRequest, "BadRequestException", "bad request")
		return
	}
	id := fmt.Sprintf("0102018c%08x-%s-000000", f.n.Add(1), uuid.NewString())
	f.mu.Lock()
	f.sent[id] = req
	f.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]string{"MessageId": id})
}

func (f *fakeSES) request(id string) (sendRequest, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.sent[id]
	return r, ok
}

type provider struct {
	*ses.Provider
	fake *fakeSES
}

func newProvider(t *testing.T, log *slog.Logger) *provider {
	f := newFake(t)
	p, err := ses.New(ses.Options{Region: "eu-west-2", AccessKeyID: accessKey, SecretAccessKey: secretKey,
		Endpoint: f.URL, Logger: log, ConfigurationSetName: "notify-events"})
	require.NoError(t, err)
	return &provider{Provider: p, fake: f}
}

func failWith(status int, kind string) func(*testing.T, notify.Provider) {
	return func(_ *testing.T, p notify.Provider) {
		if status == 0 {
			p.(*provider).fake.fail.Store(nil)
			return
		}
		p.(*provider).fake.fail.Store(&failure{status, kind})
	}
}

// delivered reads back what the fake received as a notify.Message.
func delivered(t *testing.T, p notify.Provider, ref string) (notify.Message, bool) {
	req, ok := p.(*provider).fake.request(ref)
	if !ok {
		return notify.Message{}, false
	}
	from, err := mail.ParseAddress(req.FromEmailAddress)
	require.NoError(t, err)
	s := req.Content.Simple
	m := notify.Message{To: req.Destination.ToAddresses[0], Subject: s.Subject.Data, From: from.Address, FromName: from.Name}
	if s.Body.Text != nil {
		m.Body = s.Body.Text.Data
	}
	if s.Body.Html != nil {
		m.HTMLBody = s.Body.Html.Data
	}
	if len(req.ReplyToAddresses) == 1 {
		m.ReplyTo = req.ReplyToAddresses[0]
	}
	for _, h := range s.Headers {
		switch h.Name {
		case "List-Unsubscribe":
			m.UnsubscribeURL = strings.Trim(h.Value, "<>")
		case ses.NotificationIDHeader:
			m.NotificationID, _ = uuid.Parse(h.Value)
		}
	}
	return m, true
}

const msgID = "0102018c1a2b3c4d-5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9-000000"

func sns(t *testing.T, inner string) []byte {
	t.Helper()
	b, err := json.Marshal(ses.SNSMessage{Type: "Notification", MessageID: uuid.NewString(),
		TopicArn: "arn:aws:sns:eu-west-2:123456789012:ses-events", Message: inner, Timestamp: "2026-01-02T03:04:05.678Z"})
	require.NoError(t, err)
	return b
}

func sesEvent(kind, extra string) string {
	s := `{"notificationType":"` + kind + `","mail":{"timestamp":"2026-01-02T03:04:00.000Z","messageId":"` + msgID +
		`","source":"service@notifications.example","destination":["someone@example.com"]}`
	if extra != "" {
		s += "," + extra
	}
	return s + "}"
}

func parse(body []byte) func() (notify.Receipt, error) {
	return func() (notify.Receipt, error) {
		rs, err := ses.ParseNotification(body)
		if err != nil {
			return notify.Receipt{}, err
		}
		if len(rs) != 1 {
			return notify.Receipt{}, fmt.Errorf("%d receipts", len(rs))
		}
		return rs[0], nil
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	bounce := func(typ, sub string) string {
		return sesEvent("Bounce", `"bounce":{"bounceType":"`+typ+`","bounceSubType":"`+sub+`","timestamp":"2026-01-02T03:04:05.000Z","bouncedRecipients":[{"emailAddress":"someone@example.com"}]}`)
	}
	providertest.Run(t, providertest.Harness{
		New:       func(t *testing.T) notify.Provider { return newProvider(t, nil) },
		NewLogged: func(t *testing.T, log *slog.Logger) notify.Provider { return newProvider(t, log) },
		Secrets:   []string{secretKey},
		Delivered: delivered,
		Shape:     providertest.Shape{HTMLBody: true, From: true, FromName: true, ReplyTo: true, UnsubscribeURL: true, NotificationID: true},
		Fail: func(t *testing.T, p notify.Provider, permanent bool) {
			if permanent {
				failWith(http.StatusBadRequest, "MessageRejected")(t, p)
				return
			}
			failWith(http.StatusTooManyRequests, "TooManyRequestsException")(t, p)
		},
		Heal: func(t *testing.T, p notify.Provider) { failWith(0, "")(t, p) },
		Failures: []providertest.Failure{
			{Name: "429 TooManyRequests", Set: failWith(http.StatusTooManyRequests, "TooManyRequestsException")},
			{Name: "400 LimitExceeded (daily quota)", Set: failWith(http.StatusBadRequest, "LimitExceededException")},
			{Name: "500 InternalServiceError", Set: failWith(http.StatusInternalServerError, "InternalServiceErrorException")},
			{Name: "503 without a known type", Set: failWith(http.StatusServiceUnavailable, "ServiceUnavailable")},
			{Name: "400 MessageRejected", Set: failWith(http.StatusBadRequest, "MessageRejected"), Permanent: true},
			{Name: "400 MailFromDomainNotVerified", Set: failWith(http.StatusBadRequest, "MailFromDomainNotVerifiedException"), Permanent: true},
			{Name: "400 AccountSuspended", Set: failWith(http.StatusBadRequest, "AccountSuspendedException"), Permanent: true},
			{Name: "400 SendingPaused", Set: failWith(http.StatusBadRequest, "SendingPausedException"), Permanent: true},
			{Name: "400 BadRequest", Set: failWith(http.StatusBadRequest, "BadRequestException"), Permanent: true},
			{Name: "403 bad credentials", Set: failWith(http.StatusForbidden, "UnrecognizedClientException"), Permanent: true},
			{Name: "connection refused", Set: func(t *testing.T, p notify.Provider) { p.(*provider).fake.Close() }},
		},
		Receipts: []providertest.ReceiptCase{
			{Name: "Delivery", Parse: parse(sns(t, sesEvent("Delivery", `"delivery":{"timestamp":"2026-01-02T03:04:05.000Z"}`))), Want: notify.StatusDelivered, WantRef: msgID},
			{Name: "Bounce Permanent", Parse: parse(sns(t, bounce("Permanent", "General"))), Want: notify.StatusPermanentFailure, WantRef: msgID},
			{Name: "Bounce Transient", Parse: parse(sns(t, bounce("Transient", "MailboxFull"))), Want: notify.StatusTemporaryFailure, WantRef: msgID},
			{Name: "Bounce Undetermined", Parse: parse(sns(t, bounce("Undetermined", "Undetermined"))), Want: notify.StatusTemporaryFailure, WantRef: msgID},
			{Name: "Complaint keeps delivered", Parse: parse(sns(t, sesEvent("Complaint", `"complaint":{"complaintFeedbackType":"abuse","timestamp":"2026-01-02T03:05:00.000Z"}`))), Want: notify.StatusDelivered, WantRef: msgID},
			{Name: "raw delivery (no SNS envelope)", Parse: parse([]byte(sesEvent("Delivery", ""))), Want: notify.StatusDelivered, WantRef: msgID},
			{Name: "event publishing format", Parse: parse(sns(t, strings.Replace(sesEvent("Delivery", ""), "notificationType", "eventType", 1))), Want: notify.StatusDelivered, WantRef: msgID},
			{Name: "Open is not a receipt", Parse: parse(sns(t, sesEvent("Open", ""))), Err: true},
			{Name: "subscription confirmation is not a receipt", Parse: parse([]byte(`{"Type":"SubscriptionConfirmation","SubscribeURL":"https://sns.example/confirm"}`)), Err: true},
			{Name: "Bounce without bounce", Parse: parse(sns(t, sesEvent("Bounce", ""))), Err: true},
			{Name: "no messageId", Parse: parse(sns(t, `{"notificationType":"Delivery","mail":{}}`)), Err: true},
			{Name: "not JSON", Parse: parse([]byte("FOOO")), Err: true},
			{Name: "inner message not JSON", Parse: parse(sns(t, "FOOO")), Err: true},
		},
	})
}

func TestRequestDetails(t *testing.T) {
	t.Parallel()
	p := newProvider(t, nil)
	m := providertest.FullMessage(notify.Email)
	m.FromName = "Ministry of Tëst"
	ref, err := p.Send(context.Background(), m)
	require.NoError(t, err)
	req, ok := p.fake.request(ref)
	require.True(t, ok)
	assert.Equal(t, "notify-events", req.ConfigurationSetName)
	assert.Equal(t, "UTF-8", req.Content.Simple.Subject.Charset)
	from, err := mail.ParseAddress(req.FromEmailAddress)
	require.NoError(t, err)
	assert.Equal(t, "Ministry of Tëst", from.Name, "a non-ASCII display name is MIME-encoded and decodes back")
	var names []string
	for _, h := range req.Content.Simple.Headers {
		names = append(names, h.Name+": "+h.Value)
	}
	assert.ElementsMatch(t, []string{
		"X-Notify-Notification-Id: " + m.NotificationID.String(),
		"List-Unsubscribe: <" + m.UnsubscribeURL + ">",
		"List-Unsubscribe-Post: List-Unsubscribe=One-Click",
	}, names)

	plain := providertest.Message(notify.Email)
	plain.HTMLBody = ""
	ref, err = p.Send(context.Background(), plain)
	require.NoError(t, err)
	req, _ = p.fake.request(ref)
	assert.Nil(t, req.Content.Simple.Body.Html)
	assert.Empty(t, req.ReplyToAddresses)
	assert.Len(t, req.Content.Simple.Headers, 1, "only the notification id")
}

func TestBadMessagesArePermanent(t *testing.T) {
	t.Parallel()
	for name, mod := range map[string]func(*notify.Message){
		"recipient":   func(m *notify.Message) { m.To = "not an address" },
		"from":        func(m *notify.Message) { m.From = "@@" },
		"unsubscribe": func(m *notify.Message) { m.UnsubscribeURL = "ftp://x" },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := newProvider(t, nil)
			m := providertest.FullMessage(notify.Email)
			mod(&m)
			_, err := p.Send(context.Background(), m)
			require.Error(t, err)
			assert.True(t, notify.IsPermanent(err))
		})
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	for name, o := range map[string]ses.Options{
		"no region":      {AccessKeyID: accessKey, SecretAccessKey: secretKey},
		"no credentials": {Region: "eu-west-2"},
		"no secret":      {Region: "eu-west-2", AccessKeyID: accessKey},
		"bad endpoint":   {Region: "eu-west-2", AccessKeyID: accessKey, SecretAccessKey: secretKey, Endpoint: "localhost:1"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := ses.New(o)
			require.Error(t, err)
		})
	}
}

func TestParseSNS(t *testing.T) {
	t.Parallel()
	m, err := ses.ParseSNS([]byte(`{"Type":"SubscriptionConfirmation","SubscribeURL":"https://sns.eu-west-2.amazonaws.com/?Action=ConfirmSubscription","Token":"t"}`))
	require.NoError(t, err)
	assert.Equal(t, ses.SNSSubscriptionConfirmation, m.Type)
	assert.Equal(t, "https://sns.eu-west-2.amazonaws.com/?Action=ConfirmSubscription", m.SubscribeURL)
	_, err = ses.ParseSNS([]byte(`{"Type":"foo"}`))
	require.Error(t, err)
	_, err = ses.ParseSNS([]byte(`FOOO`))
	require.Error(t, err)
}

func TestReceiptTime(t *testing.T) {
	t.Parallel()
	rs, err := ses.ParseNotification(sns(t, sesEvent("Delivery", `"delivery":{"timestamp":"2026-01-02T03:04:05.123Z"}`)))
	require.NoError(t, err)
	require.Len(t, rs, 1)
	assert.Equal(t, "2026-01-02T03:04:05.123Z", rs[0].At.Format("2006-01-02T15:04:05.000Z"))
	assert.Equal(t, "ses", rs[0].Provider)
}
