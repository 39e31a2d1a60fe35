package statname_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/notifykit/notify/internal/statname"
)

func TestNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		timing   bool
		family   statname.Family
		labels   []string
		describe string
	}{
		{"dao.create_notification", false, statname.DAOCalls, []string{"create_notification"}, "a store call"},
		{"dao.create_notification", true, statname.DAODuration, []string{"create_notification"}, "its time"},
		{"tasks.deliver_sms", false, statname.Tasks, []string{"deliver_sms"}, "a task"},
		{"tasks.deliver_sms.error", false, statname.TaskErrors, []string{"deliver_sms"}, "a failed task"},
		{"tasks.deliver_sms", true, statname.TaskDuration, []string{"deliver_sms"}, "a task's time"},
		{"queue.enqueue.send-sms", false, statname.Enqueued, []string{"send-sms"}, "an enqueue"},
		{"queue.enqueue.send-sms.error", false, statname.EnqueueErrors, []string{"send-sms"}, "a failed enqueue"},
		{"queue.enqueue.send-sms", true, statname.EnqueueDuration, []string{"send-sms"}, "an enqueue's time"},
		{"clients.mmg.success", false, statname.ProviderSends, []string{"mmg", "success"}, "a send"},
		{"clients.my.vendor.error", false, statname.ProviderSends, []string{"my.vendor", "error"}, "a dotted provider"},
		{"clients.mmg.request-time", true, statname.ProviderDuration, []string{"mmg"}, "a send's time"},
		{"clients.mmg.success", true, statname.EventDuration, []string{"clients.mmg.success"}, "a timing of a counter name"},
		{"callback.ses.delivered", false, statname.Receipts, []string{"ses", "delivered"}, "a receipt"},
		{"callback.ses.delivered.elapsed-time", true, statname.ReceiptElapsed, []string{"ses", "delivered"}, "its delay"},
		{"sms.total-time", true, statname.SendDuration, []string{"sms", "all"}, "a send's whole time"},
		{"email.test-key.total-time", true, statname.SendDuration, []string{"email", "test"}, "a test key's"},
		{"sms.live-key.total-time", true, statname.SendDuration, []string{"sms", "live"}, "a live key's"},
		{"POST.v2_notifications.post_sms_notification.201", false, statname.HTTPRequests,
			[]string{"POST", "v2_notifications", "post_sms_notification", "201"}, "a request"},
		{"GET.v2_notifications.get_notifications.200", true, statname.HTTPDuration,
			[]string{"GET", "v2_notifications", "get_notifications", "200"}, "a request's time"},
		{"post.v2.x.201", false, statname.Events, []string{"post.v2.x.201"}, "a method in lower case"},
		{"GET.v2.x.20x", false, statname.Events, []string{"GET.v2.x.20x"}, "a status that is not a number"},
		{"readcache.service.hit", false, statname.Events, []string{"readcache.service.hit"}, "anything else"},
		{"dao", false, statname.Events, []string{"dao"}, "a prefix alone"},
	}
	for _, tt := range tests {
		t.Run(tt.describe, func(t *testing.T) {
			read := statname.Counter
			if tt.timing {
				read = statname.Timing
			}
			f, labels := read(tt.name)
			assert.Equal(t, tt.family, f)
			assert.Equal(t, tt.labels, labels)
			assert.Len(t, f.Labels(), len(labels), "one value per label")
			assert.Equal(t, tt.timing, f.Timing(), "a timing family for Timing, a counter family for Counter")
		})
	}
}
