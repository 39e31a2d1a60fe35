package notify

import (
	"errors"
	"strings"
	"testing"
)

// phoneFuzzSeeds are added to the committed corpora in testdata/fuzz.
var phoneFuzzSeeds = []string{
	"07723456789",
	"+447723456789",
	"447723456789",
	"7723456789",
	" 07723 456 789 ",
	"+44 (0)7723 456 789",
	"\u200b\t\t+44 (0)7723 456 789\ufeff \r\n",
	"07700900010",
	"07044123456",
	"0117 496 0860",
	"+1 202-483-3000",
	"1\u2011202\u2013555\u2014010\u22124",
	"0+447988123456",
	"24741111",
	"07890x32109",
	"",
	"+",
}

// FuzzParsePhoneNumber checks that parsing never panics, that failures
// are *PhoneError with a known code, and that a parsed number is
// consistent and its normalised form parses back to the same number.
func FuzzParsePhoneNumber(f *testing.F) {
	for _, s := range phoneFuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePhoneNumber(s)
		if err != nil {
			var pe *PhoneError
			if !errors.As(err, &pe) {
				t.Fatalf("%q: error %T %v is not a *PhoneError", s, err, err)
			}
			if _, known := phoneMessages[pe.Code]; !known || pe.Code == PhoneNotUKMobile {
				t.Fatalf("%q: unexpected code %q", s, pe.Code)
			}
			return
		}
		if p.Normalised == "" || strings.Trim(p.Normalised, "0123456789") != "" {
			t.Fatalf("%q: normalised %q is not digits", s, p.Normalised)
		}
		if p.UK != (p.CountryCode == 44) || !strings.HasPrefix(p.Normalised, p.Prefix) ||
			(p.CrownDependency && !(p.UK && p.International)) || (p.Landline && !p.UK) {
			t.Fatalf("%q: inconsistent %+v", s, p)
		}
		again, err := ParsePhoneNumber("+" + p.Normalised)
		if err != nil || again != p {
			t.Fatalf("%q: parsed to %+v but +%s parses to %+v, %v", s, p, p.Normalised, again, err)
		}
		for _, intl := range []bool{false, true} {
			for _, landline := range []bool{false, true} {
				if err := p.Validate(intl, landline); err != nil {
					var pe *PhoneError
					if !errors.As(err, &pe) || (pe.Code != PhoneNotUKMobile && pe.Code != PhoneUnsupportedCountryCode) {
						t.Fatalf("%q: Validate(%v, %v) = %v", s, intl, landline, err)
					}
				}
			}
		}
	})
}

// FuzzPhoneFastPathAgrees checks that wherever the UK-mobile fast path
// answers, the full rules give exactly the same number.
func FuzzPhoneFastPathAgrees(f *testing.F) {
	for _, s := range phoneFuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// Random strings rarely look like a UK mobile, so also try one
		// built from the fuzzer's bytes in a fast-path format.
		for _, in := range []string{s, ukMobileShaped(s)} {
			fast, ok := parseUKMobileFast(in)
			if !ok {
				continue
			}
			full, err := parsePhoneFull(in)
			if err != nil {
				t.Fatalf("%q: fast path accepted %+v, full rules refused: %v", in, fast, err)
			}
			if fast != full {
				t.Fatalf("%q: fast path %+v, full rules %+v", in, fast, full)
			}
		}
	})
}

// ukMobileShaped turns arbitrary bytes into a number in one of the fast
// path's formats: a prefix chosen by the first byte, then "7" and digits
// taken from the bytes, with a space wherever a byte is a multiple of 7.
func ukMobileShaped(s string) string {
	if s == "" {
		return ""
	}
	prefixes := []string{"0", "+44", "44", "", " 0", "+44 ", "0 ", "4 4"}
	var b strings.Builder
	b.WriteString(prefixes[int(s[0])%len(prefixes)])
	b.WriteByte('7')
	for i := 1; i < len(s); i++ {
		if s[i]%7 == 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('0' + s[i]%10)
	}
	return b.String()
}
