// Package httpapi serves GOV.UK Notify's HTTP API on a notify.Notifier, so
// that code written for Notify, with its official client libraries, works
// against it unchanged.
//
// The handler decodes requests, authenticates them with
// Notifier.Authenticate, calls the Notifier and shapes the answers and the
// errors in upstream's v1 and v2 shapes. No business rule lives here.
//
// Routes:
//
//	POST /v2/notifications/{sms,email}     send (letter: 400 not supported)
//	GET  /v2/notifications/{id}            one notification
//	GET  /v2/notifications/{id}/pdf        a letter's PDF: 400 "Notification is not a letter" (pdf.go)
//	GET  /v2/notifications                 list: template_type, status, reference, older_than, include_jobs, job_id
//	POST /v2/notifications/bulk            bulk send: a job of rows (bulk.go)
//	GET  /v2/jobs/{id}                     one job with its statistics (jobs.go)
//	POST /v2/jobs/{id}/cancel              cancel a job not yet started
//	GET  /v2/template/{id}                 current version of a template
//	GET  /v2/template/{id}/version/{n}     one version
//	POST /v2/template/{id}/preview         render with personalisation
//	GET  /v2/templates                     list, optional type
//	GET  /v2/received-text-messages        received text messages, optional older_than
//	POST /notifications/{sms,email}        v1 send
//	GET  /notifications/{id}               v1 one notification
//	GET  /notifications                    v1 list
//	GET  /_status, GET /                   health (the store answers and takes a write), no authentication
//	GET  /openapi.json                     the OpenAPI 3.1 document (openapi.go), no authentication
//	/service/...                           the admin API, with Options.AdminSecret (admin.go)
//
// Providers' webhooks (delivery receipts, inbound text messages) are
// mounted from Options.Webhooks at the routes each provider gives, e.g.
// POST /notifications/sms/mmg (provider/mmg) or POST
// /notifications/email/ses (provider/ses); see receipts.go.
//
// Every answer carries an X-Request-Id header (the caller's, when it sent a
// sensible one) and upstream's security headers; every request is logged
// with slog and, when Options.Stats is set, counted and timed as
// "{METHOD}.{module}.{handler}.{status_code}". Every label comes from a
// fixed set, whatever the caller sends: module and handler name the route,
// and a method outside RFC 9110's (and PATCH) is refused with 501 and
// counted as OTHER (bounds.go); long paths and user agents are cut in the
// log.
package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// Defaults of Options.
const (
	// DefaultMaxBodyBytes caps request bodies (4 MiB): large enough for an
	// email whose personalisation breaks the 2,000,000-byte rule to get that
	// rule's own message.
	DefaultMaxBodyBytes = 4 << 20
	// DefaultSMSRate is the price of one SMS fragment in pounds, used for
	// cost_in_pounds and cost_details.sms_rate.
	DefaultSMSRate = 0.0227
)

// Options configure a Handler. The zero value takes the documented defaults.
type Options struct {
	// Logger receives the access log and internal errors. Nil:
	// slog.Default().
	Logger *slog.Logger
	// Stats receives a counter and a timing per request, named
	// {METHOD}.{module}.{handler}.{status_code}. Nil: the Notifier's
	// Stats (with its prefix).
	Stats notify.Stats
	// MaxBodyBytes caps request bodies; larger ones get 413 (4 MiB).
	MaxBodyBytes int64
	// BulkMaxBodyBytes caps the body of POST /v2/notifications/bulk
	// (DefaultBulkMaxBodyBytes, 64 MiB; never below MaxBodyBytes).
	BulkMaxBodyBytes int64
	// SMSRate is the price of one SMS fragment in pounds (0.0227).
	SMSRate float64
	// TrustForwardedProto builds absolute URLs with the scheme of an
	// X-Forwarded-Proto header (http or https), for use behind a proxy
	// that terminates TLS.
	TrustForwardedProto bool
	// Webhooks are the providers whose webhooks (delivery receipts,
	// inbound text messages) the handler serves, each at the route it
	// gives, under the module name "receipts" in metrics. A webhook
	// without credentials answers 404. Webhooks whose routes overlap each
	// other or the API's make New panic.
	Webhooks []notify.WebhookProvider
	// InboundNumbers maps the numbers that receive text messages (any
	// form; normalised) to the service that owns them, before the inbound
	// numbers the Store keeps (notify.Notifier.AssignInboundNumber). A
	// message to a number neither has is acknowledged, logged, counted and
	// dropped.
	InboundNumbers map[string]uuid.UUID
	// AdminSecret, when set, mounts the admin API (admin.go): upstream's
	// internal /service routes, for tokens signed with this secret and
	// issued by notify.AdminClientID. Empty: those paths answer 404.
	AdminSecret []byte
	// BaseURL is where clients and providers reach this handler: an
	// absolute URL such as "https://api.example.com/notify", or a path
	// such as "/notify" whose scheme and host come from each request.
	// Every URL the API writes (uri, template uri, links.current,
	// links.next) starts with it, and so does the URL that signed
	// webhooks (Twilio's) are checked against. Set it when the handler is
	// mounted below a path with http.StripPrefix, or served behind a proxy
	// that changes the host. Empty: the request's scheme and host, at the
	// root. New panics on a BaseURL that is neither.
	BaseURL string
	// PublicURL is the scheme and host providers call this API at, used
	// as BaseURL when that is empty.
	//
	// Deprecated: use BaseURL, which applies to every URL the API writes.
	PublicURL string
	// Observe, when set, is called as each request starts, with a copy of
	// the request whose X-Request-Id header holds the request's id. The
	// context it returns serves the request (a tracer puts its span
	// there), and the function it returns is called once the answer is
	// written, with the path pattern of the route that served it
	// ("/v2/notifications/{id}"; "" when none matched) and the status.
	// stats/otel's HTTP traces requests with it.
	Observe func(r *http.Request) (context.Context, func(route string, status int))
}

// Pinger is what GET /_status asks: notify.Store has it.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Handler is the Notify-compatible API. Create it with New; it is safe for
// concurrent use.
type Handler struct {
	n    *notify.Notifier
	opts Options
	log  *slog.Logger
	mux  *http.ServeMux
	root http.Handler
	// inbound is Options.InboundNumbers with normalised keys.
	inbound map[string]uuid.UUID
	// base is Options.BaseURL parsed.
	base baseURL
	// confirms limits the download page's email confirmations.
	confirms *confirmLimiter
}

var _ http.Handler = (*Handler)(nil)

// New returns the API handler for n.
func New(n *notify.Notifier, opts Options) *Handler {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.BulkMaxBodyBytes <= 0 {
		opts.BulkMaxBodyBytes = DefaultBulkMaxBodyBytes
	}
	if opts.SMSRate <= 0 {
		opts.SMSRate = DefaultSMSRate
	}
	if opts.Stats == nil {
		opts.Stats = n.Stats() // the Notifier's sink, with its prefix
	}
	h := &Handler{n: n, opts: opts, log: opts.Logger, mux: http.NewServeMux(), inbound: inboundNumbers(opts.InboundNumbers)}
	h.base = mustBaseURL(opts)
	h.routes()
	h.root = h.middleware(h.observe(h.mux))
	return h
}

// ServeHTTP serves the API.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.root.ServeHTTP(w, r) }

// Status returns a handler for GET / and GET /_status alone, for processes
// that serve no API (workers): 200 with upstream's status body (status
// "ok", git_commit, build_time, db_version) when p answers (and, when p
// has notify.Store's LoadOrStoreSetting, takes a write), 503 otherwise.
// The store is probed at most once a second; answers in between repeat
// the last probe's (statusprobe.go).
// It has the same middleware (request id, headers, log) as the API.
func Status(p Pinger, opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	h := &Handler{opts: opts, log: opts.Logger, mux: http.NewServeMux()}
	h.statusRoutes(p)
	h.mux.HandleFunc("/", h.fallback)
	h.root = h.middleware(h.mux)
	return h
}

// callerKey is the context key of the authenticated caller.
type callerKey struct{}

// apiFunc is a route's handler; c is nil on routes without authentication.
type apiFunc func(w http.ResponseWriter, r *http.Request, c *notify.Caller)

// statusRoutes mounts GET / and GET and POST /_status on one probe of p.
func (h *Handler) statusRoutes(p Pinger) {
	probe := newStatusProbe(p)
	for _, pattern := range []string{"GET /_status", "POST /_status", "GET /{$}"} {
		h.handle(pattern, "status", "show_status", false, statusFunc(probe, h.log))
	}
}

func (h *Handler) routes() {
	h.handle("POST /v2/notifications/{type}", "v2_notifications", "", true, h.postNotification)
	h.handle("GET /v2/notifications/{id}", "v2_notifications", "get_notification_by_id", true, h.getNotification)
	h.handle("GET /v2/notifications/{id}/pdf", "v2_notifications", "get_pdf_for_notification", true, h.getNotificationPDF)
	h.handle("POST /v2/notifications/bulk", "v2_notifications", "post_bulk", true, h.postBulk)
	h.handle("GET /v2/jobs/{id}", "v2_jobs", "get_job", true, h.getJob)
	h.handle("POST /v2/jobs/{id}/cancel", "v2_jobs", "cancel_job", true, h.cancelJob)
	h.handle("GET /v2/notifications", "v2_notifications", "get_notifications", true, h.getNotifications)
	h.handle("GET /v2/template/{id}", "v2_template", "get_template_by_id", true, h.getTemplate)
	h.handle("GET /v2/template/{id}/version/{version}", "v2_template", "get_template_by_id_and_version", true, h.getTemplateVersion)
	h.handle("POST /v2/template/{id}/preview", "v2_template", "post_template_preview", true, h.postTemplatePreview)
	h.handle("GET /v2/templates", "v2_templates", "get_templates", true, h.getTemplates)
	h.handle("GET /v2/received-text-messages", "v2_inbound_sms", "get_inbound_sms", true, h.getReceivedTexts)
	h.handle("POST /notifications/{type}", "v1_notifications", "send_notification", true, h.postNotificationV1)
	h.handle("GET /notifications/{id}", "v1_notifications", "get_notification_by_id", true, h.getNotificationV1)
	h.handle("GET /notifications", "v1_notifications", "get_all_notifications", true, h.getNotificationsV1)
	h.statusRoutes(h.n.Store())
	h.handle("GET /openapi.json", "openapi", "get_openapi", false, h.getOpenAPI)
	h.webhookRoutes()
	h.adminRoutes()
	h.downloadRoutes()      // download.go
	h.adminSenderRoutes()   // adminsenders.go
	h.adminCallbackRoutes() // admincallbacks.go
	h.adminComplaintRoutes()
	h.mux.HandleFunc("/", h.fallback)
}

// handle registers fn under pattern; module and name label the request in
// logs and metrics (an empty name is set by fn). Routes with auth
// authenticate first and answer auth errors in the route's shape.
func (h *Handler) handle(pattern, module, name string, auth bool, fn apiFunc) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		info := infoOf(r.Context())
		info.module, info.handler = module, name
		var c *notify.Caller
		if auth {
			var err error
			c, err = h.n.Authenticate(r.Context(), r.Header.Get("Authorization"))
			if err != nil {
				h.writeError(w, r, err)
				return
			}
			info.serviceID = c.Service.ID.String()
		}
		fn(w, r, c)
	})
}

func statusFunc(p Pinger, log *slog.Logger) apiFunc {
	return func(w http.ResponseWriter, r *http.Request, _ *notify.Caller) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := p.Ping(ctx); err != nil {
			log.ErrorContext(r.Context(), "status: store does not answer",
				slog.String("request_id", infoOf(r.Context()).id), slog.Any("error", err))
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "error"})
			return
		}
		writeJSON(w, http.StatusOK, statusBody(ctx, r, p))
	}
}

// fallback answers requests no route matched: 405 when the path exists for
// another method, else upstream's 404.
func (h *Handler) fallback(w http.ResponseWriter, r *http.Request) {
	info := infoOf(r.Context())
	info.module, info.handler = "app", "not_found"
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		r2 := r.Clone(r.Context())
		r2.Method = m
		if _, pattern := h.mux.Handler(r2); pattern != "" && pattern != "/" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		info.handler = "method_not_allowed"
		for _, m := range allowed {
			w.Header().Add("Allow", m)
		}
		h.writeError(w, r, errMethodNotAllowed)
		return
	}
	h.writeError(w, r, errURLNotFound)
}

// Errors of the HTTP layer itself, in upstream's words (werkzeug's
// descriptions).
var (
	errURLNotFound = &notify.Error{Name: "NotFound", Status: http.StatusNotFound,
		Message: "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again."}
	errMethodNotAllowed = &notify.Error{Name: "MethodNotAllowed", Status: http.StatusMethodNotAllowed,
		Message: "The method is not allowed for the requested URL."}
	errTooLarge = &notify.Error{Name: "RequestEntityTooLarge", Status: http.StatusRequestEntityTooLarge,
		Message: "The data value transmitted exceeds the capacity limit."}
	errInvalidJSON = notify.BadRequest("", notify.MsgInvalidJSON)
)

// isMaxBytes reports whether err comes from the body limit.
func isMaxBytes(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}
