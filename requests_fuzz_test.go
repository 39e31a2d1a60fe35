package notify

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fuzzNow is the reference time of the fuzz targets.
var fuzzNow = time.Date(2017, 5, 12, 13, 0, 0, 0, time.UTC)

var fuzzBodies = []string{
	``,
	`{}`,
	`[]`,
	`null`,
	`{"phone_number": "07700900001", "template_id": "4a4d9a3c-2f1b-4b0e-9c1a-0d3e5f6a7b8c"}`,
	`{"phone_number": "+1 202-483-3000", "template_id": "4A4D9A3C-2F1B-4B0E-9C1A-0D3E5F6A7B8C",
	  "personalisation": {"a": [1, 1.5e300, null, {"b": true}], "c": "d"}, "reference": "r",
	  "scheduled_for": "2017-05-12T14:00:00.123456+01:00", "sms_sender_id": "6ce466d0-fd6a-11e5-82f5-e0accb9d11a6"}`,
	`{"email_address": "test@example.gov.uk", "template_id": "4a4d9a3c-2f1b-4b0e-9c1a-0d3e5f6a7b8c",
	  "one_click_unsubscribe_url": "https://x", "sanitise_content_for": ["a"], "email_reply_to_id": null}`,
	`{"template_id": "notUUID", "phone_number": [], "x": 1, "personalisation": 1e400}`,
	`{"reference": "it's \"q\" \u0000 \ud83d\ude80", "scheduled_for": "2017-05-12 13:15"}`,
	`[`,
}

// reencodeSMS is the JSON body of a decoded SMS request.
func reencodeSMS(t *testing.T, r *SMSRequest) []byte {
	t.Helper()
	m := map[string]any{"phone_number": r.PhoneNumber, "template_id": r.TemplateID.String()}
	if r.Personalisation != nil {
		m["personalisation"] = r.Personalisation
	}
	if r.Reference != nil {
		m["reference"] = *r.Reference
	}
	if r.ScheduledFor != nil {
		m["scheduled_for"] = r.ScheduledFor.Format(time.RFC3339Nano)
	}
	if r.SMSSenderID != nil {
		m["sms_sender_id"] = r.SMSSenderID.String()
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

func reencodeEmail(t *testing.T, r *EmailRequest) []byte {
	t.Helper()
	m := map[string]any{"email_address": r.EmailAddress, "template_id": r.TemplateID.String()}
	if r.Personalisation != nil {
		m["personalisation"] = r.Personalisation
	}
	if r.Reference != nil {
		m["reference"] = *r.Reference
	}
	if r.ScheduledFor != nil {
		m["scheduled_for"] = r.ScheduledFor.Format(time.RFC3339Nano)
	}
	if r.EmailReplyToID != nil {
		m["email_reply_to_id"] = r.EmailReplyToID.String()
	}
	if r.OneClickUnsubscribeURL != nil {
		m["one_click_unsubscribe_url"] = *r.OneClickUnsubscribeURL
	}
	if r.SanitiseContentFor != nil {
		m["sanitise_content_for"] = r.SanitiseContentFor
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

// sameTime compares optional times by instant.
func sameTime(t *testing.T, a, b *time.Time) {
	t.Helper()
	if a == nil || b == nil {
		assert.Equal(t, a == nil, b == nil)
		return
	}
	assert.True(t, a.Equal(*b), "%v != %v", a, b)
}

// checkRefusal checks that a decode error is made only of 400 refusals.
func checkRefusal(t *testing.T, err error) {
	t.Helper()
	list := ErrorList(err)
	require.NotEmpty(t, list, "not a refusal: %T %v", err, err)
	for _, e := range list {
		assert.Equal(t, 400, e.Status)
		assert.NotEmpty(t, e.Message)
	}
}

func FuzzDecodeSMSRequest(f *testing.F) {
	for _, b := range fuzzBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodeSMSRequest(body, fuzzNow)
		if err != nil {
			require.Nil(t, req)
			checkRefusal(t, err)
			return
		}
		again, err := DecodeSMSRequest(reencodeSMS(t, req), fuzzNow)
		require.NoError(t, err, "a decoded request re-validates")
		sameTime(t, req.ScheduledFor, again.ScheduledFor)
		again.ScheduledFor = req.ScheduledFor
		assert.Equal(t, req, again)
	})
}

func FuzzDecodeEmailRequest(f *testing.F) {
	for _, b := range fuzzBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodeEmailRequest(body, fuzzNow)
		if err != nil {
			require.Nil(t, req)
			checkRefusal(t, err)
			return
		}
		again, err := DecodeEmailRequest(reencodeEmail(t, req), fuzzNow)
		require.NoError(t, err, "a decoded request re-validates")
		sameTime(t, req.ScheduledFor, again.ScheduledFor)
		again.ScheduledFor = req.ScheduledFor
		assert.Equal(t, req, again)
	})
}

func FuzzDecodeListQuery(f *testing.F) {
	for _, q := range []string{
		"",
		"status=elephant",
		"template_type=sms&template_type=letter&status=failed&reference=a&older_than=4a4d9a3c-2f1b-4b0e-9c1a-0d3e5f6a7b8c&include_jobs=True",
		"include_jobs=false&x=1&y",
		"older_than=%00&reference=%ff",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw)
		got, err := DecodeListQuery(q)
		if err != nil {
			require.Nil(t, got)
			checkRefusal(t, err)
			return
		}
		back := url.Values{}
		for _, s := range got.Statuses {
			back.Add("status", string(s))
		}
		for _, ty := range got.TemplateTypes {
			back.Add("template_type", string(ty))
		}
		if got.Reference != nil {
			back.Set("reference", *got.Reference)
		}
		if got.OlderThan != nil {
			back.Set("older_than", got.OlderThan.String())
		}
		if got.IncludeJobs {
			back.Set("include_jobs", "true")
		}
		again, err := DecodeListQuery(back)
		require.NoError(t, err, "a decoded query re-validates")
		assert.Equal(t, got, again)
	})
}
