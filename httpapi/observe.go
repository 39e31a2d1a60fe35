package httpapi

import (
	"net/http"
	"strings"
)

// observe wraps next with Options.Observe, inside the middleware: the
// request already has its id, and the middleware's recorder holds the
// status written.
func (h *Handler) observe(next http.Handler) http.Handler {
	if h.opts.Observe == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen := r.Clone(r.Context()) // Observe sees the request's id as a header
		seen.Header.Set("X-Request-Id", infoOf(r.Context()).id)
		ctx, end := h.opts.Observe(seen)
		r = r.WithContext(ctx)
		defer func() {
			status := http.StatusInternalServerError // a panic on its way to the middleware
			if rec, ok := w.(*recorder); ok && rec.wrote {
				status = rec.status
			}
			end(routeOf(r.Pattern), status)
		}()
		next.ServeHTTP(w, r)
	})
}

// routeOf is the path of a ServeMux pattern ("POST /v2/notifications/{type}"
// gives "/v2/notifications/{type}"), "" for the catch-all that answers
// unknown URLs.
func routeOf(pattern string) string {
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		pattern = pattern[i+1:]
	}
	if pattern == "/" {
		return ""
	}
	return pattern
}
