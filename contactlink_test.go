package notify_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
)

func TestCheckContactLink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		link string
		msg  string // "" when accepted
	}{
		{"https://www.example.gov.uk/contact", ""},
		{"https://example.gov.uk", ""},
		{"https://www.example.gov.uk/contact?from=notify#help", ""},
		{"https://www.example.gov.uk/@team", ""},
		{"help@example.gov.uk", ""},
		{"Help.Desk+files@example.gov.uk", ""},
		{"0300 123 4567", ""},
		{"+44 (0)300 123 4567", ""},
		{"020-7946-0000", ""},
		{"101", ""},     // a short code
		{"116 123", ""}, // a helpline
		{"07700900123", ""},
		{"", notify.MsgContactLinkEmpty},
		{"   ", notify.MsgContactLinkEmpty},
		{"https://www.example.gov.uk/" + strings.Repeat("a", 255), notify.MsgContactLinkTooLong},
		{"https://www.example.gov.uk/\ncontact", notify.MsgContactLinkControl},
		{"help\r\n@example.gov.uk", notify.MsgContactLinkControl},
		{"https://www.example.gov.uk/\u202econtact", notify.MsgContactLinkControl},
		{"0300\u200b123 4567", notify.MsgContactLinkControl},
		{"\xff\xfe", notify.MsgContactLinkControl},
		{"http://www.example.gov.uk/contact", notify.MsgContactLinkURL},
		{"javascript:alert(1)", notify.MsgContactLinkURL},
		{"https://", notify.MsgContactLinkURL},
		{"https://localhost/contact", notify.MsgContactLinkURL},
		{"https://user:pass@example.gov.uk/", notify.MsgContactLinkURL},
		{"https://www.example.gov.uk/a b", notify.MsgContactLinkURL},
		{`https://www.example.gov.uk/"><script>`, notify.MsgContactLinkURL},
		{`https://www.example.gov.uk/contact?a=1&b="2"`, ""},
		{"www.example.gov.uk", notify.MsgContactLinkURL},
		{"not an email@example", notify.MsgContactLinkEmail},
		{"help@", notify.MsgContactLinkEmail},
		{"999", notify.MsgContactLinkEmergency},
		{"112", notify.MsgContactLinkEmergency},
		{"99", notify.MsgContactLinkPhone},
		{"call us", notify.MsgContactLinkPhone},
		{"0300 123 4567 ext 12", notify.MsgContactLinkPhone},
		{"123456789012345678901", notify.MsgContactLinkPhone},
		{"+-()", notify.MsgContactLinkPhone},
	}
	for _, tc := range tests {
		err := notify.CheckContactLink(tc.link)
		if tc.msg == "" {
			assert.NoError(t, err, "%q", tc.link)
			continue
		}
		var e *notify.Error
		if assert.True(t, errors.As(err, &e), "%q: %v", tc.link, err) {
			assert.Equal(t, "contact_link", e.Field, "%q", tc.link)
			assert.Equal(t, notify.NameValidation, e.Name, "%q", tc.link)
			assert.Equal(t, tc.msg, e.Message, "%q", tc.link)
		}
	}
}

// TestServiceContactLink: creating and updating a service checks its
// contact link; a refused one changes nothing, "" removes it.
func TestServiceContactLink(t *testing.T) {
	env := notifytest.New(t)
	n := env.Notifier
	_, err := n.CreateService(ctx, notify.Service{Name: "Bad link", ContactLink: "javascript:alert(1)"})
	assert.ErrorContains(t, err, notify.MsgContactLinkURL)

	svc, err := n.CreateService(ctx, notify.Service{Name: "Files", ContactLink: "  https://www.example.gov.uk/contact "})
	require.NoError(t, err)
	assert.Equal(t, "https://www.example.gov.uk/contact", svc.ContactLink, "trimmed")

	bad := "999"
	_, err = n.UpdateService(ctx, svc.ID, notify.ServiceUpdate{ContactLink: &bad})
	assert.ErrorContains(t, err, notify.MsgContactLinkEmergency)
	got, err := n.GetService(ctx, svc.ID)
	require.NoError(t, err)
	assert.Equal(t, "https://www.example.gov.uk/contact", got.ContactLink, "a refused change changed the link")

	email := "files@example.gov.uk"
	got, err = n.UpdateService(ctx, svc.ID, notify.ServiceUpdate{ContactLink: &email})
	require.NoError(t, err)
	assert.Equal(t, email, got.ContactLink)

	none := ""
	got, err = n.UpdateService(ctx, svc.ID, notify.ServiceUpdate{ContactLink: &none})
	require.NoError(t, err)
	assert.Empty(t, got.ContactLink)
}

func TestDecodeServiceContactLink(t *testing.T) {
	t.Parallel()
	u, err := notify.DecodeServiceUpdate([]byte(`{"contact_link": "https://www.example.gov.uk/contact"}`))
	require.NoError(t, err)
	require.NotNil(t, u.ContactLink)
	assert.Equal(t, "https://www.example.gov.uk/contact", *u.ContactLink)

	u, err = notify.DecodeServiceUpdate([]byte(`{"contact_link": null}`))
	require.NoError(t, err)
	require.NotNil(t, u.ContactLink, "null removes the link")
	assert.Empty(t, *u.ContactLink)

	u, err = notify.DecodeServiceUpdate([]byte(`{"name": "x"}`))
	require.NoError(t, err)
	assert.Nil(t, u.ContactLink, "an absent field changes nothing")

	for body, msg := range map[string]string{
		`{"contact_link": ""}`:  notify.MsgContactLinkEmpty,
		`{"contact_link": " "}`: notify.MsgContactLinkEmpty,
		`{"contact_link": 12}`:  notify.MsgNotString,
	} {
		_, err := notify.DecodeServiceUpdate([]byte(body))
		assert.ErrorContains(t, err, msg, body)
	}
	s, err := notify.DecodeCreateService([]byte(`{"name": "Files", "contact_link": "0300 123 4567"}`))
	require.NoError(t, err)
	assert.Equal(t, "0300 123 4567", s.ContactLink)
}
