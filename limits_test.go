package notify_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/notifykit/notify"
)

func TestServiceDailyLimit(t *testing.T) {
	t.Parallel()
	own := notify.Service{SMSMessageLimit: 3, EmailMessageLimit: 4, InternationalSMSMessageLimit: 5}
	tests := []struct {
		name    string
		svc     notify.Service
		limit   notify.DailyLimitName
		want    int
		comment string
	}{
		{"trial sms", notify.Service{Restricted: true}, notify.DailyLimitSMS, 50, "upstream's trial allowance"},
		{"trial email", notify.Service{Restricted: true}, notify.DailyLimitEmail, 50, "upstream's trial allowance"},
		{"trial international", notify.Service{Restricted: true}, notify.DailyLimitInternationalSMS, 100, ""},
		{"live sms", notify.Service{}, notify.DailyLimitSMS, 250_000, "upstream's live default"},
		{"live email", notify.Service{}, notify.DailyLimitEmail, 250_000, "upstream's live default"},
		{"live international", notify.Service{}, notify.DailyLimitInternationalSMS, 100, ""},
		{"own sms", own, notify.DailyLimitSMS, 3, ""},
		{"own email", own, notify.DailyLimitEmail, 4, ""},
		{"own international", own, notify.DailyLimitInternationalSMS, 5, ""},
		{"message_limit is not a channel's", notify.Service{Restricted: true, MessageLimit: 7}, notify.DailyLimitSMS, 50,
			"the total belongs to TotalDailyLimit"},
		{"letters have no allowance", notify.Service{}, notify.DailyLimitName("letter"), 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, tc.svc.DailyLimit(tc.limit), tc.comment)
		})
	}
}
