package notify

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/unicode/norm"
	"google.golang.org/protobuf/proto"
)

// Exact message texts (upstream's message constants).
const (
	msgLong    = "Mobile number is too long"
	msgShort   = "Mobile number is too short"
	msgInvalid = "Number is not valid – double check the phone number you entered"
	msgNotUK   = "This does not look like a UK mobile number – double check the mobile number you entered"
	msgChars   = "Mobile numbers can only include: 0 1 2 3 4 5 6 7 8 9 ( ) + -"
	msgCC      = "Country code not found - double check the mobile number you entered"
)

func phoneCode(t *testing.T, err error) PhoneErrorCode {
	t.Helper()
	var pe *PhoneError
	require.True(t, errors.As(err, &pe), "want *PhoneError, got %T %v", err, err)
	return pe.Code
}

// mustParse parses s and fails the test on error.
func mustParse(t *testing.T, s string) PhoneNumber {
	t.Helper()
	p, err := ParsePhoneNumber(s)
	require.NoError(t, err, "ParsePhoneNumber(%q)", s)
	return p
}

func TestPhoneErrorMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code   PhoneErrorCode
		ui, v2 string
	}{
		{PhoneInvalidNumber, msgInvalid, msgInvalid},
		{PhoneTooLong, msgLong, "Too many digits"},
		{PhoneTooShort, msgShort, "Not enough digits"},
		{PhoneNotUKMobile, msgNotUK, "Not a UK mobile number"},
		{PhoneUnknownCharacter, msgChars, "Must not contain letters or symbols"},
		{PhoneUnsupportedCountryCode, msgCC, "Not a valid country prefix"},
	}
	for _, tt := range tests {
		t.Run(string(tt.code), func(t *testing.T) {
			t.Parallel()
			e := &PhoneError{Code: tt.code}
			assert.Equal(t, tt.ui, e.Error())
			assert.Equal(t, tt.v2, e.V2Message())
		})
	}
	// The en dash is U+2013, the country-code hyphen ASCII.
	assert.Contains(t, msgInvalid, "\u2013")
	assert.Contains(t, msgNotUK, "\u2013")
	assert.NotContains(t, msgCC, "\u2013")
	assert.Equal(t, "INVALID_NUMBER", string(PhoneInvalidNumber))
	assert.Equal(t, "UNSUPPORTED_COUNTRY_CODE", string(PhoneUnsupportedCountryCode))
}

// notifications-utils' test_phone_number.py: valid_uk_mobile_phone_numbers.
var validUKMobiles = []string{
	"7723456789",
	"07723456789",
	"07723 456789",
	"07723-456-789",
	"00447723456789",
	"00 44 7723456789",
	"+447723456789",
	"+44 7723 456 789",
	"+44 (0)7723 456 789",
	"\u200b\t\t+44 (0)7723 456 789\ufeff \r\n",
}

func TestParsePhoneNumberValidUKMobiles(t *testing.T) {
	t.Parallel()
	for _, in := range validUKMobiles {
		t.Run(fmt.Sprintf("%q", in), func(t *testing.T) {
			t.Parallel()
			p := mustParse(t, in)
			assert.Equal(t, "447723456789", p.Normalised)
			assert.True(t, p.UK)
			assert.False(t, p.International)
			assert.False(t, p.CrownDependency)
			assert.False(t, p.Landline)
			assert.Equal(t, "44", p.Prefix)
			assert.Equal(t, 44, p.CountryCode)
			assert.NoError(t, p.Validate(false, false))
			assert.NoError(t, p.Validate(true, false))
			assert.NoError(t, p.Validate(false, true))
		})
	}
}

// notifications-utils' test_phone_number.py: valid_international_phone_numbers.
func TestParsePhoneNumberValidInternational(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in         string
		normalised string // "" when the upstream test does not state it
		uk         bool
	}{
		{"+7 (8) (495) 123-45-67", "", false},
		{"784951234567", "", false},
		{"1\u2011202\u2013555\u2014010\u22124", "12025550104", false},
		{"0012025550104", "12025550104", false},
		{"230 5 2512345", "23052512345", false},
		{"+33122334455", "33122334455", false},
		{"+43 676 111 222 333 4", "436761112223334", false},
		{"23052512345", "23052512345", false},
		{"+447797292290", "447797292290", true}, // Jersey
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			p := mustParse(t, tt.in)
			if tt.normalised != "" {
				assert.Equal(t, tt.normalised, p.Normalised)
			}
			assert.Equal(t, tt.uk, p.UK, "is_uk_phone_number")
			assert.True(t, p.International)
			assert.NoError(t, p.Validate(true, false))
			assert.NoError(t, p.Validate(true, true))
		})
	}
}

// notifications-utils' test_phone_number.py: valid_uk_landlines.
func TestParsePhoneNumberUKLandlines(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"0117 496 0860", "44 117 496 0860", "016064 1234", "030 1234 5678", "01709510122"} {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			p := mustParse(t, in)
			assert.True(t, p.UK)
			assert.True(t, p.Landline)
			assert.False(t, p.International)
			assert.NoError(t, p.Validate(false, true))
			assert.NoError(t, p.Validate(true, true))
			for _, intl := range []bool{false, true} {
				err := p.Validate(intl, false)
				require.Error(t, err)
				assert.Equal(t, PhoneNotUKMobile, phoneCode(t, err))
				assert.Equal(t, msgNotUK, err.Error())
				assert.Equal(t, "Not a UK mobile number", err.(*PhoneError).V2Message())
			}
		})
	}
}

// Upstream's cases: numbers refused, with their exact messages.
func TestPhoneNumberInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		msg  string
		intl []bool // the intl settings the upstream test runs it with
	}{
		{"772345678910", msgLong, []bool{false}},
		{"0044772345678910", msgLong, []bool{false, true}},
		{"0772345678", msgInvalid, []bool{false, true}},
		{"00447723456", msgInvalid, []bool{false, true}},
		{"07890x32109", msgChars, []bool{false, true}},
		{"07723 ☟☜⬇⬆☞☝", msgChars, []bool{false, true}},
		{"07\";DROP TABLE;\"", msgChars, []bool{false, true}},
		{"ALPHANUM3R1C", msgChars, []bool{false, true}},
		{"079OO900123", msgChars, []bool{false, true}},
		{"80100000000", msgLong, []bool{true}},
		{"+682 1234", msgInvalid, []bool{true}},
		{"0400 123 4567", msgInvalid, []bool{true}},
		{"0300 46 46", msgInvalid, []bool{true}},
		{"0845 46 31", msgInvalid, []bool{true}},
		{"0900 123 4567", msgInvalid, []bool{true}},
		{"", msgShort, []bool{false, true}},
	}
	for _, tt := range tests {
		for _, intl := range tt.intl {
			t.Run(fmt.Sprintf("%s/intl=%v", tt.in, intl), func(t *testing.T) {
				t.Parallel()
				// Whichever stage refuses it, the message is the same.
				p, err := ParsePhoneNumber(tt.in)
				if err == nil {
					err = p.Validate(intl, false)
				}
				require.Error(t, err)
				assert.Equal(t, tt.msg, err.Error())
			})
		}
	}
}

// Upstream's cases: international numbers without permission.
func TestPhoneNumberInternationalNotAllowed(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"+14158961600", "+1 202-483-3000", "+74953087842"} {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			p := mustParse(t, in)
			assert.False(t, p.UK)
			err := p.Validate(false, true)
			require.Error(t, err)
			assert.Equal(t, PhoneNotUKMobile, phoneCode(t, err))
			assert.NoError(t, p.Validate(true, true))
		})
	}
}

// Numbers of countries upstream does not support.
func TestPhoneNumberUnsupportedCountry(t *testing.T) {
	t.Parallel()
	p := mustParse(t, "24741111")
	err := p.Validate(true, false)
	require.Error(t, err)
	assert.Equal(t, PhoneUnsupportedCountryCode, phoneCode(t, err))
	assert.Equal(t, msgCC, err.Error())
	assert.Equal(t, "Not a valid country prefix", err.(*PhoneError).V2Message())

	_, err = ParsePhoneNumber("0033877123456")
	require.Error(t, err)
	phoneCode(t, err)
}

// The constructor's failure codes (notifications-utils' test_phone_number.py: test_validate_normalised_fails).
func TestParsePhoneNumberFailureCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		code PhoneErrorCode
	}{
		{"(06)25123456", PhoneInvalidNumber},
		{"+0065951123456", PhoneTooLong},
		{"003570123456", PhoneInvalidNumber},
		{"00407833123456", PhoneTooLong},
		{"005915209123456", PhoneTooLong},
		{"0064 495123456", PhoneInvalidNumber},
		{"0092363123456", PhoneInvalidNumber},
		{"047354123456", PhoneTooLong},
		{"", PhoneTooShort},
		{"07890x32109", PhoneUnknownCharacter},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			_, err := ParsePhoneNumber(tt.in)
			require.Error(t, err)
			assert.Equal(t, tt.code, phoneCode(t, err))
		})
	}
}

// Upstream's cases: nearly valid numbers and TV numbers.
func TestParsePhoneNumberNormalises(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"+07044123456", "447044123456"},
		{"0+447988123456", "447988123456"},
		{"04407379123456", "447379123456"},
		{"000007392123456", "447392123456"},
		{"007341123456", "447341123456"},
		{"+01158123456", "441158123456"},
		{"+03332123456", "443332123456"},
		{"07700900010", "447700900010"},
		{"447700900020", "447700900020"},
		{"+447700900030", "447700900030"},
		{"+(44) 77009-00855", "447700900855"},
		{"  +(44) 77009-00855\n", "447700900855"},
		{"07700 900000", "447700900000"},
		{"+4407900 900 123", "447900900123"},
		{"+1 928-282-4541", "19282824541"},
		{"1-202-555-0104", "12025550104"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			p := mustParse(t, tt.in)
			assert.Equal(t, tt.want, p.Normalised)
		})
	}
}

// The international information of a number (upstream's cases; the
// rate multipliers are checked with the billing table).
func TestPhoneNumberInternationalInfo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in            string
		international bool
		crown         bool
		prefix        string
	}{
		{"07723456789", false, false, "44"},
		{"07797800123", true, true, "44"},
		{"20-12-1234-1234", true, false, "20"},
		{"00201212341234", true, false, "20"},
		{"16644913789", true, false, "1664"},
		{"77234567890", true, false, "7"},
		{"1-202-555-0104", true, false, "1"},
		{"+23052512345", true, false, "230"},
		{"07700900010", false, false, "44"},
		{"447700900020", false, false, "44"},
		{"+447700900030", false, false, "44"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			p := mustParse(t, tt.in)
			assert.Equal(t, tt.international, p.International, "international")
			assert.Equal(t, tt.crown, p.CrownDependency, "crown dependency")
			assert.Equal(t, tt.prefix, p.Prefix, "prefix")
			assert.Equal(t, tt.prefix == "44", p.UK)
			assert.NoError(t, p.Validate(true, false))
		})
	}
}

// Crown-dependency and TV numbers count as UK for permissions.
func TestPhoneNumberValidateUKSpecials(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"+447797292290", "07797800123", "07700900010"} {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			p := mustParse(t, in)
			assert.NoError(t, p.Validate(false, false))
		})
	}
}

// Upstream's cases: every UK mobile row matches the guest list entry
// "07723456789" and no other; US numbers match in both spellings.
func TestFormatRecipient(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"foo", "foo"},
		{"  foo ", "foo"},
		{"", ""},
		{"TeSt@ExAmPl3.com", "test@exampl3.com"},
		{" TeSt@ExAmPl3.com\u200b", "test@exampl3.com"},
		{"+4407900 900 123", "447900900123"},
		{"+1 928-282-4541", "19282824541"},
		{"1-202-555-0104", "12025550104"},
		{"0012025550104", "12025550104"},
		{"0117 496 0860", "441174960860"},
		{"not an @ email", "not an @ email"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, FormatRecipient(tt.in))
		})
	}

	allowed := []string{"07723456789", "07700900460", "test@example.com"}
	refused := []string{"07700900460", "07700900461", "test@example.com"}
	matches := func(r string, list []string) bool {
		for _, x := range list {
			if FormatRecipient(x) == FormatRecipient(r) {
				return true
			}
		}
		return false
	}
	for _, in := range validUKMobiles {
		assert.True(t, matches(in, allowed), "%q against %v", in, allowed)
		assert.False(t, matches(in, refused), "%q against %v", in, refused)
	}
}

// Checks upstream quirks the algorithm must keep.
func TestParsePhoneNumberEdgeCases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // normalised; "" means an error with code
		code PhoneErrorCode
	}{
		{"+", "", PhoneTooShort},
		{"0", "", PhoneTooShort},
		{"   ", "", PhoneInvalidNumber},
		{"\u200b", "", PhoneTooShort},
		{"07723456789\r\n", "447723456789", ""},
		{"07723456789)", "447723456789", ""},
		{"07723\u00a0456789", "447723456789", ""},
		{"07723\u202f456789", "447723456789", ""},
		{"07723 456789…", "", PhoneUnknownCharacter},
		{"０７７２３４５６７８９", "", PhoneUnknownCharacter},
		{"07723\u2003456789", "", PhoneUnknownCharacter},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			t.Parallel()
			p, err := ParsePhoneNumber(tt.in)
			if tt.want != "" {
				require.NoError(t, err)
				assert.Equal(t, tt.want, p.Normalised)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tt.code, phoneCode(t, err))
		})
	}
}

// No canonical decomposition of a non-ASCII rune starts with a digit, a
// space or ( ) + -, so sanitisePhoneASCII may send every rune it does not
// map to "?" without changing an outcome.
func TestSanitisePhoneASCIIDecompositions(t *testing.T) {
	t.Parallel()
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		d := norm.NFD.String(string(r))
		first, _ := utf8.DecodeRuneInString(d)
		if first < 0x80 && isPhoneRune(first) {
			t.Fatalf("U+%04X decomposes to %q", r, d)
		}
	}
	assert.Equal(t, "1-202-555-010-4", sanitisePhoneASCII("1\u2011202\u2013555\u2014010\u22124"))
	assert.Equal(t, "07 723?", sanitisePhoneASCII("0\u200b7\u00a0723\u2026"))
	assert.Equal(t, "abc", sanitisePhoneASCII("abc"))
}

// isGBMobile agrees with the library for every five-digit prefix: where
// it says yes the number is a valid GB mobile, and where it says no the
// number is something else (or a personal number or TV number, which the
// fast path leaves to the full rules).
func TestIsGBMobileMatchesMetadata(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	step := 1
	if raceEnabled {
		step = 13 // .ci/run also runs this test without -race, over every prefix
	}
	for prefix := 70000; prefix <= 79999; prefix += step {
		nsn := fmt.Sprintf("%05d%05d", prefix, rng.IntN(100000))
		n, err := strconv.ParseUint(nsn, 10, 64)
		require.NoError(t, err)
		num := &phonenumbers.PhoneNumber{CountryCode: proto.Int32(44), NationalNumber: proto.Uint64(n)}
		// Region GB and type mobile imply IsValidNumber.
		libMobile := phonenumbers.GetRegionCodeForNumber(num) == "GB" &&
			phonenumbers.GetNumberType(num) == phonenumbers.MOBILE
		require.Equal(t, libMobile, isGBMobile([]byte(nsn)), nsn)
	}
}

// The fast-path formats agree with the full rules across the mobile range:
// every tenth five-digit prefix, a random number and one format each.
func TestPhoneFastPathExhaustive(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	formats := func(nsn string) []string {
		return []string{
			"0" + nsn,
			"+44" + nsn,
			"44" + nsn,
			nsn,
			" 0" + nsn[:4] + " " + nsn[4:7] + " " + nsn[7:] + " ",
			"+44 " + nsn[:4] + " " + nsn[4:],
		}
	}
	answered := 0
	step, want := 10, 700
	if raceEnabled {
		step, want = 130, 50 // .ci/run also runs this test without -race
	}
	for prefix := 70000 + rng.IntN(10); prefix <= 79999; prefix += step {
		nsn := fmt.Sprintf("%05d%05d", prefix, rng.IntN(100000))
		all := formats(nsn)
		in := all[(prefix/10)%len(all)]
		fast, ok := parseUKMobileFast(in)
		if !ok {
			continue
		}
		answered++
		full, err := parsePhoneFull(in)
		require.NoError(t, err, in)
		require.Equal(t, full, fast, in)
	}
	assert.Greater(t, answered, want, "the fast path answers for most of the 07 range")
}

func TestPhoneFastPathDeclines(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"07044123456",  // personal number
		"07623456789",  // pager range
		"0772345678",   // too short
		"077234567890", // too long
		"+44 07723456789",
		"+ 447723456789",
		"4 47723456789",
		"+4 47723456789",
		"0044 7723456789",
		"07723-456-789",
		"07723\t456789",
		"07797800123", // Jersey
		"07624123456", // Isle of Man
		"07911123456", // Guernsey range 7911[17]
		"",
	} {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			_, ok := parseUKMobileFast(in)
			assert.False(t, ok)
		})
	}
	for _, in := range []string{"07723456789", "+447723456789", "447723456789", "7723456789", " 07723 456 789 ", "+44 7723 456 789", "44 7723456789", "0 7723456789", "+44  7 7 2 3 4 5 6 7 8 9"} {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			p, ok := parseUKMobileFast(in)
			require.True(t, ok)
			assert.Equal(t, "447723456789", p.Normalised)
		})
	}
}

func BenchmarkParsePhoneNumber(b *testing.B) {
	for _, in := range []string{"07723456789", "+44 7723 456 789", "+44 (0)7723 456 789", "0117 496 0860", "+1 202-483-3000", "07700900010", "07890x32109"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = ParsePhoneNumber(in)
			}
		})
	}
}

// BenchmarkValidatePhone is the send path: parse then apply permissions,
// with and without the UK-mobile fast path.
func BenchmarkValidatePhone(b *testing.B) {
	run := func(b *testing.B, parse func(string) (PhoneNumber, error), in string) {
		b.ReportAllocs()
		for b.Loop() {
			p, err := parse(in)
			if err == nil {
				_ = p.Validate(false, false)
			}
		}
	}
	for _, in := range []string{"07723456789", "+447723456789", "07723 456 789"} {
		b.Run("fast/"+in, func(b *testing.B) { run(b, ParsePhoneNumber, in) })
		b.Run("full/"+in, func(b *testing.B) { run(b, parsePhoneFull, in) })
	}
}

// The rest of upstream's lists in tests/recipient_validation/
// test_phone_number.py (rows beyond the ones above).
func TestPhoneNumberUpstreamLists(t *testing.T) {
	t.Parallel()
	international := []string{
		"007 (8) (495) 123-45-67", "1-202-555-0104", "+12025550104", "+0012025550104",
		"+682 50 123", "0033122334455", "74991231212",
	}
	for _, in := range international {
		t.Run("international/"+in, func(t *testing.T) {
			t.Parallel()
			p := mustParse(t, in)
			assert.False(t, p.UK)
			assert.NoError(t, p.Validate(true, false))
		})
	}
	for _, in := range []string{"+447797292290", "+447797333214"} {
		t.Run("channel-islands/"+in, func(t *testing.T) {
			t.Parallel()
			p := mustParse(t, in)
			assert.True(t, p.UK)
			assert.True(t, p.CrownDependency)
			assert.NoError(t, p.Validate(true, false))
		})
	}
	for _, in := range []string{"0044 117 496 0860", "+44 117 496 0860", "020 7946 0991", "0550 123 4567"} {
		t.Run("landline/"+in, func(t *testing.T) {
			t.Parallel()
			p := mustParse(t, in)
			assert.True(t, p.Landline)
			assert.Equal(t, PhoneNotUKMobile, phoneCode(t, p.Validate(true, false)))
			assert.NoError(t, p.Validate(false, true))
		})
	}
	codes := []struct {
		in   string
		code PhoneErrorCode
	}{
		{"0600 123 4567", PhoneInvalidNumber},
		{"0800 11 12", PhoneInvalidNumber},
		{"0845 46 46", PhoneInvalidNumber},
		{"0772345678910", PhoneTooLong},
		{"+44 (0)7723 456 789 10", PhoneTooLong},
		{"004477234567", PhoneInvalidNumber},
		{"+44 (0)7723 456 78", PhoneInvalidNumber},
		{"07723 456789...", PhoneUnknownCharacter},
		{"07723☟☜⬇⬆☞☝", PhoneUnknownCharacter},
		{"+44 07ab cde fgh", PhoneUnknownCharacter},
		{"abcd", PhoneUnknownCharacter},
		{"1234567", PhoneInvalidNumber},
		{"+12345 12345 12345 6", PhoneTooLong},
		{"(07417)4123456", PhoneTooLong},
		{"+00263 71123456", PhoneInvalidNumber},
		{"00129123456", PhoneInvalidNumber},
		{"0038097123456", PhoneTooLong},
		{"0041903123456", PhoneInvalidNumber},
		{"00617584123456", PhoneInvalidNumber},
		{"00667123456", PhoneInvalidNumber},
		{"009677337123456", PhoneTooLong},
		{"0049 160 123456", PhoneInvalidNumber},
	}
	for _, tt := range codes {
		t.Run("refused/"+tt.in, func(t *testing.T) {
			t.Parallel()
			_, err := ParsePhoneNumber(tt.in)
			require.Error(t, err)
			assert.Equal(t, tt.code, phoneCode(t, err))
		})
	}
	normalised := []struct{ in, want string }{
		{"0+44(0)7779123456", "447779123456"},
		{"00447911123456", "447911123456"},
		{"0447300123456", "447300123456"},
		{"0007465123456", "447465123456"},
		{"001708123456", "441708123456"},
		{"+01323123456", "441323123456"},
		{"+04915161123456", "4915161123456"},
		{"+12025550104", "12025550104"},
		{"+0012025550104", "12025550104"},
		{"77234567890", "77234567890"},
	}
	for _, tt := range normalised {
		t.Run("normalised/"+tt.in, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, mustParse(t, tt.in).Normalised)
		})
	}
	for _, in := range []string{"+3225484211", "+7 495 308-78-41"} {
		t.Run("not-uk/"+in, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, PhoneNotUKMobile, phoneCode(t, mustParse(t, in).Validate(false, true)))
		})
	}
}

// The fast path answers for TV numbers exactly as the full rules do.
func TestPhoneFastPathTVNumbers(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	step := 1
	if raceEnabled {
		step = 7
	}
	for d := 0; d <= 9; d++ {
		for i := 0; i < 100; i += step {
			nsn := fmt.Sprintf("7700%d%05d", d, rng.IntN(100000))
			for _, in := range []string{"0" + nsn, "+44" + nsn, "44" + nsn, "0" + nsn[:4] + " " + nsn[4:], "+44 " + nsn} {
				fast, ok := parseUKMobileFast(in)
				require.True(t, ok, in)
				full, err := parsePhoneFull(in)
				require.NoError(t, err, in)
				require.Equal(t, full, fast, in)
			}
		}
	}
}
