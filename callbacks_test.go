package notify_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
	"github.com/notifykit/notify/provider/sandbox"
)

// insecureCallbacks lets callbacks reach the httptest servers on loopback.
var insecureCallbacks = notifytest.WithConfig(func(c *notify.Config) { c.AllowInsecureCallbacks = true })

type callbackSink struct {
	srv   *httptest.Server
	mu    sync.Mutex
	got   []map[string]any
	auth  []string
	fails atomic.Int32 // answer 503 this many times first
}

func newCallbackSink(t *testing.T) *callbackSink {
	s := &callbackSink{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.fails.Add(-1) >= 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.got = append(s.got, m)
		s.auth = append(s.auth, r.Header.Get("Authorization"))
		s.mu.Unlock()
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *callbackSink) received() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.got...)
}

func TestServiceCallbacks(t *testing.T) {
	t.Parallel()
	sink := newCallbackSink(t)
	sink.fails.Store(2) // retried until it answers
	f := newFixture(t, notify.Service{}, insecureCallbacks)
	require.NoError(t, f.env.Notifier.SetServiceCallback(ctx, f.svc.ID, sink.srv.URL+"/status", "a-long-bearer-token"))
	ref := "ref-1"
	nt, err := f.env.Notifier.SendSMS(ctx, f.keys[notify.KeyTypeLive], &notify.SMSRequest{
		PhoneNumber: teamPhone, TemplateID: f.sms.ID, Reference: &ref, Personalisation: map[string]any{"name": "Jo"}})
	require.NoError(t, err)
	final := f.env.WaitFinal(t, nt.ID)[0]
	require.Equal(t, notify.StatusDelivered, final.Status)
	require.Eventually(t, func() bool { return len(sink.received()) == 1 }, 10*time.Second, 5*time.Millisecond)
	got := sink.received()[0]
	assert.Equal(t, nt.ID.String(), got["id"])
	assert.Equal(t, "ref-1", got["reference"])
	assert.Equal(t, teamPhone, got["to"])
	assert.Equal(t, "delivered", got["status"])
	assert.Equal(t, "sms", got["notification_type"])
	assert.Equal(t, f.sms.ID.String(), got["template_id"])
	assert.EqualValues(t, 1, got["template_version"])
	assert.Equal(t, final.CreatedAt.UTC().Format(notify.TimeFormat), got["created_at"])
	assert.Equal(t, final.UpdatedAt.UTC().Format(notify.TimeFormat), got["completed_at"])
	assert.Equal(t, final.SentAt.UTC().Format(notify.TimeFormat), got["sent_at"])
	assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`, got["created_at"])
	assert.Equal(t, "Bearer a-long-bearer-token", sink.auth[0])
}

func TestServiceCallbackOnTechnicalFailureAndNotOnPending(t *testing.T) {
	t.Parallel()
	sink := newCallbackSink(t)
	f := newFixture(t, notify.Service{}, insecureCallbacks, notifytest.WithSandbox(sandbox.Options{
		FailPermanently: func(notify.Message) bool { return true }}))
	require.NoError(t, f.env.Notifier.SetServiceCallback(ctx, f.svc.ID, sink.srv.URL, "a-long-bearer-token"))
	nt, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
	require.NoError(t, err)
	require.Equal(t, notify.StatusTechnicalFailure, f.env.WaitFinal(t, nt.ID)[0].Status)
	require.Eventually(t, func() bool { return len(sink.received()) == 1 }, 10*time.Second, 5*time.Millisecond)
	assert.Equal(t, "technical-failure", sink.received()[0]["status"])
	assert.Nil(t, sink.received()[0]["sent_at"])

	g := newFixture(t, notify.Service{}, insecureCallbacks, withRealSMS(&stuckProvider{}))
	require.NoError(t, g.env.Notifier.SetServiceCallback(ctx, g.svc.ID, sink.srv.URL, "a-long-bearer-token"))
	nt2, err := g.sendSMS(notify.KeyTypeLive, teamPhone)
	require.NoError(t, err)
	require.NoError(t, g.env.Notifier.Deliver(ctx, notify.Task{NotificationID: nt2.ID, Attempt: 1}))
	require.NoError(t, g.env.Notifier.ApplyReceipt(ctx, notify.Receipt{Provider: "stuck", NotificationID: nt2.ID, Status: notify.StatusPending}))
	assert.Zero(t, g.env.Queue.Len(notify.QueueServiceCallbacks), "pending is not reported")
	require.NoError(t, g.env.Notifier.ApplyReceipt(ctx, notify.Receipt{Provider: "stuck", NotificationID: nt2.ID, Status: notify.StatusDelivered}))
	assert.Equal(t, 1, g.env.Queue.Len(notify.QueueServiceCallbacks))
}

func TestSetServiceCallbackValidates(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{})
	assert.Error(t, f.env.Notifier.SetServiceCallback(ctx, f.svc.ID, "not a url", "a-long-bearer-token"))
	assert.Error(t, f.env.Notifier.SetServiceCallback(ctx, f.svc.ID, "ftp://example.com/x", "a-long-bearer-token"))
	assert.Error(t, f.env.Notifier.SetServiceCallback(ctx, f.svc.ID, "https://example.com/x", "short"))
	require.NoError(t, f.env.Notifier.SetServiceCallback(ctx, f.svc.ID, "https://example.com/x", "a-long-bearer-token"))
	svc, err := f.env.Store.GetService(ctx, f.svc.ID)
	require.NoError(t, err)
	assert.NotContains(t, svc.CallbackURL, "example.com", "the URL is stored encrypted")
	assert.NotContains(t, svc.CallbackToken, "a-long-bearer-token", "the token is stored encrypted")
	assert.NotEmpty(t, svc.CallbackToken)
	u, err := f.env.Notifier.ServiceCallbackURL(ctx, f.svc.ID)
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/x", u)
	require.NoError(t, f.env.Notifier.SetServiceCallback(ctx, f.svc.ID, "", ""))
	svc, err = f.env.Store.GetService(ctx, f.svc.ID)
	require.NoError(t, err)
	assert.Empty(t, svc.CallbackURL)
	assert.Empty(t, svc.CallbackToken)
	u, err = f.env.Notifier.ServiceCallbackURL(ctx, f.svc.ID)
	require.NoError(t, err)
	assert.Empty(t, u)
}
