package twilio_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/provider/providertest"
	"github.com/notifykit/notify/provider/twilio"
)

const (
	accountSID = "AC00000000000000000000000000000001"
	authToken  = "s3cr3t-auth-token-9f2c41d7"
	callback   = "https://notify.example/notifications/sms/twilio"
)

// fakeTwilio answers like Twilio's Messages API: it checks basic auth and
// the form, records the message and answers 201 with a sid, or the failure
// it was told to give.
type fakeTwilio struct {
	*httptest.Server
	mu      sync.Mutex
	sent    map[string]url.Values
	fail    atomic.Int32 // HTTP status to answer with; 0: accept
	failRaw atomic.Bool  // answer the failure without a JSON body
	n       atomic.Int64
}

func newFake(t *testing.T) *fakeTwilio {
	f := &fakeTwilio{sent: map[string]url.Values{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeTwilio) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	user, pass, ok := r.BasicAuth()
	if r.Method != http.MethodPost || r.URL.Path != "/2010-04-01/Accounts/"+accountSID+"/Messages.json" {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"code": 20404, "message": "The requested resource was not found", "status": 404}`))
		return
	}
	if !ok || user != accountSID || pass != authToken {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"code": 20003, "message": "Authenticate", "status": 401}`))
		return
	}
	if status := int(f.fail.Load()); status != 0 {
		if f.failRaw.Load() {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			_, _ = w.Write([]byte("<html>Bad Gateway</html>"))
			return
		}
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, `{"code": %d, "message": "failure %d", "more_info": "https://www.twilio.com/docs/errors", "status": %d}`, 20000+status, status, status)
		return
	}
	if err := r.ParseForm(); err != nil || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	to := r.PostForm.Get("To")
	if !strings.HasPrefix(to, "+") || len(to) < 8 {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400}`))
		return
	}
	sid := fmt.Sprintf("SM%032x", f.n.Add(1))
	f.mu.Lock()
	f.sent[sid] = r.PostForm
	f.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"sid": sid, "status": "queued", "to": to, "body": r.PostForm.Get("Body")})
}

func (f *fakeTwilio) form(sid string) (url.Values, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.sent[sid]
	return v, ok
}

// provider is a Provider with its fake.
type provider struct {
	*twilio.Provider
	fake *fakeTwilio
}

func newProvider(t *testing.T, log *slog.Logger, mod func(*twilio.Options)) *provider {
	f := newFake(t)
	o := twilio.Options{AccountSID: accountSID, AuthToken: authToken, BaseURL: f.URL, StatusCallbackURL: callback, Logger: log}
	if mod != nil {
		mod(&o)
	}
	p, err := twilio.New(o)
	require.NoError(t, err)
	return &provider{Provider: p, fake: f}
}

func failWith(status int, raw bool) func(*testing.T, notify.Provider) {
	return func(_ *testing.T, p notify.Provider) {
		p.(*provider).fake.fail.Store(int32(status))
		p.(*provider).fake.failRaw.Store(raw)
	}
}

func receipt(form url.Values) func() (notify.Receipt, error) {
	return func() (notify.Receipt, error) { return twilio.ParseStatusCallback(form) }
}

func cb(sid, status, code string) url.Values {
	v := url.Values{"MessageSid": {sid}, "MessageStatus": {status}, "AccountSid": {accountSID}}
	if code != "" {
		v.Set("ErrorCode", code)
	}
	return v
}

func TestConformance(t *testing.T) {
	t.Parallel()
	const sid = "SM0123456789abcdef0123456789abcdef"
	providertest.Run(t, providertest.Harness{
		New: func(t *testing.T) notify.Provider { return newProvider(t, nil, nil) },
		NewLogged: func(t *testing.T, log *slog.Logger) notify.Provider {
			return newProvider(t, log, nil)
		},
		Secrets: []string{authToken},
		Delivered: func(t *testing.T, p notify.Provider, ref string) (notify.Message, bool) {
			pp := p.(*provider)
			form, ok := pp.fake.form(ref)
			if !ok {
				return notify.Message{}, false
			}
			m := notify.Message{To: strings.TrimPrefix(form.Get("To"), "+"), Body: form.Get("Body"), From: form.Get("From")}
			cbURL := form.Get("StatusCallback")
			if id, err := uuid.Parse(strings.TrimPrefix(cbURL, callback+"/")); err == nil {
				m.NotificationID = id
			}
			return m, true
		},
		Shape: providertest.Shape{From: true, NotificationID: true},
		Fail: func(t *testing.T, p notify.Provider, permanent bool) {
			if permanent {
				failWith(http.StatusBadRequest, false)(t, p)
				return
			}
			failWith(http.StatusServiceUnavailable, false)(t, p)
		},
		Heal: func(t *testing.T, p notify.Provider) { failWith(0, false)(t, p) },
		Failures: []providertest.Failure{
			{Name: "429 too many requests", Set: failWith(http.StatusTooManyRequests, false)},
			{Name: "500", Set: failWith(http.StatusInternalServerError, false)},
			{Name: "502 without a JSON body", Set: failWith(http.StatusBadGateway, true)},
			{Name: "400 invalid number", Set: failWith(http.StatusBadRequest, false), Permanent: true},
			{Name: "401 wrong credentials", Set: failWith(http.StatusUnauthorized, false), Permanent: true},
			{Name: "404", Set: failWith(http.StatusNotFound, false), Permanent: true},
			{Name: "connection refused", Set: func(t *testing.T, p notify.Provider) { p.(*provider).fake.Close() }},
		},
		Receipts: []providertest.ReceiptCase{
			{Name: "sent", Parse: receipt(cb(sid, "sent", "")), Want: notify.StatusPending, WantRef: sid},
			{Name: "delivered", Parse: receipt(cb(sid, "delivered", "")), Want: notify.StatusDelivered, WantRef: sid},
			{Name: "read", Parse: receipt(cb(sid, "read", "")), Want: notify.StatusDelivered, WantRef: sid},
			{Name: "undelivered unreachable", Parse: receipt(cb(sid, "undelivered", "30003")), Want: notify.StatusTemporaryFailure, WantRef: sid},
			{Name: "undelivered unknown handset", Parse: receipt(cb(sid, "undelivered", "30005")), Want: notify.StatusPermanentFailure, WantRef: sid},
			{Name: "failed", Parse: receipt(cb(sid, "failed", "30001")), Want: notify.StatusTechnicalFailure, WantRef: sid},
			{Name: "failed invalid number", Parse: receipt(cb(sid, "failed", "21211")), Want: notify.StatusPermanentFailure, WantRef: sid},
			{Name: "canceled", Parse: receipt(cb(sid, "canceled", "")), Want: notify.StatusTechnicalFailure, WantRef: sid},
			{Name: "legacy SmsSid and SmsStatus", Parse: receipt(url.Values{"SmsSid": {sid}, "SmsStatus": {"delivered"}}), Want: notify.StatusDelivered, WantRef: sid},
			{Name: "unknown status", Parse: receipt(cb(sid, "elephant", "")), Err: true},
			{Name: "no sid", Parse: receipt(url.Values{"MessageStatus": {"delivered"}}), Err: true},
			{Name: "no status", Parse: receipt(url.Values{"MessageSid": {sid}}), Err: true},
		},
	})
}

func TestRequest(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		opts     func(*twilio.Options)
		wantFrom string
		wantMSS  string
		wantCB   bool
	}{
		{"message's sender", nil, "notify", "", true},
		{"configured number wins", func(o *twilio.Options) { o.From = "+15005550006" }, "+15005550006", "", true},
		{"messaging service", func(o *twilio.Options) { o.MessagingServiceSID = "MG123"; o.From = "+15005550006" }, "", "MG123", true},
		{"no callback", func(o *twilio.Options) { o.StatusCallbackURL = "" }, "notify", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := newProvider(t, nil, c.opts)
			m := providertest.Message(notify.SMS)
			ref, err := p.Send(context.Background(), m)
			require.NoError(t, err)
			form, ok := p.fake.form(ref)
			require.True(t, ok)
			assert.Equal(t, "+447700900123", form.Get("To"))
			assert.Equal(t, m.Body, form.Get("Body"))
			assert.Equal(t, c.wantFrom, form.Get("From"))
			assert.Equal(t, c.wantMSS, form.Get("MessagingServiceSid"))
			if c.wantCB {
				assert.Equal(t, callback+"/"+m.NotificationID.String(), form.Get("StatusCallback"))
			} else {
				assert.NotContains(t, form, "StatusCallback")
			}
		})
	}
}

func TestErrorDetail(t *testing.T) {
	t.Parallel()
	p := newProvider(t, nil, nil)
	m := providertest.Message(notify.SMS)
	m.To = "12"
	_, err := p.Send(context.Background(), m)
	require.Error(t, err)
	assert.True(t, notify.IsPermanent(err))
	var te *twilio.Error
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 400, te.StatusCode)
	assert.Equal(t, 21211, te.Code)
	assert.Contains(t, err.Error(), "not a valid phone number")
}

func TestNoSidIsRetryable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(srv.Close)
	p, err := twilio.New(twilio.Options{AccountSID: accountSID, AuthToken: authToken, BaseURL: srv.URL})
	require.NoError(t, err)
	_, err = p.Send(context.Background(), providertest.Message(notify.SMS))
	require.Error(t, err)
	assert.False(t, notify.IsPermanent(err))
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	for name, o := range map[string]twilio.Options{
		"no sid":       {AuthToken: authToken},
		"no token":     {AccountSID: accountSID},
		"bad base":     {AccountSID: accountSID, AuthToken: authToken, BaseURL: "api.twilio.com"},
		"bad callback": {AccountSID: accountSID, AuthToken: authToken, StatusCallbackURL: "/relative"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := twilio.New(o)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), authToken)
		})
	}
}

func TestIntermediateStatusChangesNothing(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"queued", "accepted", "scheduled", "sending"} {
		r, err := twilio.ParseStatusCallback(cb("SM1", s, ""))
		require.ErrorIs(t, err, twilio.ErrNoStatusChange, s)
		assert.Equal(t, "SM1", r.ProviderReference)
	}
}

// Twilio's published examples (docs: "Webhooks security").
func TestSignatureVectors(t *testing.T) {
	t.Parallel()
	const u = "https://mycompany.com/myapp.php?foo=1&bar=2"
	params := func(caller string) url.Values {
		return url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {caller}, "Digits": {"1234"},
			"From": {caller}, "To": {"+18005551212"}}
	}
	cases := []struct {
		caller, want string
	}{
		{"+14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
		{"+12349013030", "0/KCTR6DLpKmkAf8muzZqo1nDgQ="},
	}
	for _, c := range cases {
		t.Run(c.caller, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, c.want, twilio.Signature("12345", u, params(c.caller)))
			assert.True(t, twilio.ValidSignature("12345", u, params(c.caller), c.want))
			assert.True(t, twilio.ValidSignature("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", params(c.caller), c.want),
				"the default port may be added")
			tampered := params(c.caller)
			tampered.Set("Digits", "9999")
			assert.False(t, twilio.ValidSignature("12345", u, tampered, c.want))
			assert.False(t, twilio.ValidSignature("54321", u, params(c.caller), c.want))
			assert.False(t, twilio.ValidSignature("12345", u+"&x=1", params(c.caller), c.want))
			assert.False(t, twilio.ValidSignature("12345", u, params(c.caller), ""))
			assert.False(t, twilio.ValidSignature("", u, params(c.caller), c.want))
		})
	}
}

func TestCancelledContextIsNotPermanent(t *testing.T) {
	t.Parallel()
	// A server that never answers: the deadline must end the call.
	silent := providertest.SilentServer(t)
	p, err := twilio.New(twilio.Options{AccountSID: accountSID, AuthToken: authToken, BaseURL: "http://" + silent.String()})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = p.Send(ctx, providertest.Message(notify.SMS))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.False(t, notify.IsPermanent(err))
}
