package notify

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reqNow is the frozen time of upstream's scheduled_for tests.
var reqNow = time.Date(2017, 5, 12, 13, 0, 0, 0, time.UTC)

const reqTemplateID = "4a4d9a3c-2f1b-4b0e-9c1a-0d3e5f6a7b8c"

const reqDatetimeFormat = "scheduled_for datetime format is invalid. It must be a valid ISO8601 date time format, " +
	"https://en.wikipedia.org/wiki/ISO_8601"

// reqMessages returns the messages of a refusal and checks that every entry
// is a 400 ValidationError.
func reqMessages(t *testing.T, err error) []string {
	t.Helper()
	require.Error(t, err)
	list := ErrorList(err)
	require.NotEmpty(t, list, "not a refusal: %T %v", err)
	msgs := make([]string, len(list))
	for i, e := range list {
		assert.Equal(t, NameValidation, e.Name, e.Message)
		assert.Equal(t, http.StatusBadRequest, e.Status, e.Message)
		msgs[i] = e.Message
	}
	return msgs
}

// reqJSON marshals fields into a body; a json.RawMessage is used as is.
func reqJSON(t *testing.T, fields map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(fields)
	require.NoError(t, err)
	return b
}

// smsBody is a valid SMS body with changes: a nil value deletes the key,
// json.RawMessage sets raw JSON.
func smsBody(t *testing.T, changes map[string]any) []byte {
	t.Helper()
	m := map[string]any{"phone_number": "07700900001", "template_id": reqTemplateID}
	for k, v := range changes {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	return reqJSON(t, m)
}

func emailBody(t *testing.T, changes map[string]any) []byte {
	t.Helper()
	m := map[string]any{"email_address": "test@example.gov.uk", "template_id": reqTemplateID}
	for k, v := range changes {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	return reqJSON(t, m)
}

func rawJSON(s string) json.RawMessage { return json.RawMessage(s) }

func TestDecodeSMSRequestValid(t *testing.T) {
	t.Parallel()
	sender := "6ce466d0-fd6a-11e5-82f5-e0accb9d11a6"
	body := []byte(`{"phone_number": "  +(44) 77009-00855\n", "template_id": "` + strings.ToUpper(reqTemplateID) + `",
		"personalisation": {"name": "Jo", "n": 1.5, "ok": true, "list": ["a", null], "nested": {"x": 1}},
		"reference": "ref", "scheduled_for": "2017-05-12 13:15", "sms_sender_id": "` + sender + `"}`)
	req, err := DecodeSMSRequest(body, reqNow)
	require.NoError(t, err)
	assert.Equal(t, "  +(44) 77009-00855\n", req.PhoneNumber, "the number is kept as supplied")
	assert.Equal(t, uuid.MustParse(reqTemplateID), req.TemplateID)
	assert.Equal(t, map[string]any{
		"name": "Jo", "n": 1.5, "ok": true, "list": []any{"a", nil}, "nested": map[string]any{"x": 1.0},
	}, req.Personalisation)
	require.NotNil(t, req.Reference)
	assert.Equal(t, "ref", *req.Reference)
	require.NotNil(t, req.ScheduledFor)
	assert.True(t, req.ScheduledFor.Equal(time.Date(2017, 5, 12, 13, 15, 0, 0, time.UTC)))
	require.NotNil(t, req.SMSSenderID)
	assert.Equal(t, uuid.MustParse(sender), *req.SMSSenderID)

	minimal, err := DecodeSMSRequest(smsBody(t, nil), reqNow)
	require.NoError(t, err)
	assert.Nil(t, minimal.Personalisation)
	assert.Nil(t, minimal.Reference)
	assert.Nil(t, minimal.ScheduledFor)
	assert.Nil(t, minimal.SMSSenderID)

	nullSched, err := DecodeSMSRequest(smsBody(t, map[string]any{"scheduled_for": rawJSON("null")}), reqNow)
	require.NoError(t, err)
	assert.Nil(t, nullSched.ScheduledFor)
}

// TestDecodeSMSRequestPhoneNumbers covers the schema stage of the phone
// rules, taken from upstream's tests.
func TestDecodeSMSRequestPhoneNumbers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		value json.RawMessage
		want  string // "" means valid
	}{
		{"UK mobile", rawJSON(`"07515111111"`), ""},
		{"UK landline passes the schema", rawJSON(`"0117 496 0860"`), ""},
		{"other landline", rawJSON(`"01709510122"`), ""},
		{"international passes the schema", rawJSON(`"+14158961600"`), ""},
		{"international with dashes", rawJSON(`"20-12-1234-1234"`), ""},
		{"punctuated", rawJSON(`"+(44) 77009-00855"`), ""},
		{"surrounding whitespace", rawJSON(`"  +(44) 77009-00855\n"`), ""},
		{"invalid number", rawJSON(`"08515111111"`), "phone_number Number is not valid – double check the phone number you entered"},
		{"symbol", rawJSON(`"07515111*11"`), "phone_number Must not contain letters or symbols"},
		{"letters", rawJSON(`"notaphoneumber"`), "phone_number Must not contain letters or symbols"},
		{"empty", rawJSON(`""`), "phone_number Not enough digits"},
		{"too long", rawJSON(`"0044772345678910"`), "phone_number Too many digits"},
		{"JSON number", rawJSON(`7700900001`), "phone_number 7700900001 is not of type string"},
		{"null", rawJSON(`null`), "phone_number None is not of type string"},
		{"list", rawJSON(`[]`), "phone_number [] is not of type string"},
		{"object", rawJSON(`{}`), "phone_number {} is not of type string"},
		{"bool", rawJSON(`true`), "phone_number True is not of type string"},
		{"float", rawJSON(`7.0`), "phone_number 7.0 is not of type string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := DecodeSMSRequest(smsBody(t, map[string]any{"phone_number": tt.value}), reqNow)
			if tt.want == "" {
				require.NoError(t, err)
				var s string
				require.NoError(t, json.Unmarshal(tt.value, &s))
				assert.Equal(t, s, req.PhoneNumber)
				return
			}
			assert.Nil(t, req)
			assert.Equal(t, []string{tt.want}, reqMessages(t, err))
		})
	}
}

// TestDecodeSMSRequestErrors covers upstream's schema error messages for an
// SMS body, the reference length, the shape of the body, and the order and
// deduplication of several errors.
func TestDecodeSMSRequestErrors(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 1001)
	tests := []struct {
		name string
		body []byte
		want []string
	}{
		{"bad uuid and missing phone number", []byte(`{"template_id": "notUUID"}`),
			[]string{"phone_number is a required property", "template_id is not a valid UUID"}},
		{"template instead of template_id", smsBody(t, map[string]any{"template_id": nil, "template": reqTemplateID}),
			[]string{"template_id is a required property", "Additional properties are not allowed (template was unexpected)"}},
		{"template_id with newline", smsBody(t, map[string]any{"template_id": reqTemplateID + "\n"}),
			[]string{"template_id is not a valid UUID"}},
		{"template_id with space", smsBody(t, map[string]any{"template_id": reqTemplateID + " "}),
			[]string{"template_id is not a valid UUID"}},
		{"template_id with cr", smsBody(t, map[string]any{"template_id": reqTemplateID + "\r"}),
			[]string{"template_id is not a valid UUID"}},
		{"template_id with leading tab", smsBody(t, map[string]any{"template_id": "\t" + reqTemplateID}),
			[]string{"template_id is not a valid UUID"}},
		{"truncated template_id", smsBody(t, map[string]any{"template_id": reqTemplateID[:30]}),
			[]string{"template_id is not a valid UUID"}},
		{"bad_uuid", smsBody(t, map[string]any{"template_id": "bad_uuid"}),
			[]string{"template_id is not a valid UUID"}},
		{"template_id number", smsBody(t, map[string]any{"template_id": 123}),
			[]string{"template_id is not a valid UUID"}},
		{"template_id null", smsBody(t, map[string]any{"template_id": rawJSON("null")}),
			[]string{"template_id is not a valid UUID"}},
		{"personalisation not a dict", smsBody(t, map[string]any{"personalisation": "not_a_dict"}),
			[]string{"personalisation not_a_dict is not of type object"}},
		{"personalisation null", smsBody(t, map[string]any{"personalisation": rawJSON("null")}),
			[]string{"personalisation None is not of type object"}},
		{"personalisation list", smsBody(t, map[string]any{"personalisation": rawJSON(`["a", 1]`)}),
			[]string{"personalisation [a, 1] is not of type object"}},
		{"reference too long", smsBody(t, map[string]any{"reference": long}),
			[]string{"reference " + long + " is too long"}},
		{"reference null", smsBody(t, map[string]any{"reference": rawJSON("null")}),
			[]string{"reference None is not of type string"}},
		{"reference number", smsBody(t, map[string]any{"reference": 12}),
			[]string{"reference 12 is not of type string"}},
		{"sms_sender_id not a uuid", smsBody(t, map[string]any{"sms_sender_id": "abc"}),
			[]string{"sms_sender_id is not a valid UUID"}},
		{"sms_sender_id null", smsBody(t, map[string]any{"sms_sender_id": rawJSON("null")}),
			[]string{"sms_sender_id is not a valid UUID"}},
		{"email_reply_to_id is not allowed", smsBody(t, map[string]any{"email_reply_to_id": reqTemplateID}),
			[]string{"Additional properties are not allowed (email_reply_to_id was unexpected)"}},
		{"scheduled_for time first", smsBody(t, map[string]any{"scheduled_for": "13:00:00 2017-01-01"}),
			[]string{reqDatetimeFormat}},
		{"scheduled_for month 31", smsBody(t, map[string]any{"scheduled_for": "2017-31-12 13:00:00"}),
			[]string{reqDatetimeFormat}},
		{"scheduled_for day first", smsBody(t, map[string]any{"scheduled_for": "01-01-2017T14:00:00.0000Z"}),
			[]string{reqDatetimeFormat}},
		{"scheduled_for past", smsBody(t, map[string]any{"scheduled_for": "2017-05-12 10:00"}),
			[]string{"scheduled_for datetime can not be in the past"}},
		{"scheduled_for too far", smsBody(t, map[string]any{"scheduled_for": "2017-05-13 14:00"}),
			[]string{"scheduled_for datetime can only be 24 hours in the future"}},
		{"scheduled_for number", smsBody(t, map[string]any{"scheduled_for": 5}),
			[]string{"scheduled_for 5 is not of type string, null"}},
		{"empty body", []byte(""),
			[]string{"phone_number is a required property", "template_id is a required property"}},
		{"whitespace body", []byte(" \r\n\t "),
			[]string{"phone_number is a required property", "template_id is a required property"}},
		{"empty object", []byte("{}"),
			[]string{"phone_number is a required property", "template_id is a required property"}},
		{"list body", []byte("[]"), []string{"[] is not of type object"}},
		{"string body", []byte(`"x"`), []string{"x is not of type object"}},
		{"null body", []byte("null"), []string{"None is not of type object"}},
		{"number body", []byte("5"), []string{"5 is not of type object"}},
		{"several unexpected", smsBody(t, map[string]any{"zeta": 1, "alpha": 2, "it's": 3}),
			[]string{`Additional properties are not allowed (alpha, "its", zeta were unexpected)`}},
		{"every kind, in order", []byte(`{"zz": 1, "reference": 7, "phone_number": null, "personalisation": [1],
			"template_id": 5, "scheduled_for": "yesterday", "aa": 2}`),
			[]string{
				"reference 7 is not of type string",
				"phone_number None is not of type string",
				"template_id is not a valid UUID",
				"personalisation [1] is not of type object",
				reqDatetimeFormat,
				"Additional properties are not allowed (aa, zz were unexpected)",
			}},
		{"required before field errors", []byte(`{"sms_sender_id": "x", "reference": 1}`),
			[]string{
				"phone_number is a required property",
				"template_id is a required property",
				"reference 1 is not of type string",
				"sms_sender_id is not a valid UUID",
			}},
		{"repeated key keeps its last value", []byte(`{"phone_number": 1, "template_id": "` + reqTemplateID +
			`", "phone_number": "07700900001", "reference": 2}`),
			[]string{"reference 2 is not of type string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := DecodeSMSRequest(tt.body, reqNow)
			assert.Nil(t, req)
			assert.Equal(t, tt.want, reqMessages(t, err))
		})
	}
}

func TestDecodeInvalidJSON(t *testing.T) {
	t.Parallel()
	bodies := map[string]string{
		"open bracket":      "[",
		"form encoded":      "phone_number=07700900001&template_id=" + reqTemplateID,
		"trailing garbage":  `{"a": 1} x`,
		"two values":        `{} {}`,
		"single quotes":     `{'a': 1}`,
		"invalid UTF-8":     "{\"reference\": \"\xff\"}",
		"trailing comma":    `{"a": 1,}`,
		"unterminated":      `{"a": "b`,
		"NaN is not JSON":   `{"a": NaN}`,
		"bare word":         `hello`,
		"comment":           `{} // x`,
		"byte order mark 2": "\xef\xbb\xbf\xef\xbb\xbf{}",
		"no-break space":    "\u00a0",
	}
	decoders := map[string]func([]byte) error{
		"sms":     func(b []byte) error { _, err := DecodeSMSRequest(b, reqNow); return err },
		"email":   func(b []byte) error { _, err := DecodeEmailRequest(b, reqNow); return err },
		"v1":      func(b []byte) error { _, err := DecodeV1SendRequest(b); return err },
		"preview": func(b []byte) error { _, err := DecodePreviewRequest(b); return err },
	}
	for dn, decode := range decoders {
		for bn, body := range bodies {
			t.Run(dn+"/"+bn, func(t *testing.T) {
				t.Parallel()
				err := decode([]byte(body))
				list := ErrorList(err)
				require.Len(t, list, 1, "%v", err)
				assert.Equal(t, NameBadRequest, list[0].Name)
				assert.Equal(t, http.StatusBadRequest, list[0].Status)
				assert.Equal(t, "Invalid JSON supplied in POST data", list[0].Message)
			})
		}
	}
}

func TestDecodeBodyWithByteOrderMark(t *testing.T) {
	t.Parallel()
	req, err := DecodeSMSRequest(append([]byte("\xef\xbb\xbf"), smsBody(t, nil)...), reqNow)
	require.NoError(t, err)
	assert.Equal(t, "07700900001", req.PhoneNumber)
}

func TestDecodeSMSRequestReferenceLength(t *testing.T) {
	t.Parallel()
	for _, ref := range []string{"", strings.Repeat("a", 1000), strings.Repeat("é", 1000), strings.Repeat("🚀", 1000)} {
		req, err := DecodeSMSRequest(smsBody(t, map[string]any{"reference": ref}), reqNow)
		require.NoError(t, err, "length %d", len(ref))
		require.NotNil(t, req.Reference)
		assert.Equal(t, ref, *req.Reference)
	}
	_, err := DecodeSMSRequest(smsBody(t, map[string]any{"reference": strings.Repeat("é", 1001)}), reqNow)
	assert.Equal(t, []string{"reference " + strings.Repeat("é", 1001) + " is too long"}, reqMessages(t, err))
	_, err = DecodeSMSRequest(smsBody(t, map[string]any{"reference": "it's\n" + strings.Repeat("a", 1000)}), reqNow)
	assert.Equal(t, []string{`reference "its\n` + strings.Repeat("a", 1000) + `" is too long`}, reqMessages(t, err))
}

func TestDecodeScheduledFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2017-05-12 13:15", time.Date(2017, 5, 12, 13, 15, 0, 0, time.UTC)},
		{"2017-05-12T13:15:00", time.Date(2017, 5, 12, 13, 15, 0, 0, time.UTC)},
		{"2017-05-12T13:15:30.5Z", time.Date(2017, 5, 12, 13, 15, 30, 500000000, time.UTC)},
		{"2017-05-12T13:00:00", reqNow},
		{"2017-05-13T13:00:00", reqNow.Add(24 * time.Hour)},
		{"2017-05-12T15:00:00+01:00", time.Date(2017, 5, 12, 14, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			req, err := DecodeSMSRequest(smsBody(t, map[string]any{"scheduled_for": tt.in}), reqNow)
			require.NoError(t, err)
			require.NotNil(t, req.ScheduledFor)
			assert.True(t, tt.want.Equal(*req.ScheduledFor), "got %v", req.ScheduledFor)
		})
	}
	_, err := DecodeSMSRequest(smsBody(t, map[string]any{"scheduled_for": "2017-05-13T13:00:00.000001"}), reqNow)
	assert.Equal(t, []string{"scheduled_for datetime can only be 24 hours in the future"}, reqMessages(t, err))
	_, err = DecodeSMSRequest(smsBody(t, map[string]any{"scheduled_for": "2017-05-12T12:59:59.999999"}), reqNow)
	assert.Equal(t, []string{"scheduled_for datetime can not be in the past"}, reqMessages(t, err))
}

func TestDecodeEmailRequestValid(t *testing.T) {
	t.Parallel()
	reply := "6ce466d0-fd6a-11e5-82f5-e0accb9d11a6"
	body := emailBody(t, map[string]any{
		"personalisation":           map[string]any{"name": "Bob"},
		"reference":                 "r",
		"email_reply_to_id":         reply,
		"one_click_unsubscribe_url": "https://www.unsubscribe-me-please.com",
		"sanitise_content_for":      []string{"name"},
		"scheduled_for":             rawJSON("null"),
	})
	req, err := DecodeEmailRequest(body, reqNow)
	require.NoError(t, err)
	assert.Equal(t, "test@example.gov.uk", req.EmailAddress)
	assert.Equal(t, uuid.MustParse(reqTemplateID), req.TemplateID)
	assert.Equal(t, map[string]any{"name": "Bob"}, req.Personalisation)
	require.NotNil(t, req.Reference)
	assert.Equal(t, "r", *req.Reference)
	require.NotNil(t, req.EmailReplyToID)
	assert.Equal(t, uuid.MustParse(reply), *req.EmailReplyToID)
	require.NotNil(t, req.OneClickUnsubscribeURL)
	assert.Equal(t, "https://www.unsubscribe-me-please.com", *req.OneClickUnsubscribeURL)
	assert.Equal(t, []string{"name"}, req.SanitiseContentFor)
	assert.Nil(t, req.ScheduledFor)

	empty, err := DecodeEmailRequest(emailBody(t, map[string]any{"sanitise_content_for": []string{}}), reqNow)
	require.NoError(t, err)
	assert.Equal(t, []string{}, empty.SanitiseContentFor)
	null, err := DecodeEmailRequest(emailBody(t, map[string]any{"sanitise_content_for": rawJSON("null")}), reqNow)
	require.NoError(t, err)
	assert.Nil(t, null.SanitiseContentFor)
}

// TestDecodeEmailRequestErrors covers upstream's schema error messages for
// an email body.
func TestDecodeEmailRequestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body []byte
		want []string
	}{
		{"not an address", emailBody(t, map[string]any{"email_address": "example"}),
			[]string{"email_address Not a valid email address"}},
		{"brackets", emailBody(t, map[string]any{"email_address": "with(brackets)@example.com"}),
			[]string{"email_address Not a valid email address"}},
		{"empty", emailBody(t, map[string]any{"email_address": ""}),
			[]string{"email_address Not a valid email address"}},
		{"JSON number", emailBody(t, map[string]any{"email_address": 12345}),
			[]string{"email_address 12345 is not of type string"}},
		{"null", emailBody(t, map[string]any{"email_address": rawJSON("null")}),
			[]string{"email_address None is not of type string"}},
		{"list", emailBody(t, map[string]any{"email_address": rawJSON("[]")}),
			[]string{"email_address [] is not of type string"}},
		{"object", emailBody(t, map[string]any{"email_address": rawJSON("{}")}),
			[]string{"email_address {} is not of type string"}},
		{"http unsubscribe url", emailBody(t, map[string]any{"one_click_unsubscribe_url": "http://www.unsubscribe-me-please.com"}),
			[]string{"one_click_unsubscribe_url is not a valid https url"}},
		{"unsubscribe url without scheme", emailBody(t, map[string]any{"one_click_unsubscribe_url": "www.unsubscribe-me-please.com"}),
			[]string{"one_click_unsubscribe_url is not a valid https url"}},
		{"unsubscribe url null", emailBody(t, map[string]any{"one_click_unsubscribe_url": rawJSON("null")}),
			[]string{"one_click_unsubscribe_url is not a valid https url"}},
		{"sms_sender_id is not allowed", emailBody(t, map[string]any{"sms_sender_id": reqTemplateID}),
			[]string{"Additional properties are not allowed (sms_sender_id was unexpected)"}},
		{"email_reply_to_id not a uuid", emailBody(t, map[string]any{"email_reply_to_id": "nope"}),
			[]string{"email_reply_to_id is not a valid UUID"}},
		{"sanitise_content_for string", emailBody(t, map[string]any{"sanitise_content_for": "name"}),
			[]string{"sanitise_content_for name is not of type array, null"}},
		{"sanitise_content_for items", emailBody(t, map[string]any{"sanitise_content_for": rawJSON(`[1, "a", 1, null]`)}),
			[]string{"sanitise_content_for 1 is not of type string", "sanitise_content_for None is not of type string"}},
		{"empty body", nil,
			[]string{"email_address is a required property", "template_id is a required property"}},
		{"everything wrong", []byte(`{"template": 1, "email_address": "x", "one_click_unsubscribe_url": "ftp://a",
			"email_reply_to_id": 3, "reference": null}`),
			[]string{
				"template_id is a required property",
				"reference None is not of type string",
				"email_address Not a valid email address",
				"email_reply_to_id is not a valid UUID",
				"one_click_unsubscribe_url is not a valid https url",
				"Additional properties are not allowed (template was unexpected)",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := DecodeEmailRequest(tt.body, reqNow)
			assert.Nil(t, req)
			assert.Equal(t, tt.want, reqMessages(t, err))
		})
	}
}

func TestDecodeEmailRequestAddresses(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"test@example.gov.uk", "simulate-delivered@notifications.service.gov.uk", " test@example.com "} {
		req, err := DecodeEmailRequest(emailBody(t, map[string]any{"email_address": addr}), reqNow)
		require.NoError(t, err, addr)
		assert.Equal(t, addr, req.EmailAddress, "kept as supplied")
	}
}

func TestDecodePreviewRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want map[string]any
		errs []string
	}{
		{"empty body", "", nil, nil},
		{"whitespace body", " \t\r\n", nil, nil},
		{"null", "null", nil, nil},
		{"empty object", "{}", nil, nil},
		{"personalisation", `{"personalisation": {"Name": "Jo", "n": 2}}`, map[string]any{"Name": "Jo", "n": 2.0}, nil},
		{"other keys are allowed", `{"id": "x", "personalisation": {}}`, map[string]any{}, nil},
		{"personalisation string", `{"personalisation": "x"}`, nil, []string{"personalisation x is not of type object"}},
		{"personalisation null", `{"personalisation": null}`, nil, []string{"personalisation None is not of type object"}},
		{"list body", `[{"a": 1}]`, nil, []string{"[{a: 1}] is not of type object"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodePreviewRequest([]byte(tt.body))
			if tt.errs != nil {
				assert.Equal(t, tt.errs, reqMessages(t, err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeV1SendRequest(t *testing.T) {
	t.Parallel()
	req, err := DecodeV1SendRequest([]byte(`{"to": "07700900001", "template": "` + reqTemplateID +
		`", "personalisation": {"name": "Jo"}, "unknown": 1}`))
	require.NoError(t, err)
	assert.Equal(t, &V1SendRequest{
		To: "07700900001", TemplateID: uuid.MustParse(reqTemplateID), Personalisation: map[string]any{"name": "Jo"},
	}, req)

	type fieldMsg struct{ field, msg string }
	tests := []struct {
		name string
		body string
		want []fieldMsg
	}{
		{"missing to", `{"template": "` + reqTemplateID + `"}`, []fieldMsg{{"to", "Missing data for required field."}}},
		{"empty body", ``, []fieldMsg{
			{"to", "Missing data for required field."}, {"template", "Missing data for required field."}}},
		{"template not a uuid", `{"to": "x", "template": "123"}`, []fieldMsg{{"template", "Not a valid UUID."}}},
		{"to not a string", `{"to": 7700900001, "template": "` + reqTemplateID + `"}`, []fieldMsg{{"to", "Not a valid string."}}},
		{"nulls", `{"to": null, "template": null, "personalisation": null}`, []fieldMsg{
			{"to", "Field may not be null."}, {"template", "Field may not be null."},
			{"personalisation", "Field may not be null."}}},
		{"personalisation not a dict", `{"to": "x", "template": "` + reqTemplateID + `", "personalisation": []}`,
			[]fieldMsg{{"personalisation", "Not a valid mapping type."}}},
		{"list body", `[]`, []fieldMsg{{"", "Invalid input type."}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := DecodeV1SendRequest([]byte(tt.body))
			assert.Nil(t, req)
			list := ErrorList(err)
			got := make([]fieldMsg, len(list))
			for i, e := range list {
				assert.Equal(t, http.StatusBadRequest, e.Status)
				got[i] = fieldMsg{e.Field, e.Message}
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// BenchmarkDecodeSMSRequest measures decoding a typical body (a UK mobile
// number takes the phone rules' fast path).
func BenchmarkDecodeSMSRequest(b *testing.B) {
	body := []byte(`{"phone_number": "07723456789", "template_id": "` + reqTemplateID +
		`", "personalisation": {"name": "Jo", "n": 1}, "reference": "r"}`)
	for b.Loop() {
		if _, err := DecodeSMSRequest(body, reqNow); err != nil {
			b.Fatal(err)
		}
	}
}
