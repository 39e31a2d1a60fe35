package otel_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/queue/redisqueue"
	"github.com/notifykit/notify/stats/instrument"
	"github.com/notifykit/notify/stats/otel"
	"github.com/notifykit/notify/store/gormstore"
	"github.com/notifykit/notify/store/memstore"
)

// traced is a Notifier traced into an in-memory span recorder, behind a
// traced API, with a live service, a key and an SMS template.
type traced struct {
	n     *notify.Notifier
	api   http.Handler
	spans *tracetest.SpanRecorder
	key   string
	tpl   *notify.Template
	// batch is RunOptions.BatchSize for deliver (0: the default batches).
	batch int
}

func newTraced(t *testing.T, cfg notify.Config) *traced {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	opts := otel.Options{TracerProvider: tp, Propagator: propagation.TraceContext{}}
	if cfg.Queue == nil {
		q := memqueue.New(memqueue.Options{Backoff: func(int) time.Duration { return time.Millisecond }})
		t.Cleanup(func() { _ = q.Close() })
		cfg.Queue = q
	}
	if cfg.Store == nil {
		cfg.Store = memstore.New()
	}
	cfg.SecretKey, cfg.Logger = []byte("otel tests: a secret key of 32 bytes or more"), slog.New(slog.DiscardHandler)
	cfg.Stats = notify.DiscardStats{}
	// Traced over the metrics wrappers: both see every call.
	n, err := notify.New(otel.Config(instrument.Config(cfg, ""), opts))
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close(context.Background()) })
	ctx := context.Background()
	svc, err := n.CreateService(ctx, notify.Service{Name: "Traced"})
	require.NoError(t, err)
	k, err := n.CreateAPIKey(ctx, svc.ID, "live", notify.KeyTypeLive)
	require.NoError(t, err)
	tpl, err := n.CreateTemplate(ctx, notify.Template{ServiceID: svc.ID, Type: notify.SMS, Name: "t", Content: "Hi ((name))"})
	require.NoError(t, err)
	return &traced{n: n, spans: rec, tpl: tpl, key: notify.FormatKey(k.Name, svc.ID, k.Secret),
		api: httpapi.New(n, httpapi.Options{Observe: otel.HTTP(opts), Logger: slog.New(slog.DiscardHandler)})}
}

// caller's trace, as a traceparent header carries it.
const (
	callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	callerSpan  = "00f067aa0ba902b7"
)

// send posts an SMS with the caller's trace context and returns its id.
func (e *traced) send(t *testing.T, to string) string {
	t.Helper()
	svc, secret, err := notify.ParseKey(e.key)
	require.NoError(t, err)
	token, err := notify.NewToken(svc, secret, time.Now())
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, "http://api.test/v2/notifications/sms", strings.NewReader(
		`{"phone_number": "`+to+`", "template_id": "`+e.tpl.ID.String()+`", "personalisation": {"name": "Jo"}}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("traceparent", "00-"+callerTrace+"-"+callerSpan+"-01")
	rec := httptest.NewRecorder()
	e.api.ServeHTTP(rec, req)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	var body struct{ ID string }
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	return body.ID
}

// deliver runs the workers until notification id is final.
func (e *traced) deliver(t *testing.T, id string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = e.n.RunWith(ctx, notify.RunOptions{BatchSize: e.batch}); close(done) }()
	defer func() { cancel(); <-done }()
	require.Eventually(t, func() bool {
		nt, err := e.n.Store().GetNotification(ctx, uuid.MustParse(id))
		return err == nil && nt.Status.Final()
	}, 10*time.Second, time.Millisecond)
}

// named returns the ended spans called name.
func (e *traced) named(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range e.spans.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// one returns the only ended span called name.
func (e *traced) one(t *testing.T, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	spans := e.named(name)
	require.Len(t, spans, 1, "spans named %q", name)
	return spans[0]
}

func attr(s sdktrace.ReadOnlySpan, key attribute.Key) attribute.Value {
	for _, kv := range s.Attributes() {
		if kv.Key == key {
			return kv.Value
		}
	}
	return attribute.Value{}
}

func TestASendIsTracedFromRequestToProvider(t *testing.T) {
	t.Parallel()
	// One send at a time: a group commit's spans are checked on their own.
	e := newTraced(t, notify.Config{GroupCommit: notify.GroupCommit{Disabled: true}})
	e.batch = 1
	id := e.send(t, "07700 900456")
	e.deliver(t, id)

	req := e.one(t, "POST /v2/notifications/{type}")
	assert.Equal(t, trace.SpanKindServer, req.SpanKind())
	assert.Equal(t, callerTrace, req.SpanContext().TraceID().String(), "joins the caller's trace")
	assert.Equal(t, callerSpan, req.Parent().SpanID().String())
	assert.Equal(t, "/v2/notifications/{type}", attr(req, "http.route").AsString())
	assert.EqualValues(t, 201, attr(req, "http.response.status_code").AsInt64())
	assert.NotEmpty(t, attr(req, otel.AttrRequestID).AsString())

	for _, name := range []string{"notify.persist", "notify.enqueue"} {
		s := e.one(t, name)
		assert.Equal(t, req.SpanContext().SpanID(), s.Parent().SpanID(), "%s is a child of the request", name)
		assert.Equal(t, id, attr(s, otel.AttrNotificationID).AsString(), name)
	}
	assert.Equal(t, "send-sms", attr(e.one(t, "notify.enqueue"), otel.AttrQueue).AsString())

	deliver := e.one(t, "notify.deliver")
	assert.Equal(t, trace.SpanKindConsumer, deliver.SpanKind())
	assert.Equal(t, id, attr(deliver, otel.AttrNotificationID).AsString())
	assert.EqualValues(t, 1, attr(deliver, otel.AttrAttempt).AsInt64())
	send := e.one(t, "notify.provider.send")
	claim := e.one(t, "notify.claim")
	for _, s := range []sdktrace.ReadOnlySpan{send, claim} {
		assert.Equal(t, deliver.SpanContext().SpanID(), s.Parent().SpanID(), "%s is a child of the delivery", s.Name())
		assert.Equal(t, id, attr(s, otel.AttrNotificationID).AsString(), s.Name())
	}
	assert.Equal(t, notify.SandboxName, attr(send, otel.AttrProvider).AsString())
	assert.NotEmpty(t, attr(send, otel.AttrProviderRef).AsString())
	var statuses []string
	for _, s := range e.named("notify.record") {
		statuses = append(statuses, attr(s, otel.AttrStatus).AsString())
	}
	assert.Equal(t, []string{"delivered"}, statuses, "the send and the sandbox's receipt recorded in one write")
	for _, s := range e.spans.Ended() {
		assert.Equal(t, codes.Unset, s.Status().Code, "%s succeeded", s.Name())
	}
}

func TestAGroupCommitIsTracedAsABatch(t *testing.T) {
	t.Parallel()
	st, err := gormstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "notify.db"), gormstore.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	e := newTraced(t, notify.Config{Store: st})
	id := e.send(t, "07700 900456")
	batch := e.one(t, "notify.persist_batch")
	assert.Equal(t, []string{id}, attr(batch, otel.AttrNotificationIDs).AsStringSlice())
	assert.EqualValues(t, 1, attr(batch, otel.AttrCount).AsInt64())
	assert.Equal(t, e.one(t, "POST /v2/notifications/{type}").SpanContext().SpanID(), batch.Parent().SpanID(),
		"a commit carries the first send's trace")
}

func TestABatchDeliveryIsTraced(t *testing.T) {
	t.Parallel()
	st, err := gormstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "notify.db"), gormstore.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	client := redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()})
	t.Cleanup(func() { _ = client.Close() })
	e := newTraced(t, notify.Config{Store: st, Queue: redisqueue.New(client, redisqueue.Options{})})
	ids := []string{e.send(t, "07700 900456"), e.send(t, "07700 900457"), e.send(t, "07700 900458")}
	for _, id := range ids {
		e.deliver(t, id)
	}

	batches := map[trace.SpanID][]string{} // the delivery batches and their ids
	var delivered []string
	for _, b := range e.named("notify.deliver_batch") {
		assert.Equal(t, trace.SpanKindConsumer, b.SpanKind())
		batches[b.SpanContext().SpanID()] = attr(b, otel.AttrNotificationIDs).AsStringSlice()
		delivered = append(delivered, batches[b.SpanContext().SpanID()]...)
	}
	assert.ElementsMatch(t, ids, delivered, "every delivery in a batch span")
	claims := e.named("notify.claim_batch")
	require.NotEmpty(t, claims, "the three queued together are claimed together")
	for _, c := range claims {
		parent, ok := batches[c.Parent().SpanID()]
		require.True(t, ok, "a claim is a child of its delivery batch")
		assert.Equal(t, parent, attr(c, otel.AttrNotificationIDs).AsStringSlice())
	}
	for _, s := range e.named("notify.provider.send") {
		assert.Contains(t, batches, s.Parent().SpanID(), "each provider call is a child of its batch")
	}
	assert.NotEmpty(t, e.named("notify.record_batch"), "the sends recorded together")
}

// refusing is an SMS provider that refuses every message for good.
type refusing struct{}

func (refusing) Name() string                  { return "refusing" }
func (refusing) Type() notify.NotificationType { return notify.SMS }
func (refusing) Send(context.Context, notify.Message) (string, error) {
	return "", notify.Permanent(errors.New("number barred"))
}

func TestAFailedProviderCallIsAnError(t *testing.T) {
	t.Parallel()
	e := newTraced(t, notify.Config{Providers: []notify.Provider{refusing{}}})
	id := e.send(t, "07700 900456")
	e.deliver(t, id)
	send := e.one(t, "notify.provider.send")
	assert.Equal(t, codes.Error, send.Status().Code)
	assert.Equal(t, "number barred", send.Status().Description)
	assert.True(t, attr(send, otel.AttrPermanent).AsBool())
	assert.Equal(t, "refusing", attr(send, otel.AttrProvider).AsString())
	assert.Equal(t, "technical-failure", attr(e.one(t, "notify.record"), otel.AttrStatus).AsString())
}

func TestUnknownRoutesAreNamedByMethod(t *testing.T) {
	t.Parallel()
	e := newTraced(t, notify.Config{})
	rec := httptest.NewRecorder()
	e.api.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://api.test/nowhere", nil))
	require.Equal(t, http.StatusNotFound, rec.Code)
	s := e.one(t, http.MethodGet)
	assert.EqualValues(t, 404, attr(s, "http.response.status_code").AsInt64())
	assert.False(t, s.Parent().IsValid(), "a new trace without traceparent")
}

func TestWrappersKeepTheAdaptersAbilities(t *testing.T) {
	t.Parallel()
	opts := otel.Options{}
	q := memqueue.New(memqueue.Options{})
	defer q.Close()
	_, ok := otel.Queue(q, opts).(interface{ Close() error })
	assert.True(t, ok, "a queue with Close keeps it")
	_, ok = otel.Provider(notify.BuiltinSandbox(), opts).(notify.ReceiptSimulator)
	assert.True(t, ok, "the sandbox still fakes receipts")
	_, ok = otel.Provider(refusing{}, opts).(notify.ReceiptSimulator)
	assert.False(t, ok, "a provider that does not fake receipts does not start to")
	assert.Nil(t, otel.Store(nil, opts))
	assert.Nil(t, otel.Queue(nil, opts))
	assert.Nil(t, otel.Provider(nil, opts))
}
