package otel

import "github.com/notifykit/notify"

// The complaint and inbound text message callbacks are callbacks too.
func init() {
	taskSpans[notify.TaskComplaintCallback] = "notify.callback"
	taskSpans[notify.TaskInboundSMSCallback] = "notify.callback"
}
