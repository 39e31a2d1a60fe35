package otel_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/internal/abilitytest"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/stats/otel"
	"github.com/notifykit/notify/store/memstore"
)

// spanRecorder returns options tracing into a new span recorder.
func spanRecorder(t *testing.T) (otel.Options, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return otel.Options{TracerProvider: tp}, rec
}

// Every method of every optional ability runs in a client span named
// notify.{method in snake case}, a child of the caller's span, with the
// service's id where the call names one and none of the secrets it was
// given; the wrapped store still answers, and its answers (nothing found,
// a conflict) are not errors.
func TestStoreTracesEveryAbilityMethod(t *testing.T) {
	t.Parallel()
	mem, calls := abilitytest.Calls(t)
	abilitytest.CheckCovered(t, calls)
	for _, c := range calls {
		t.Run(c.Ability.Name()+"."+c.Method, func(t *testing.T) {
			opts, rec := spanRecorder(t)
			w, ok := otel.Store(mem, opts).(interface{ WrapAbility(p any) })
			require.True(t, ok)
			ctx, parent := opts.TracerProvider.Tracer("test").Start(t.Context(), "caller")
			c.Run(t, ctx, w.WrapAbility)
			parent.End()

			spans := rec.Ended()
			require.Len(t, spans, 2, "one span for the call, one for the caller")
			s := spans[0]
			assert.Equal(t, "notify."+c.Name(), s.Name())
			assert.Equal(t, trace.SpanKindClient, s.SpanKind())
			assert.Equal(t, parent.SpanContext().SpanID(), s.Parent().SpanID(), "a child of the caller's span")
			assert.Equal(t, codes.Unset, s.Status().Code, "an answer is not an error")
			if c.ServiceID != uuid.Nil {
				assert.Equal(t, c.ServiceID.String(), attr(s, otel.AttrServiceID).AsString())
			}
			for _, kv := range s.Attributes() {
				v := kv.Value.Emit()
				for _, secret := range abilitytest.Secrets() {
					assert.NotContains(t, strings.ToLower(v), strings.ToLower(secret), "attribute %s", kv.Key)
				}
			}
		})
	}
}

// brokenDocuments is a DocumentStore whose store has failed.
type brokenDocuments struct{ notify.DocumentStore }

func (brokenDocuments) GetDocument(context.Context, uuid.UUID, uuid.UUID) (*notify.Document, error) {
	return nil, fmt.Errorf("documents: %w", errDisk)
}

var errDisk = errors.New("disk on fire")

// A failure of the store ends the span in error, unlike the answers
// nothing found, conflict and duplicate, which are recorded as
// notify.store.result.
func TestAbilityFailuresAndAnswers(t *testing.T) {
	t.Parallel()
	opts, rec := spanRecorder(t)
	mem := memstore.New()
	w := otel.Store(mem, opts).(interface{ WrapAbility(p any) })
	var broken notify.DocumentStore = brokenDocuments{mem}
	w.WrapAbility(&broken)
	_, err := broken.GetDocument(t.Context(), uuid.New(), uuid.New())
	require.ErrorIs(t, err, errDisk)
	var ds notify.DocumentStore = mem
	w.WrapAbility(&ds)
	_, err = ds.GetDocument(t.Context(), uuid.New(), uuid.New())
	require.ErrorIs(t, err, notify.ErrNotFound)
	svc := &notify.Service{ID: uuid.New(), Name: "Dup"}
	require.NoError(t, mem.CreateService(t.Context(), svc))
	var rs notify.DataRetentionStore = mem
	w.WrapAbility(&rs)
	r := notify.DataRetention{ID: uuid.New(), ServiceID: svc.ID, Type: notify.Email, Days: 3}
	require.NoError(t, rs.CreateDataRetention(t.Context(), &r))
	r.ID = uuid.New()
	require.ErrorIs(t, rs.CreateDataRetention(t.Context(), &r), notify.ErrDuplicate)

	spans := rec.Ended()
	require.Len(t, spans, 4)
	assert.Equal(t, codes.Error, spans[0].Status().Code)
	assert.Equal(t, "documents: disk on fire", spans[0].Status().Description)
	assert.Equal(t, attribute.INVALID, attr(spans[0], otel.AttrResult).Type(), "a failure is no answer")
	assert.Equal(t, codes.Unset, spans[1].Status().Code)
	assert.Equal(t, "not_found", attr(spans[1], otel.AttrResult).AsString())
	assert.Equal(t, codes.Unset, spans[2].Status().Code)
	assert.Equal(t, attribute.INVALID, attr(spans[2], otel.AttrResult).Type(), "a success has no result")
	assert.Equal(t, "email", attr(spans[2], otel.AttrType).AsString())
	assert.Equal(t, codes.Unset, spans[3].Status().Code)
	assert.Equal(t, "duplicate", attr(spans[3], otel.AttrResult).AsString())
}

// storeOnly hides every optional ability of the store it embeds.
type storeOnly struct{ notify.Store }

// Tracing gives the Notifier no ability the store lacks: through
// otel.Config a store without them still answers ErrUnsupported, and one
// with them is traced end to end.
func TestTracedAbilitiesAreNotMadeUp(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		store notify.Store
		has   bool
	}{
		{"without abilities", storeOnly{memstore.New()}, false},
		{"with abilities", memstore.New(), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts, rec := spanRecorder(t)
			q := memqueue.New(memqueue.Options{})
			t.Cleanup(func() { _ = q.Close() })
			n, err := notify.New(otel.Config(notify.Config{Store: tc.store, Queue: q, Logger: slog.New(slog.DiscardHandler),
				SecretKey: []byte("otel tests: a secret key of 32 bytes or more")}, opts))
			require.NoError(t, err)
			t.Cleanup(func() { _ = n.Close(context.Background()) })
			_, err = n.ListServices(t.Context())
			var names []string
			for _, s := range rec.Ended() {
				names = append(names, s.Name())
			}
			if !tc.has {
				assert.ErrorIs(t, err, notify.ErrUnsupported)
				assert.NotContains(t, names, "notify.list_services")
				return
			}
			require.NoError(t, err)
			assert.Contains(t, names, "notify.list_services")
		})
	}
}
