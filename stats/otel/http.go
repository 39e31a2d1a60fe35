package otel

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// HTTP returns the httpapi.Options.Observe that traces each request in a
// server span: it joins the caller's trace when the request carries one
// (traceparent, through Options.Propagator), is named "{METHOD} {route}"
// ("POST /v2/notifications/{type}"; the method alone when no route
// matched), and carries the request's method, path, id and user agent, the
// route, and the status, in error for a 5xx. The Notifier's spans of the
// request (persist, enqueue) are its children.
func HTTP(opts Options) func(r *http.Request) (context.Context, func(route string, status int)) {
	tr, prop := opts.tracer(), opts.propagator()
	return func(r *http.Request) (context.Context, func(route string, status int)) {
		ctx := prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		ctx, span := tr.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(
			attribute.String("http.request.method", r.Method),
			attribute.String("url.path", r.URL.Path),
			attribute.String("url.scheme", scheme),
			attribute.String("server.address", r.Host),
			attribute.String("user_agent.original", r.UserAgent()),
			AttrRequestID.String(r.Header.Get("X-Request-Id")),
		))
		return ctx, func(route string, status int) {
			if route != "" {
				span.SetName(r.Method + " " + route)
				span.SetAttributes(attribute.String("http.route", route))
			}
			span.SetAttributes(attribute.Int("http.response.status_code", status))
			if status >= http.StatusInternalServerError {
				span.SetStatus(codes.Error, http.StatusText(status))
			}
			span.End()
		}
	}
}
