package notify_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// The text/plain part of a sent email is upstream's plain-text rendering
// of the body: no markdown syntax, and a sanitised value reads as it was
// written, without its escape backslashes. The body the API answers, and
// the one stored, stay the markdown.
func TestEmailPlainTextPart(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{Name: "Plain"})
	content := "# Your appointment\n\nDear ((name)),\n\n" +
		"* bring ((item))\n* arrive early\n\n^ Visit [the guide](https://www.gov.uk/guide \"Guide\") first.\n\n---\n\n" +
		"![logo](https://example.com/logo.png)Thanks - the team"
	tpl := f.env.Template(t, f.svc, notify.Email, "Appointment", content)
	nt, err := f.env.Notifier.SendEmail(ctx, f.keys[notify.KeyTypeLive], &notify.EmailRequest{
		EmailAddress: strangerEm, TemplateID: tpl.ID,
		Personalisation:    map[string]any{"name": "Mr.Smith [x](https://evil.link)", "item": "your *passport*"},
		SanitiseContentFor: []string{"name"},
	})
	require.NoError(t, err)
	const sanitisedName = `Mr\. Smith \[x\]\(\)`
	wantMarkdown := strings.NewReplacer("((name))", sanitisedName, "((item))", "your *passport*").Replace(content)
	assert.Equal(t, wantMarkdown, nt.Body)

	f.env.WaitSent(t, nt.ID)
	sent := f.env.Sandbox.SentTo(strangerEm)
	require.Len(t, sent, 1)
	body := sent[0].Message.Body
	assert.Equal(t, "Your appointment\n"+strings.Repeat("=", 65)+"\n\n"+
		"Dear Mr. Smith [x](),\n\n"+
		"• bring your *passport*\n• arrive early\n\n"+
		"Visit the guide (Guide): https://www.gov.uk/guide first.\n\n"+
		"=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=\n\n"+
		"Thanks \u2013 the team\n", body)
	assert.NotContains(t, body, `\`)
	assert.NotContains(t, body, "evil.link")
	assert.Contains(t, sent[0].Message.HTMLBody, "<h2 ", "the HTML part is still rendered")

	// GET answers the markdown, and so does the store.
	got, err := f.env.Notifier.Get(ctx, f.keys[notify.KeyTypeLive], nt.ID)
	require.NoError(t, err)
	assert.Equal(t, wantMarkdown, got.Body)
	assert.Equal(t, wantMarkdown, f.env.Get(t, nt.ID).Body)
}
