package notify

import (
	"strings"
	"testing"

	"github.com/notifykit/notify/internal/gsm"
)

// FuzzPlaceholders checks that placeholder extraction, filling and
// rendering never panic, and that rendered SMS text only holds characters an
// SMS can carry, is normalised, and has a sensible fragment count.
func FuzzPlaceholders(f *testing.F) {
	f.Add("Hello ((name)), your ((thing)) is ready.", "Jo", "GDS")
	f.Add("((warning??Take care\n\nnow)) (((colour))) ((a((b))", "yes", "")
	f.Add("\t\r\n((p))  ,\u2028 ŵ 🚀 深 \u200b…", "  ", "👨‍👩‍👧‍👦")
	f.Add("((", ")", "((")
	f.Add("# Heading\n\n* one\n1. two\n^ inset [link](https://x.com) https://gov.uk/a.", "<b>'x' & \"y\"</b>", "")
	f.Fuzz(func(t *testing.T, content, value, prefix string) {
		names := Placeholders(content)
		values := make(map[string]any, len(names))
		for i, name := range names {
			if !strings.Contains(content, name) {
				t.Fatalf("placeholder %q is not in the content", name)
			}
			if i%2 == 0 {
				values[name] = value
			} else {
				values[name] = []any{value, nil, value}
			}
		}
		if missing := MissingPersonalisation(content, content, values); len(missing) != 0 {
			t.Fatalf("every placeholder has a value, yet %q are missing", missing)
		}
		if got := MissingPersonalisation("", content, nil); len(got) != len(names) {
			t.Fatalf("with no values %d of %d placeholders are missing", len(got), len(names))
		}
		_ = Fill(content, values)
		_ = Fill(content, nil)

		for _, vals := range []map[string]any{values, nil} {
			sms := RenderSMS(content, vals, prefix)
			for _, r := range sms {
				if gsm.ClassOf(r) == gsm.None {
					t.Fatalf("RenderSMS output %q holds %q, which is neither GSM nor Welsh", sms, r)
				}
			}
			if strings.TrimSpace(sms) != sms || strings.Contains(sms, "\n\n\n") || strings.Contains(sms, "  ") ||
				strings.Contains(sms, "\r") {
				t.Fatalf("RenderSMS output %q is not normalised", sms)
			}
			if n := SMSFragmentCount(sms); n < 1 {
				t.Fatalf("SMSFragmentCount(%q) = %d", sms, n)
			}
			if n := SMSCharacterCount(sms); n < 0 || n > len(sms) {
				t.Fatalf("SMSCharacterCount(%q) = %d", sms, n)
			}
			_ = NonGSMCharacters(sms)
			_ = SMSTooLong(sms)
		}

		_ = RenderEmailBody(content, values)
		_ = RenderEmailSubject(content, values)
		_ = RenderEmailHTML(content, values)
		_ = RenderEmailHTML(content, nil)
	})
}
