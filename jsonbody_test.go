package notify_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/notifykit/notify"
)

// TestV2Body follows upstream's get_valid_json: `request_json or {}`.
func TestV2Body(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body, want string
	}{
		{"null", "{}"},
		{" null\n", "{}"},
		{"false", "{}"},
		{"0", "{}"},
		{"0.0", "{}"},
		{"-0", "{}"},
		{`""`, "{}"},
		{"[]", "{}"},
		{"[ ]", "{}"},
		{"{}", "{}"},
		{"\xef\xbb\xbfnull", "{}"},
		{"", ""},
		{"true", "true"},
		{"1", "1"},
		{`"x"`, `"x"`},
		{"[0]", "[0]"},
		{`{"phone_number": null}`, `{"phone_number": null}`},
		{"nul", "nul"},
		{"not json", "not json"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, string(notify.V2Body([]byte(tt.body))))
		})
	}
}

// TestSendJSONFalseBody: a body upstream reads as {} gets the required
// property errors; one that is true but not an object gets the type error.
func TestSendJSONFalseBody(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{Restricted: true})
	tests := []struct {
		typ  notify.NotificationType
		body string
		want []string
	}{
		{notify.SMS, "null", []string{"phone_number is a required property", "template_id is a required property"}},
		{notify.SMS, "[]", []string{"phone_number is a required property", "template_id is a required property"}},
		{notify.Email, "false", []string{"email_address is a required property", "template_id is a required property"}},
		{notify.SMS, "[1]", []string{"[1] is not of type object"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ)+" "+tt.body, func(t *testing.T) {
			_, err := f.env.Notifier.SendJSON(ctx, f.keys[notify.KeyTypeLive], tt.typ, []byte(tt.body))
			var got []string
			for _, e := range notify.ErrorList(err) {
				assert.Equal(t, notify.NameValidation, e.Name)
				got = append(got, e.Message)
			}
			assert.ElementsMatch(t, tt.want, got)
			assert.Equal(t, http.StatusBadRequest, notify.StatusOf(err))
		})
	}
}
