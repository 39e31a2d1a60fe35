package notify

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/notifykit/notify/internal/pyfmt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFieldRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rule func(string) string
		in   string
		want string
	}{
		{"UK mobile", phoneNumberProblem, "07700 900001", ""},
		{"international passes", phoneNumberProblem, "+1 202-483-3000", ""},
		{"letters", phoneNumberProblem, "0770090000a", "Must not contain letters or symbols"},
		{"short", phoneNumberProblem, "0770", "Not enough digits"},
		{"email", emailAddressProblem, "test@example.gov.uk", ""},
		{"bad email", emailAddressProblem, "test@", "Not a valid email address"},
		{"uuid", uuidProblem, "4A4D9A3C-2F1B-4B0E-9C1A-0D3E5F6A7B8C", ""},
		{"not a uuid", uuidProblem, "4a4d9a3c-2f1b-4b0e-9c1a-0d3e5f6a7b8c\n", "is not a valid UUID"},
		{"reference at the limit", referenceProblem, strings.Repeat("🚀", 1000), ""},
		{"reference too long", referenceProblem, strings.Repeat("a", 1001), strings.Repeat("a", 1001) + " is too long"},
		{"reference quoted as jsonschema does", referenceProblem, "it's\n" + strings.Repeat("a", 1000),
			`"its\n` + strings.Repeat("a", 1000) + `" is too long`},
		{"https", httpsURLProblem, "https://example.com", ""},
		{"http", httpsURLProblem, "http://example.com", "is not a valid https url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.rule(tt.in))
		})
	}
	assert.Equal(t, "phone_number is a required property", requiredMessage("phone_number"))
}

func TestScheduledForRules(t *testing.T) {
	t.Parallel()
	now := time.Date(2017, 5, 12, 13, 0, 0, 500, time.UTC)
	for in, want := range map[string]string{
		"2017-05-12T13:00:00":        "",
		"2017-05-13T13:00:00":        "",
		"2017-05-12T12:59:59.999999": "datetime can not be in the past",
		"2017-05-13T13:00:00.000001": "datetime can only be 24 hours in the future",
		"2017-05-13T14:00:00+01:00":  "",
		"tomorrow":                   msgDatetimeFormat,
	} {
		_, got := parseScheduledFor(in, now)
		assert.Equal(t, want, got, in)
	}
}

// The Go API and the JSON decoders apply the same rules: for the same
// values they refuse with the same messages.
func TestTypedAndJSONRequestsAgree(t *testing.T) {
	t.Parallel()
	now := time.Date(2017, 5, 12, 13, 0, 0, 0, time.UTC)
	id := uuid.MustParse("4a4d9a3c-2f1b-4b0e-9c1a-0d3e5f6a7b8c")
	past, soon, late := now.Add(-time.Second), now.Add(time.Hour), now.Add(25*time.Hour)
	refs := []*string{nil, ptr("r"), ptr(strings.Repeat("a", 1001)), ptr(strings.Repeat("é'\"\\\n\x00", 200))}
	whens := []*time.Time{nil, &past, &soon, &late}
	body := func(fields map[string]any, ref *string, when *time.Time) []byte {
		if ref != nil {
			fields["reference"] = *ref
		}
		if when != nil {
			fields["scheduled_for"] = when.Format(time.RFC3339Nano)
		}
		b, err := json.Marshal(fields)
		require.NoError(t, err)
		return b
	}
	for _, phone := range []string{"07700900001", "+1 202-483-3000", "0770", "07700 90000a", ""} {
		for _, ref := range refs {
			for _, when := range whens {
				req := &SMSRequest{PhoneNumber: phone, TemplateID: id, Reference: ref, ScheduledFor: when}
				_, jerr := DecodeSMSRequest(body(map[string]any{"phone_number": phone, "template_id": id.String()}, ref, when), now)
				assert.Equal(t, ruleMessages(jerr), ruleMessages(checkSMSRequest(req, now)), "%+v", req)
			}
		}
	}
	for _, addr := range []string{"test@example.gov.uk", "test@", ""} {
		for _, unsub := range []*string{nil, ptr("https://x"), ptr("http://x")} {
			for _, ref := range refs {
				req := &EmailRequest{EmailAddress: addr, TemplateID: id, Reference: ref, OneClickUnsubscribeURL: unsub}
				fields := map[string]any{"email_address": addr, "template_id": id.String()}
				if unsub != nil {
					fields["one_click_unsubscribe_url"] = *unsub
				}
				_, jerr := DecodeEmailRequest(body(fields, ref, nil), now)
				assert.Equal(t, ruleMessages(jerr), ruleMessages(checkEmailRequest(req, now)), "%+v", req)
			}
		}
	}
	// A typed request has no missing template id, only the nil one.
	err := checkSMSRequest(&SMSRequest{PhoneNumber: "07700900001"}, now)
	_, jerr := DecodeSMSRequest([]byte(`{"phone_number": "07700900001"}`), now)
	assert.Equal(t, ruleMessages(jerr), ruleMessages(err))
	require.Len(t, ErrorList(err), 1)
	assert.Equal(t, FieldTemplate, ErrorList(err)[0].Field)
}

func TestTypedRequestRefusals(t *testing.T) {
	t.Parallel()
	now := time.Date(2017, 5, 12, 13, 0, 0, 0, time.UTC)
	err := checkSMSRequest(nil, now)
	assert.Equal(t, []string{"phone_number is a required property"}, ruleMessages(err))
	err = checkEmailRequest(nil, now)
	assert.Equal(t, []string{"email_address is a required property"}, ruleMessages(err))

	// Fields say which part of the request is wrong; the order is the
	// order of the request's fields.
	err = checkEmailRequest(&EmailRequest{EmailAddress: "x", Reference: ptr(strings.Repeat("a", 1001)),
		OneClickUnsubscribeURL: ptr("ftp://x")}, now)
	list := ErrorList(err)
	require.Len(t, list, 4)
	got := make([]string, len(list))
	for i, e := range list {
		assert.Equal(t, NameValidation, e.Name)
		assert.Equal(t, http.StatusBadRequest, e.Status)
		got[i] = e.Field + ": " + e.Message
	}
	assert.Equal(t, []string{
		"to: email_address Not a valid email address",
		"template: template_id is a required property",
		": reference " + strings.Repeat("a", 1001) + " is too long",
		": one_click_unsubscribe_url is not a valid https url",
	}, got)
}

func TestSendRules(t *testing.T) {
	t.Parallel()
	tpl := &Template{Subject: "((a))", Content: "((b)) ((A)) ((c))"}
	err := checkPersonalisation(tpl, map[string]any{"b": "x", "c": nil})
	require.Error(t, err)
	assert.Equal(t, BadRequest(FieldTemplate, "Missing personalisation: a, c"), err)
	assert.NoError(t, checkPersonalisation(tpl, map[string]any{"a": 1, "b": "", "c": false}))

	svc := &Service{ID: uuid.MustParse("6ce466d0-fd6a-11e5-82f5-e0accb9d11a6")}
	sender := uuid.MustParse("4a4d9a3c-2f1b-4b0e-9c1a-0d3e5f6a7b8c")
	assert.NoError(t, checkSenderIDs(svc, nil, nil))
	assert.Equal(t, BadRequest("", "sms_sender_id 4a4d9a3c-2f1b-4b0e-9c1a-0d3e5f6a7b8c does not exist in database for service id 6ce466d0-fd6a-11e5-82f5-e0accb9d11a6"),
		checkSenderIDs(svc, &sender, nil))
	assert.Equal(t, BadRequest("", "email_reply_to_id 4a4d9a3c-2f1b-4b0e-9c1a-0d3e5f6a7b8c does not exist in database for service id 6ce466d0-fd6a-11e5-82f5-e0accb9d11a6"),
		checkSenderIDs(svc, nil, &sender))
}

func TestPyMessageRemovesQuotes(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "[a, b] is not of type string", pyMessage(pyfmt.Repr([]any{"a", "b"})+" is not of type 'string'"))
	assert.Equal(t, `"its" is not of type object`, pyMessage(pyfmt.Repr("it's")+" is not of type 'object'"))
}

// ruleMessages returns the sorted messages of a refusal, or nil.
func ruleMessages(err error) []string {
	var msgs []string
	for _, e := range ErrorList(err) {
		msgs = append(msgs, e.Message)
	}
	sort.Strings(msgs)
	return msgs
}

func ptr[T any](v T) *T { return &v }
