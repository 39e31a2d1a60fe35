package notify

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Upstream's valid_email_addresses (notifications-utils' email address
// tests).
var validEmails = []string{
	"email@domain.com",
	"email@domain.COM",
	"firstname.lastname@domain.com",
	"firstname.o'lastname@domain.com",
	"email@subdomain.domain.com",
	"firstname+lastname@domain.com",
	"1234567890@domain.com",
	"email@domain-one.com",
	"_______@domain.com",
	"email@domain.name",
	"email@domain.superlongtld",
	"email@domain.co.jp",
	"firstname-lastname@domain.com",
	"info@german-financial-services.vermögensberatung",
	"info@german-financial-services.reallylongarbitrarytldthatiswaytoohugejustincase",
	"japanese-info@例え.テスト",
	"email@double--hyphen.com",
	"test@example.gov.uk",
	"UPPER.Case@Example.COM",
	"a@b.cd",
	"strasse@straße.de",
	"dots.in.local@ideographic。full-stop.com",
}

func TestValidateEmailValid(t *testing.T) {
	t.Parallel()
	for _, in := range validEmails {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			got, err := ValidateEmail(in)
			require.NoError(t, err)
			assert.Equal(t, in, got, "returned unchanged, not lower-cased")
		})
	}
}

// Surrounding whitespace and invisible characters are stripped, as
// upstream does.
func TestValidateEmailStripsWhitespace(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		" email@domain.com ",
		"\temail@domain.com",
		"\temail@domain.com\n",
		"\u200bemail@domain.com\u200b",
		"\u00a0email@\u200ddomain.com\ufeff",
		"\r\n\v\femail@domain.com \u202f",
	} {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			got, err := ValidateEmail(in)
			require.NoError(t, err)
			assert.Equal(t, "email@domain.com", got)
		})
	}
}

// Upstream's invalid_email_addresses, plus cases for each rule of upstream's
// email validation.
func TestValidateEmailInvalid(t *testing.T) {
	t.Parallel()
	tests := []string{
		"email@123.123.123.123",
		"email@[123.123.123.123]",
		"plainaddress",
		"@no-local-part.com",
		"Outlook Contact <outlook-contact@domain.com>",
		"no-at.domain.com",
		"no-tld@domain",
		";beginning-semicolon@domain.co.uk",
		"middle-semicolon@domain.co;uk",
		"trailing-semicolon@domain.com;",
		`"email+leading-quotes@domain.com`,
		`email+middle"-quotes@domain.com`,
		`"quoted-local-part"@domain.com`,
		`"quoted@domain.com"`,
		"lots-of-dots@domain..gov..uk",
		"two-dots..in-local@domain.com",
		"multiple@domains@domain.com",
		"spaces in local@domain.com",
		"spaces-in-domain@dom ain.com",
		"underscores-in-domain@dom_ain.com",
		"pipe-in-domain@example.com|gov.uk",
		"comma,in-local@gov.uk",
		"comma-in-domain@domain,gov.uk",
		"pound-sign-in-local£@domain.com",
		"local-with-’-apostrophe@domain.com",
		"local-with-”-quotes@domain.com",
		"domain-starts-with-a-dot@.domain.com",
		"brackets(in)local@domain.com",
		"email-too-long-" + strings.Repeat("a", 320) + "@example.com",
		"incorrect-punycode@xn---something.com",
		// Further cases, one per rule.
		"",
		"   ",
		"example",
		"with(brackets)@example.com",
		"a@b",
		"a@b.",
		"a@b.c",                                 // one-letter TLD
		"a@b.c1",                                // digits in TLD
		"a@-domain.com",                         // label starts with a hyphen
		"a@domain-.com",                         // label ends with a hyphen
		"a@domain.com.",                         // trailing dot: empty label
		"a@" + strings.Repeat("a", 64) + ".com", // label too long
		"a@" + strings.Repeat(strings.Repeat("a", 60)+".", 5) + "com", // hostname > 253
		"a@dom\u2003ain.com", // Unicode space in the domain
		"a@dom\u0085ain.com", // NEL is \s in Python
		"a@dömain\u3000.com", // ideographic space
		"é@domain.com",       // non-ASCII local part
		"a@☃.com\n@x",        // second @
		"a@xn--ls8h.xn--",    // bad TLD
		"a@domain.c_m",
		"a@.",
		"a@ b.com",
	}
	for _, in := range tests {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			got, err := ValidateEmail(in)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalidEmail))
			assert.Equal(t, "Not a valid email address", err.Error())
			assert.Empty(t, got)
		})
	}
}

func TestValidateEmailLengthLimit(t *testing.T) {
	t.Parallel()
	domain := "@example.com"
	ok := strings.Repeat("a", 320-len(domain)) + domain
	_, err := ValidateEmail(ok)
	assert.NoError(t, err, "320 characters is allowed")
	_, err = ValidateEmail("a" + ok)
	assert.ErrorIs(t, err, ErrInvalidEmail, "321 characters is not")
	// The limit counts characters, not bytes.
	uni := strings.Repeat("a", 300) + "@" + strings.Repeat("ö", 10) + ".com"
	_, err = ValidateEmail(uni)
	assert.NoError(t, err)
}

// Guest-list matching never confuses distinct addresses (upstream's cases).
func TestEmailGuestListMatching(t *testing.T) {
	t.Parallel()
	other := FormatRecipient("very_special_and_unique@example.com")
	for _, in := range validEmails {
		assert.NotEqual(t, other, FormatRecipient(in), in)
	}
	assert.Equal(t, FormatRecipient("Email@Domain.COM"), FormatRecipient(" email@domain.com\u200b"))
}

func BenchmarkValidateEmail(b *testing.B) {
	for _, in := range []string{"firstname.lastname@domain.com", "japanese-info@例え.テスト"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = ValidateEmail(in)
			}
		})
	}
}

// Upstream's hostname patterns, the oracle for isHostnameLabel and isTLD.
var (
	upstreamLabel = regexp.MustCompile(`(?i)^(xn|[a-z0-9]+)(-?-[a-z0-9]+)*$`)
	upstreamTLD   = regexp.MustCompile(`(?i)^([a-z]{2,63}|xn--([a-z0-9]+-)*[a-z0-9]+)$`)
)

func TestHostnameMatchersAgreeWithUpstreamPatterns(t *testing.T) {
	t.Parallel()
	for _, l := range []string{
		"", "a", "-", "a-", "-a", "a-b", "a--b", "a---b", "xn--abc", "xn---abc", "XN--ABC-DEF",
		"xn--abc--def", "xn--", "xn--a", "com", "c", "COM", "c0m", strings.Repeat("a", 63),
		strings.Repeat("a", 64), "a_b", "a.b", "ab-", "xn--ab-", "xn-ab", "é",
	} {
		assert.Equal(t, upstreamLabel.MatchString(l), isHostnameLabel(l), "label %q", l)
		assert.Equal(t, upstreamTLD.MatchString(l), isTLD(l), "tld %q", l)
	}
}

var emailFuzzSeeds = []string{
	"email@domain.com",
	"japanese-info@例え.テスト",
	"info@german-financial-services.vermögensberatung",
	"\u200bemail@domain.com\u200b",
	"lots-of-dots@domain..gov..uk",
	"incorrect-punycode@xn---something.com",
	"a@xn--bcher-kva.example",
	"a@b.c",
	"@",
	"",
}

// FuzzValidateEmail checks that validation never panics, that a refusal
// is ErrInvalidEmail, that an accepted address is already stripped and
// validates to itself, and that the label checks agree with upstream's
// regular expressions.
func FuzzValidateEmail(f *testing.F) {
	for _, s := range emailFuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if upstreamLabel.MatchString(s) != isHostnameLabel(s) || upstreamTLD.MatchString(s) != isTLD(s) {
			t.Fatalf("%q: label checks disagree with upstream patterns", s)
		}
		got, err := ValidateEmail(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidEmail) || got != "" {
				t.Fatalf("%q: %q, %v", s, got, err)
			}
			return
		}
		if got != stripEmailWhitespace(got) || strings.Count(got, "@") != 1 {
			t.Fatalf("%q: accepted as %q", s, got)
		}
		if again, err := ValidateEmail(got); err != nil || again != got {
			t.Fatalf("%q: accepted as %q, which gives %q, %v", s, got, again, err)
		}
		if FormatRecipient(s) != strings.ToLower(got) {
			t.Fatalf("%q: FormatRecipient gives %q", s, FormatRecipient(s))
		}
	})
}
