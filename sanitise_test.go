package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

const (
	evilValue      = "User, [click here](https://evil.link)"
	sanitisedValue = `User, \[click here\]\(\)`
)

// sanitiseFixture is a live service with an email template that shows
// ((name)) in its subject and body and ((other)) in its body.
func sanitiseFixture(t *testing.T) (*fixture, *notify.Template) {
	t.Helper()
	f := newFixture(t, notify.Service{Name: "Sanitise"})
	tpl := f.env.Template(t, f.svc, notify.Email, "Hi ((name))", "Hello ((name))\n\nNote: ((other))")
	return f, tpl
}

func TestSendEmailSanitisesNamedPersonalisation(t *testing.T) {
	t.Parallel()
	f, tpl := sanitiseFixture(t)
	values := map[string]any{"name": evilValue, "other": "[fine](https://www.gov.uk/x)"}
	nt, err := f.env.Notifier.SendEmail(ctx, f.keys[notify.KeyTypeLive], &notify.EmailRequest{
		EmailAddress: strangerEm, TemplateID: tpl.ID, Personalisation: values,
		SanitiseContentFor: []string{"name"},
	})
	require.NoError(t, err)
	assert.Equal(t, evilValue, values["name"], "the request is not modified")

	// The answer: body, subject and which values changed.
	assert.Equal(t, "Hello "+sanitisedValue+"\n\nNote: [fine](https://www.gov.uk/x)", nt.Body)
	assert.Equal(t, "Hi "+sanitisedValue, nt.Subject)
	assert.Equal(t, map[string]notify.SanitisedValue{
		"name": {Unsanitised: evilValue, Sanitised: sanitisedValue},
	}, nt.SanitisedContent)

	// What is stored is the sanitised personalisation, without the report.
	stored := f.env.Get(t, nt.ID)
	assert.Equal(t, sanitisedValue, stored.Personalisation["name"])
	assert.Equal(t, "[fine](https://www.gov.uk/x)", stored.Personalisation["other"])
	assert.Nil(t, stored.SanitisedContent)

	// What is sent: the HTML shows the text of the value, links only the
	// value that was not named.
	f.env.WaitSent(t, nt.ID)
	sent := f.env.Sandbox.SentTo(strangerEm)
	require.Len(t, sent, 1)
	html := sent[0].Message.HTMLBody
	assert.Contains(t, html, "Hello User, [click here]()")
	assert.NotContains(t, html, "evil.link")
	assert.Equal(t, 1, strings.Count(html, "<a "), html)
	assert.Contains(t, html, `href="https://www.gov.uk/x"`)
	assert.Equal(t, "Hi "+sanitisedValue, sent[0].Message.Subject)
}

func TestSendEmailSanitisedContentIsEmptyWhenNothingChanged(t *testing.T) {
	t.Parallel()
	f, tpl := sanitiseFixture(t)
	for _, keys := range [][]string{nil, {"name"}, {"absent"}} {
		nt, err := f.env.Notifier.SendEmail(ctx, f.keys[notify.KeyTypeLive], &notify.EmailRequest{
			EmailAddress: strangerEm, TemplateID: tpl.ID,
			Personalisation:    map[string]any{"name": "Amala", "other": "[x](https://evil.link)"},
			SanitiseContentFor: keys,
		})
		require.NoError(t, err)
		assert.NotNil(t, nt.SanitisedContent, keys)
		assert.Empty(t, nt.SanitisedContent, keys)
		assert.Equal(t, "Hello Amala\n\nNote: [x](https://evil.link)", nt.Body, keys)
	}
}

func TestSendJSONSanitisesEmail(t *testing.T) {
	t.Parallel()
	f, tpl := sanitiseFixture(t)
	body := `{"email_address": "` + strangerEm + `", "template_id": "` + tpl.ID.String() + `",
		"personalisation": {"Name": "Mr.Smith", "other": ["a", "b"]},
		"sanitise_content_for": ["name", "other"]}`
	nt, err := f.env.Notifier.SendJSON(ctx, f.keys[notify.KeyTypeLive], notify.Email, []byte(body))
	require.NoError(t, err)
	assert.Equal(t, map[string]notify.SanitisedValue{
		"Name": {Unsanitised: "Mr.Smith", Sanitised: `Mr\. Smith`},
	}, nt.SanitisedContent)
	assert.Equal(t, "Hi Mr\\. Smith", nt.Subject)
	assert.Equal(t, "Hello Mr\\. Smith\n\nNote: \n\n* a\n* b", nt.Body)
}

func TestSendEmailToSimulatedRecipientReportsSanitising(t *testing.T) {
	t.Parallel()
	f, tpl := sanitiseFixture(t)
	nt, err := f.env.Notifier.SendEmail(ctx, f.keys[notify.KeyTypeLive], &notify.EmailRequest{
		EmailAddress: "simulate-delivered@notifications.service.gov.uk", TemplateID: tpl.ID,
		Personalisation:    map[string]any{"name": evilValue, "other": "x"},
		SanitiseContentFor: []string{"name"},
	})
	require.NoError(t, err)
	assert.Equal(t, sanitisedValue, nt.SanitisedContent["name"].Sanitised)
}

func TestSendSMSHasNoSanitisedContent(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{Name: "Sanitise"})
	nt, err := f.sendSMS(notify.KeyTypeLive, strangerSMS)
	require.NoError(t, err)
	assert.Nil(t, nt.SanitisedContent)
}

func TestSendEmailRefusedBeforeSanitisingReportsNothing(t *testing.T) {
	t.Parallel()
	f, tpl := sanitiseFixture(t)
	// ((other)) is missing: the send is refused and nothing is stored.
	nt, err := f.env.Notifier.SendEmail(ctx, f.keys[notify.KeyTypeLive], &notify.EmailRequest{
		EmailAddress: strangerEm, TemplateID: tpl.ID,
		Personalisation:    map[string]any{"name": evilValue},
		SanitiseContentFor: []string{"name"},
	})
	requireRefusal(t, err, 400, "BadRequestError", "Missing personalisation: other")
	assert.Nil(t, nt)
}

func TestDecodeEmailRequestSanitiseContentFor(t *testing.T) {
	t.Parallel()
	const head = `{"email_address": "a@example.com", "template_id": "f6895ff7-86e0-4d38-80ab-c9525856c3ff", "sanitise_content_for": `
	for _, tc := range []struct{ value, msg string }{
		{`"name"`, "sanitise_content_for name is not of type array, null"},
		{`{}`, "sanitise_content_for {} is not of type array, null"},
		{`true`, "sanitise_content_for True is not of type array, null"},
		{`[1, "x", null]`, "sanitise_content_for 1 is not of type string; sanitise_content_for None is not of type string"},
	} {
		_, err := notify.DecodeEmailRequest([]byte(head+tc.value+"}"), time.Now())
		require.Error(t, err, tc.value)
		assert.Equal(t, tc.msg, err.Error(), tc.value)
	}
	for value, want := range map[string][]string{`null`: nil, `[]`: {}, `["a", "b"]`: {"a", "b"}} {
		req, err := notify.DecodeEmailRequest([]byte(head+value+"}"), time.Now())
		require.NoError(t, err, value)
		assert.Equal(t, want, req.SanitiseContentFor, value)
	}
}
