package abilitytest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/notifykit/notify/internal/abilitytest"
)

func TestSnakeCase(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"ListServices":                 "list_services",
		"ListSMSSenders":               "list_sms_senders",
		"GetInboundSMS":                "get_inbound_sms",
		"ListJobNotificationIDs":       "list_job_notification_ids",
		"ListEmailReplyTo":             "list_email_reply_to",
		"DeleteExpiredIdempotencyKeys": "delete_expired_idempotency_keys",
		"CreateAPIKey":                 "create_api_key",
		"Ping":                         "ping",
	} {
		assert.Equal(t, want, abilitytest.SnakeCase(in), in)
	}
}
