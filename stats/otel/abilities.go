package otel

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/notifykit/notify"
)

// Attribute keys of the spans of the optional Store abilities.
const (
	// AttrJobID is the bulk job's id.
	AttrJobID = attribute.Key("notify.job.id")
	// AttrAffected is how many rows a clean-up call (archiving, deleting
	// expired documents or idempotency keys) moved or deleted.
	AttrAffected = attribute.Key("notify.store.affected")
	// AttrResult is the answer of a store call that the caller acts on
	// rather than a failure: "not_found", "conflict" or "duplicate".
	AttrResult = attribute.Key("notify.store.result")
)

// Results of a store call recorded as AttrResult.
const (
	resultNotFound  = "not_found"
	resultConflict  = "conflict"
	resultDuplicate = "duplicate"
)

// startCall starts the client span, named name (notify.{method in snake
// case}), of a method of an optional Store ability.
func startCall(ctx context.Context, tr trace.Tracer, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	return tr.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
}

// endCall ends the span of a method of an optional Store ability after it
// returned err. Nothing found, a conflict (a state that has moved on, a
// default sender that may not go) and a duplicate are the store's answers
// to the caller, which turns them into its own replies: the span records
// them as AttrResult and is not in error. Any other error is.
func endCall(span trace.Span, err error) {
	var result string
	switch {
	case err == nil:
	case errors.Is(err, notify.ErrNotFound):
		result = resultNotFound
	case errors.Is(err, notify.ErrConflict):
		result = resultConflict
	case errors.Is(err, notify.ErrDuplicate):
		result = resultDuplicate
	}
	if result != "" {
		span.SetAttributes(AttrResult.String(result))
	}
	end(span, err, func(error) bool { return result != "" })
}

// serviceAttr is the attribute of a service's id.
func serviceAttr(id uuid.UUID) attribute.KeyValue { return AttrServiceID.String(id.String()) }

// jobAttr is the attribute of a job's id.
func jobAttr(id uuid.UUID) attribute.KeyValue { return AttrJobID.String(id.String()) }
