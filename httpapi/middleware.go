package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// requestInfo follows a request through the middleware: its id, the route
// that served it (for logs and metrics) and the authenticated service.
type requestInfo struct {
	id string
	// method is the request's method label (methodLabel).
	method    string
	module    string
	handler   string
	serviceID string
}

type infoKey struct{}

// infoOf returns the request's info; outside the middleware (tests calling
// a route directly) it returns a fresh one.
func infoOf(ctx context.Context) *requestInfo {
	if info, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		return info
	}
	return &requestInfo{}
}

// RequestID returns the id of the request being served (the X-Request-Id
// of the answer), or "" outside the handler.
func RequestID(ctx context.Context) string { return infoOf(ctx).id }

// securityHeaders are upstream's response headers, and a few more.
var securityHeaders = [][2]string{
	{"Cache-Control", "no-store, no-cache, private, must-revalidate"},
	{"X-Frame-Options", "SAMEORIGIN"},
	{"X-Content-Type-Options", "nosniff"},
	{"Strict-Transport-Security", "max-age=31536000; includeSubDomains; preload"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Permitted-Cross-Domain-Policies", "none"},
}

// securityHeaderValues are securityHeaders as set on every answer: the
// canonical key and a value slice shared by every answer, so that setting
// them allocates nothing (a slice of capacity one: adding a value to one
// answer copies it, never changes the others).
var securityHeaderValues = func() []struct {
	key   string
	value []string
} {
	out := make([]struct {
		key   string
		value []string
	}, len(securityHeaders))
	for i, kv := range securityHeaders {
		out[i].key = http.CanonicalHeaderKey(kv[0])
		out[i].value = []string{kv[1]}
	}
	return out
}()

// middleware wraps next, outermost first: request id and security headers,
// access log and metrics, panic recovery, body limit.
func (h *Handler) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{id: requestID(r.Header.Get("X-Request-Id")), method: methodLabel(r.Method)}
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
		hdr := w.Header()
		for _, kv := range securityHeaderValues {
			hdr[kv.key] = kv.value
		}
		hdr["X-Request-Id"] = []string{info.id}
		rec := &recorder{ResponseWriter: w}
		defer func() { h.logRequest(r, rec, info, time.Since(start)) }()
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				h.log.ErrorContext(r.Context(), "panic serving request",
					slog.String("request_id", info.id), slog.String("panic", fmt.Sprint(p)),
					slog.String("stack", string(debug.Stack())))
				if !rec.wrote {
					h.writeError(rec, r, fmt.Errorf("httpapi: panic: %v", p))
				}
			}
		}()
		if info.method == otherMethod {
			info.module, info.handler = "app", "method_not_implemented"
			h.writeError(rec, r, errNotImplemented)
			return
		}
		if !cleanPath(r.URL.Path) {
			// ServeMux would redirect to the cleaned path with an HTML
			// body; no route has such a path.
			info.module, info.handler = "app", "not_found"
			h.writeError(rec, r, errURLNotFound)
			return
		}
		limit := h.bodyLimit(r)
		if r.ContentLength > limit {
			h.writeError(rec, r, errTooLarge)
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(rec, r.Body, limit)
		}
		next.ServeHTTP(rec, r)
	})
}

// cleanPath reports whether p is a rooted path without empty, "." or ".."
// segments (a trailing slash is allowed: no route has one, so it is 404).
func cleanPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	segs := strings.Split(p[1:], "/")
	for i, s := range segs {
		if s == "." || s == ".." || (s == "" && i != len(segs)-1) {
			return false
		}
	}
	return true
}

// requestID keeps the caller's X-Request-Id when it is short and plain,
// and makes a new one otherwise.
func requestID(given string) string {
	if given != "" && len(given) <= 64 {
		ok := true
		for _, c := range given {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
				ok = false
				break
			}
		}
		if ok {
			return given
		}
	}
	return uuid.NewString()
}

func (h *Handler) logRequest(r *http.Request, rec *recorder, info *requestInfo, d time.Duration) {
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	module, handler := info.module, info.handler
	if module == "" {
		module, handler = "app", "unknown"
	}
	if h.opts.Stats != nil {
		name := info.method + "." + module + "." + handler + "." + strconv.Itoa(status)
		h.opts.Stats.Incr(name)
		h.opts.Stats.Timing(name, d)
	}
	attrs := []slog.Attr{
		slog.String("request_id", info.id),
		slog.String("method", info.method),
		slog.String("path", truncated(r.URL.Path)),
		slog.Int("status", status),
		slog.Int64("bytes", rec.bytes),
		slog.Duration("duration", d),
		slog.String("endpoint", module+"."+handler),
		slog.String("user_agent", truncated(r.UserAgent())),
	}
	if info.serviceID != "" {
		attrs = append(attrs, slog.String("service_id", info.serviceID))
	}
	h.log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
}

// recorder notes the status and size of an answer.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

// WriteHeader notes the first status.
func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

// Write counts the bytes written.
func (r *recorder) Write(b []byte) (int, error) {
	if !r.wrote {
		r.status, r.wrote = http.StatusOK, true
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
