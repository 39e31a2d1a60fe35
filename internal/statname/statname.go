// Package statname reads the StatsD-style names that the Notifier, the
// stats/instrument wrappers and httpapi emit (dao.create_notification,
// clients.mmg.success, POST.v2_notifications.post_sms_notification.201...)
// as a metric family and the values of its labels, for the adapters that
// record families with labels rather than one series per name
// (stats/prometheus, stats/otel).
package statname

import "strings"

// Family is a metric family: what a name counts or times, whatever its
// labels.
type Family int

// The families of counters (Incr) and timings (Timing). A name whose kind
// does not fit its pattern (a Timing of clients.mmg.success, say) falls to
// Events or EventDuration.
const (
	// DAOCalls counts dao.{method}: method.
	DAOCalls Family = iota
	// Tasks counts tasks.{task}: task.
	Tasks
	// TaskErrors counts tasks.{task}.error: task.
	TaskErrors
	// Enqueued counts queue.enqueue.{queue}: queue.
	Enqueued
	// EnqueueErrors counts queue.enqueue.{queue}.error: queue.
	EnqueueErrors
	// ProviderSends counts clients.{provider}.success|error: provider,
	// result.
	ProviderSends
	// Receipts counts callback.{provider}.{status}: provider, status.
	Receipts
	// HTTPRequests counts {METHOD}.{module}.{handler}.{status}: method,
	// module, handler, code.
	HTTPRequests
	// Events counts any other name: name.
	Events

	// DAODuration times dao.{method}: method.
	DAODuration
	// TaskDuration times tasks.{task}: task.
	TaskDuration
	// EnqueueDuration times queue.enqueue.{queue}: queue.
	EnqueueDuration
	// ProviderDuration times clients.{provider}.request-time: provider.
	ProviderDuration
	// ReceiptElapsed times callback.{provider}.{status}.elapsed-time:
	// provider, status.
	ReceiptElapsed
	// SendDuration times {type}.total-time (key "all"),
	// {type}.test-key.total-time ("test") and {type}.live-key.total-time
	// ("live"): type, key.
	SendDuration
	// HTTPDuration times {METHOD}.{module}.{handler}.{status}: method,
	// module, handler, code.
	HTTPDuration
	// EventDuration times any other name: name.
	EventDuration
)

// labels are the label names of each family, in the order Counter and
// Timing return their values.
var labels = [...][]string{
	DAOCalls:         {"method"},
	Tasks:            {"task"},
	TaskErrors:       {"task"},
	Enqueued:         {"queue"},
	EnqueueErrors:    {"queue"},
	ProviderSends:    {"provider", "result"},
	Receipts:         {"provider", "status"},
	HTTPRequests:     {"method", "module", "handler", "code"},
	Events:           {"name"},
	DAODuration:      {"method"},
	TaskDuration:     {"task"},
	EnqueueDuration:  {"queue"},
	ProviderDuration: {"provider"},
	ReceiptElapsed:   {"provider", "status"},
	SendDuration:     {"type", "key"},
	HTTPDuration:     {"method", "module", "handler", "code"},
	EventDuration:    {"name"},
}

// Labels returns the label names of f.
func (f Family) Labels() []string { return labels[f] }

// Timing reports whether f is a family of timings (Timing's) rather than
// of counters (Counter's).
func (f Family) Timing() bool { return f >= DAODuration }

// Counter returns the family of the counter name and its label values.
func Counter(name string) (Family, []string) {
	head, rest, _ := strings.Cut(name, ".")
	switch head {
	case "dao":
		if rest != "" {
			return DAOCalls, []string{rest}
		}
	case "tasks":
		if task, ok := strings.CutSuffix(rest, ".error"); ok && task != "" {
			return TaskErrors, []string{task}
		}
		if rest != "" {
			return Tasks, []string{rest}
		}
	case "queue":
		if q, ok := strings.CutPrefix(rest, "enqueue."); ok && q != "" {
			if qe, ok := strings.CutSuffix(q, ".error"); ok && qe != "" {
				return EnqueueErrors, []string{qe}
			}
			return Enqueued, []string{q}
		}
	case "clients":
		if p, result, ok := cutLast(rest); ok && (result == "success" || result == "error") {
			return ProviderSends, []string{p, result}
		}
	case "callback":
		if p, status, ok := strings.Cut(rest, "."); ok && p != "" && status != "" && !strings.Contains(status, ".") {
			return Receipts, []string{p, status}
		}
	}
	if parts, ok := httpName(name); ok {
		return HTTPRequests, parts[:]
	}
	return Events, []string{name}
}

// Timing returns the family of the timing name and its label values.
func Timing(name string) (Family, []string) {
	head, rest, _ := strings.Cut(name, ".")
	switch head {
	case "dao":
		if rest != "" {
			return DAODuration, []string{rest}
		}
	case "tasks":
		if rest != "" {
			return TaskDuration, []string{rest}
		}
	case "queue":
		if q, ok := strings.CutPrefix(rest, "enqueue."); ok && q != "" {
			return EnqueueDuration, []string{q}
		}
	case "clients":
		if p, ok := strings.CutSuffix(rest, ".request-time"); ok && p != "" {
			return ProviderDuration, []string{p}
		}
	case "callback":
		if ps, ok := strings.CutSuffix(rest, ".elapsed-time"); ok {
			if p, status, ok := strings.Cut(ps, "."); ok && p != "" && status != "" && !strings.Contains(status, ".") {
				return ReceiptElapsed, []string{p, status}
			}
		}
	case "sms", "email", "letter":
		switch rest {
		case "total-time":
			return SendDuration, []string{head, "all"}
		case "test-key.total-time":
			return SendDuration, []string{head, "test"}
		case "live-key.total-time":
			return SendDuration, []string{head, "live"}
		}
	}
	if parts, ok := httpName(name); ok {
		return HTTPDuration, parts[:]
	}
	return EventDuration, []string{name}
}

// cutLast splits s around its last dot.
func cutLast(s string) (before, after string, ok bool) {
	i := strings.LastIndexByte(s, '.')
	if i <= 0 || i == len(s)-1 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

// httpMethods are the methods an HTTP request name may start with; OTHER
// is httpapi's label of every other method.
var httpMethods = map[string]bool{
	"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true,
	"DELETE": true, "OPTIONS": true, "CONNECT": true, "TRACE": true, "OTHER": true,
}

// httpName splits {METHOD}.{module}.{handler}.{status}: four parts, the
// first an HTTP method in capitals, the last a three-digit status code.
func httpName(name string) ([4]string, bool) {
	var p [4]string
	rest := name
	for i := range 3 {
		var ok bool
		p[i], rest, ok = strings.Cut(rest, ".")
		if !ok || p[i] == "" {
			return p, false
		}
	}
	p[3] = rest
	if !httpMethods[p[0]] || len(p[3]) != 3 {
		return p, false
	}
	for i := range 3 {
		if c := p[3][i]; c < '0' || c > '9' {
			return p, false
		}
	}
	return p, true
}
