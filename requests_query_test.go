package notify

import (
	"net/url"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const reqStatusList = "[cancelled, created, sending, sent, delivered, pending, failed, technical-failure, " +
	"temporary-failure, permanent-failure, pending-virus-check, validation-failed, virus-scan-failed, " +
	"returned-letter, accepted, received]"

func TestDecodeListQuery(t *testing.T) {
	t.Parallel()
	older := uuid.MustParse(reqTemplateID)
	ref := "ref-1"
	tests := []struct {
		name  string
		query string
		want  *ListQuery
		errs  []string
	}{
		{"empty", "", &ListQuery{}, nil},
		{"everything", "template_type=sms&template_type=email&status=delivered&status=failed&reference=ref-1&reference=other" +
			"&older_than=" + reqTemplateID + "&include_jobs=true",
			&ListQuery{TemplateTypes: []NotificationType{SMS, Email}, Statuses: []Status{StatusDelivered, StatusFailed},
				Reference: &ref, OlderThan: &older, IncludeJobs: true}, nil},
		{"include_jobs True", "include_jobs=True", &ListQuery{IncludeJobs: true}, nil},
		{"letter statuses", "status=accepted&status=received&template_type=letter",
			&ListQuery{Statuses: []Status{StatusAccepted, StatusReceived}, TemplateTypes: []NotificationType{Letter}}, nil},
		{"bad status", "status=elephant", nil, []string{"status elephant is not one of " + reqStatusList}},
		{"bad template type", "template_type=orange", nil,
			[]string{"template_type orange is not one of [sms, email, letter]"}},
		{"bad older_than", "older_than=1234-badly-formatted-id-7890", nil, []string{"older_than is not a valid UUID"}},
		{"empty older_than", "older_than=", nil, []string{"older_than is not a valid UUID"}},
		{"include_jobs false", "include_jobs=false", nil, []string{"include_jobs false is not one of [true, True]"}},
		{"unknown parameter", "foo=bar", nil, []string{"Additional properties are not allowed (foo was unexpected)"}},
		{"several, ordered and deduplicated",
			"zz=1&older_than=x&template_type=orange&status=elephant&status=sent&status=elephant&status=Sent&aa=2", nil,
			[]string{
				"status elephant is not one of " + reqStatusList,
				"status Sent is not one of " + reqStatusList,
				"template_type orange is not one of [sms, email, letter]",
				"older_than is not a valid UUID",
				"Additional properties are not allowed (aa, zz were unexpected)",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, err := url.ParseQuery(tt.query)
			require.NoError(t, err)
			got, err := DecodeListQuery(q)
			if tt.errs != nil {
				assert.Nil(t, got)
				assert.Equal(t, tt.errs, reqMessages(t, err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeTemplatesQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		query string
		want  NotificationType
		errs  []string
	}{
		{"", "", nil},
		{"type=sms", SMS, nil},
		{"type=email&type=coconut", Email, nil},
		{"type=letter", Letter, nil},
		{"type=coconut", "", []string{"type coconut is not one of [sms, email, letter]"}},
		{"type=", "", []string{"type  is not one of [sms, email, letter]"}},
		{"type=sms&older_than=x", "", []string{"Additional properties are not allowed (older_than was unexpected)"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()
			q, err := url.ParseQuery(tt.query)
			require.NoError(t, err)
			got, err := DecodeTemplatesQuery(q)
			if tt.errs != nil {
				assert.Equal(t, tt.errs, reqMessages(t, err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeReceivedTextsQuery(t *testing.T) {
	t.Parallel()
	got, err := DecodeReceivedTextsQuery(url.Values{})
	require.NoError(t, err)
	assert.Nil(t, got)

	got, err = DecodeReceivedTextsQuery(url.Values{"older_than": {reqTemplateID}})
	require.NoError(t, err)
	require.NotNil(t, got)
	assert.Equal(t, uuid.MustParse(reqTemplateID), *got)

	_, err = DecodeReceivedTextsQuery(url.Values{"older_than": {"nope"}, "page": {"2"}})
	assert.Equal(t, []string{
		"older_than is not a valid UUID",
		"Additional properties are not allowed (page was unexpected)",
	}, reqMessages(t, err))
}
