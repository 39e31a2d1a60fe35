package notify

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/notifykit/notify/internal/prefixes"
)

// PhoneErrorCode says why a phone number was refused. The values are
// upstream's (notifications-utils InvalidPhoneError.Codes).
type PhoneErrorCode string

// Phone error codes.
const (
	// PhoneInvalidNumber: the right length but not a valid number of an
	// allowed type (e.g. UK 06…, premium rate), or unparseable.
	PhoneInvalidNumber PhoneErrorCode = "INVALID_NUMBER"
	// PhoneTooLong: too many digits for the country.
	PhoneTooLong PhoneErrorCode = "TOO_LONG"
	// PhoneTooShort: too few digits for the country, or empty.
	PhoneTooShort PhoneErrorCode = "TOO_SHORT"
	// PhoneNotUKMobile: a non-UK number without international permission,
	// or a UK landline without landline permission.
	PhoneNotUKMobile PhoneErrorCode = "NOT_A_UK_MOBILE"
	// PhoneUnknownCharacter: something other than digits, whitespace and
	// ( ) + -.
	PhoneUnknownCharacter PhoneErrorCode = "UNKNOWN_CHARACTER"
	// PhoneUnsupportedCountryCode: a country code notify cannot send to.
	PhoneUnsupportedCountryCode PhoneErrorCode = "UNSUPPORTED_COUNTRY_CODE"
)

// phoneMessages holds, per code, the UI text (utils errors.py
// str(error)) and the legacy v2 API text.
var phoneMessages = map[PhoneErrorCode][2]string{
	PhoneInvalidNumber: {
		"Number is not valid – double check the phone number you entered",
		"Number is not valid – double check the phone number you entered",
	},
	PhoneTooLong:  {"Mobile number is too long", "Too many digits"},
	PhoneTooShort: {"Mobile number is too short", "Not enough digits"},
	PhoneNotUKMobile: {
		"This does not look like a UK mobile number – double check the mobile number you entered",
		"Not a UK mobile number",
	},
	PhoneUnknownCharacter: {
		"Mobile numbers can only include: 0 1 2 3 4 5 6 7 8 9 ( ) + -",
		"Must not contain letters or symbols",
	},
	PhoneUnsupportedCountryCode: {
		"Country code not found - double check the mobile number you entered",
		"Not a valid country prefix",
	},
}

// PhoneError is a phone validation failure. Error() returns the UI text
// (notifications-utils' str(error)), V2Message() the text the v2 API
// answers with.
type PhoneError struct {
	Code PhoneErrorCode
}

// Error returns the UI message for the code.
func (e *PhoneError) Error() string {
	if m, ok := phoneMessages[e.Code]; ok {
		return m[0]
	}
	return phoneMessages[PhoneInvalidNumber][0]
}

// V2Message returns the message the public v2 API shows for the code.
func (e *PhoneError) V2Message() string {
	if m, ok := phoneMessages[e.Code]; ok {
		return m[1]
	}
	return phoneMessages[PhoneInvalidNumber][1]
}

func phoneErr(code PhoneErrorCode) *PhoneError { return &PhoneError{Code: code} }

// PhoneNumber is a number that parsed: the constructor stage of the phone
// rules (upstream's PhoneNumber(str)), before any service permission is applied.
type PhoneNumber struct {
	// Normalised is E.164 without "+", e.g. "447723456789".
	Normalised string
	// CountryCode is the country calling code, e.g. 44.
	CountryCode int
	// Prefix is upstream's phone_prefix: the country code, or for the North
	// American Numbering Plan a four-digit code with its own billing entry
	// such as "1664".
	Prefix string
	// UK is upstream's is_uk_phone_number(): country code 44, including
	// crown dependencies and TV numbers.
	UK bool
	// International: the number's region is not GB (crown dependencies JE,
	// GG and IM count as international); TV numbers are not international.
	International bool
	// CrownDependency: a +44 number of Jersey, Guernsey or the Isle of Man.
	CrownDependency bool
	// Landline: a +44 number of type fixed line, fixed line or mobile, or
	// UAN (not mobile, not a TV number).
	Landline bool
}

// ParsePhoneNumber runs the constructor stage of the phone rules on s:
// characters checked, trailing junk trimmed, libphonenumber's GB then
// international parse, the validity and type checks, one retry without
// + and leading zeros, and E.164 normalisation; and returns the parsed number. Errors are *PhoneError.
// Plain UK mobile numbers take a fast path that gives the same answer
// without calling the phonenumbers library.
func ParsePhoneNumber(s string) (PhoneNumber, error) {
	if p, ok := parseUKMobileFast(s); ok {
		return p, nil
	}
	return parsePhoneFull(s)
}

// parsePhoneFull is ParsePhoneNumber without the fast path.
func parsePhoneFull(s string) (PhoneNumber, error) {
	num, typ, err := parsePhoneStage(s)
	if err != nil {
		// Upstream _thoroughly_normalise_number, then one more try.
		num, typ, err = parsePhoneStage(sanitisePhoneASCII(strings.TrimLeft(strings.ReplaceAll(s, "+", ""), "0")))
		if err != nil {
			return PhoneNumber{}, err
		}
	}
	return newPhoneNumber(num, typ), nil
}

// Validate runs the service-permission stage (upstream
// validate(allow_international_number, allow_uk_landline)): a number
// outside +44 without international permission, or a UK landline without
// landline permission, is PhoneNotUKMobile; a country code notify cannot
// send to is PhoneUnsupportedCountryCode. Errors are *PhoneError.
func (p PhoneNumber) Validate(allowInternational, allowLandline bool) error {
	if !allowInternational && p.CountryCode != 44 {
		return phoneErr(PhoneNotUKMobile)
	}
	if p.CountryCode == 44 && p.Landline && !allowLandline {
		return phoneErr(PhoneNotUKMobile)
	}
	if p.CountryCode != 44 && !prefixes.Supported(strconv.Itoa(p.CountryCode)) {
		return phoneErr(PhoneUnsupportedCountryCode)
	}
	return nil
}

// isPhoneWhitespace reports whether r is in upstream's ALL_WHITESPACE:
// Python's string.whitespace plus zero-width and no-break spaces.
func isPhoneWhitespace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f',
		'\u180e', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u2028', '\u2029',
		'\u00a0', '\u202f':
		return true
	}
	return false
}

// isPhoneRune reports whether r may appear in a phone number at all.
func isPhoneRune(r rune) bool {
	return (r >= '0' && r <= '9') || r == '(' || r == ')' || r == '-' || r == '+' || isPhoneWhitespace(r)
}

// trimPhoneEnd drops trailing runes that are neither a letter, a number
// nor '#'. libphonenumber does this itself, but the Go port's pattern is
// written in Java regex syntax and never matches.
func trimPhoneEnd(s string) string {
	for len(s) > 0 {
		r, size := utf8.DecodeLastRuneInString(s)
		if unicode.IsLetter(r) || unicode.IsNumber(r) || r == '#' {
			break
		}
		s = s[:len(s)-size]
	}
	return s
}

// parsePhoneStage is one attempt of upstream parse_phone_number. It
// returns the number and its type.
func parsePhoneStage(s string) (num *phonenumbers.PhoneNumber, typ phonenumbers.PhoneNumberType, err error) {
	defer func() {
		// The library is not ours; never let it take the caller down.
		if r := recover(); r != nil {
			num, typ, err = nil, phonenumbers.UNKNOWN, phoneErr(PhoneInvalidNumber)
		}
	}()
	for _, r := range s {
		if !isPhoneRune(r) {
			return nil, phonenumbers.UNKNOWN, phoneErr(PhoneUnknownCharacter)
		}
	}
	if s == "" {
		return nil, phonenumbers.UNKNOWN, phoneErr(PhoneTooShort)
	}
	s = trimPhoneEnd(s)
	num, perr := phonenumbers.Parse(s, "GB")
	if perr != nil {
		return nil, phonenumbers.UNKNOWN, phoneErr(PhoneInvalidNumber)
	}
	if reason := phonenumbers.IsPossibleNumberWithReason(num); reason != phonenumbers.IS_POSSIBLE {
		forced, ferr := phonenumbers.Parse("+"+s, "")
		if ferr == nil && phonenumbers.IsPossibleNumber(forced) {
			num = forced
		} else {
			return nil, phonenumbers.UNKNOWN, phoneErr(codeForReason(reason))
		}
	}
	typ = phonenumbers.GetNumberType(num)
	if !phonenumbers.IsValidNumber(num) || !allowedPhoneType(typ) {
		if isTVNumber(num) {
			return num, typ, nil
		}
		return nil, phonenumbers.UNKNOWN, phoneErr(PhoneInvalidNumber)
	}
	return num, typ, nil
}

// codeForReason maps a libphonenumber possibility result to a code
// (upstream InvalidPhoneError.from_phonenumbers_validation_result).
func codeForReason(r phonenumbers.ValidationResult) PhoneErrorCode {
	switch r {
	case phonenumbers.TOO_LONG:
		return PhoneTooLong
	case phonenumbers.TOO_SHORT, phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return PhoneTooShort
	case phonenumbers.INVALID_COUNTRY_CODE:
		return PhoneUnsupportedCountryCode
	default:
		return PhoneInvalidNumber
	}
}

// allowedPhoneType is upstream's ALLOW_LIST minus DENY_LIST.
func allowedPhoneType(t phonenumbers.PhoneNumberType) bool {
	switch t {
	case phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE,
		phonenumbers.UAN, phonenumbers.PERSONAL_NUMBER:
		return true
	}
	return false
}

// isTVNumber is upstream's _is_tv_number: re.match("7700[900000-900999]")
// on the national number, a character class, so in effect "7700" followed
// by any digit (whatever the country code).
func isTVNumber(num *phonenumbers.PhoneNumber) bool {
	nsn := strconv.FormatUint(num.GetNationalNumber(), 10)
	return len(nsn) >= 5 && strings.HasPrefix(nsn, "7700") && nsn[4] >= '0' && nsn[4] <= '9'
}

// newPhoneNumber fills a PhoneNumber from a parsed library number and its
// type.
func newPhoneNumber(num *phonenumbers.PhoneNumber, typ phonenumbers.PhoneNumberType) PhoneNumber {
	e164 := phonenumbers.Format(num, phonenumbers.E164)
	cc := int(num.GetCountryCode())
	tv := isTVNumber(num)
	region := phonenumbers.GetRegionCodeForNumber(num)
	p := PhoneNumber{
		Normalised:      strings.TrimPrefix(e164, "+"),
		CountryCode:     cc,
		Prefix:          strconv.Itoa(cc),
		UK:              cc == 44,
		International:   region != "GB" && !tv,
		CrownDependency: cc == 44 && region != "GB" && !tv,
	}
	if cc == 1 && len(e164) >= 5 && prefixes.Supported(e164[1:5]) {
		p.Prefix = e164[1:5]
	}
	if cc == 44 {
		switch typ {
		case phonenumbers.FIXED_LINE, phonenumbers.FIXED_LINE_OR_MOBILE, phonenumbers.UAN:
			p.Landline = true
		}
	}
	return p
}

// sanitisePhoneASCII is upstream SanitiseASCII.encode as far as it matters
// for phone numbers: printable ASCII is kept, dash-like characters become
// "-", zero-width characters are dropped, no-break spaces and tabs become a
// space, and everything else becomes "?" (which the character check then
// refuses). Upstream also downgrades accented letters to their base letter;
// letters are refused either way, and no canonical decomposition yields a
// digit, space or ( ) + - (checked in the tests), so the outcome is the same.
func sanitisePhoneASCII(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 0x20 && r <= 0x7e:
			b.WriteRune(r)
		case r == '\u2011' || r == '\u2013' || r == '\u2014' || r == '\u2212':
			b.WriteByte('-')
		case r == '\u180e' || r == '\u200b' || r == '\u200c' || r == '\u200d' ||
			r == '\u2060' || r == '\ufeff' || r == '\u2028' || r == '\u2029':
		case r == '\u00a0' || r == '\u202f' || r == '\t':
			b.WriteByte(' ')
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// parseUKMobileFast answers for the common plain UK mobile formats
// "07xxxxxxxxx", "+447xxxxxxxxx", "447xxxxxxxxx" and "7xxxxxxxxx", with
// ASCII spaces around and between the digits, when the national number is
// certainly a GB mobile or in the TV (drama) range 7700, which tests and
// demos use most. It reports false for anything else, which then takes the
// full rules; where it answers, it answers exactly what the full rules
// answer (FuzzPhoneFastPathAgrees, TestPhoneFastPathExhaustive,
// TestPhoneFastPathTVNumbers).
func parseUKMobileFast(s string) (PhoneNumber, bool) {
	s = strings.Trim(s, " ")
	switch {
	case strings.HasPrefix(s, "+44"):
		s = s[3:]
	case strings.HasPrefix(s, "44"):
		s = s[2:]
	case strings.HasPrefix(s, "0"):
		s = s[1:]
	}
	// The normalised form is "44" and the ten national digits.
	var buf [12]byte
	buf[0], buf[1] = '4', '4'
	n := 2
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(buf) {
				return PhoneNumber{}, false
			}
			buf[n] = c
			n++
		case c == ' ':
			// Spaces between the prefix and the digits or among them.
		default:
			return PhoneNumber{}, false
		}
	}
	if n != len(buf) || !(isGBMobile(buf[2:]) || isTVRange(buf[2:])) {
		return PhoneNumber{}, false
	}
	return PhoneNumber{
		Normalised:  string(buf[:]),
		CountryCode: 44,
		Prefix:      "44",
		UK:          true,
	}, true
}

// isTVRange reports whether a ten-digit national number is in the range
// the full rules accept as an Ofcom drama (TV) number: 7700 followed by a
// digit. Such numbers are UK, not international and not landlines.
func isTVRange(nsn []byte) bool {
	return len(nsn) == 10 && string(nsn[:4]) == "7700"
}

// isGBMobile reports whether the ten-digit national number nsn matches the
// GB mobile pattern of the pinned phonenumbers metadata (v1.8.1):
//
//	7(?:457[0-57-9]|700[01]|911[028])\d{5}|
//	7(?:[1-3]\d\d|4(?:[0-46-9]\d|5[0-689])|5(?:0[0-8]|[13-9]\d|2[0-35-9])|
//	  7(?:0[1-9]|[1-7]\d|8[02-9]|9[0-689])|8(?:[014-9]\d|[23][0-8])|
//	  9(?:[024-9]\d|1[02-9]|3[0-689]))\d{6}
//
// No other GB pattern matches these numbers (fixed lines start 1 or 2,
// personal numbers 70, pagers 76), so such a number is valid, of type
// mobile and of region GB, not a crown dependency. The answer depends on
// the first five digits only; the tests check every five-digit prefix
// against the library.
func isGBMobile(nsn []byte) bool {
	if len(nsn) != 10 || nsn[0] != '7' {
		return false
	}
	a, b, c := nsn[1], nsn[2], nsn[3]
	switch a {
	case '1', '2', '3':
		return true
	case '4':
		// 4(?:[0-46-9]\d|5[0-689]) | 457[0-57-9]
		if b != '5' {
			return true
		}
		if c != '7' {
			return true
		}
		return nsn[4] != '6'
	case '5':
		// 5(?:0[0-8]|[13-9]\d|2[0-35-9])
		switch b {
		case '0':
			return c != '9'
		case '2':
			return c != '4'
		}
		return true
	case '7':
		// 7(?:0[1-9]|[1-7]\d|8[02-9]|9[0-689]) | 700[01]
		switch b {
		case '0':
			return c != '0' || nsn[4] == '0' || nsn[4] == '1'
		case '8':
			return c != '1'
		case '9':
			return c != '7'
		}
		return true
	case '8':
		// 8(?:[014-9]\d|[23][0-8])
		if b == '2' || b == '3' {
			return c != '9'
		}
		return true
	case '9':
		// 9(?:[024-9]\d|1[02-9]|3[0-689]) | 911[028]
		switch b {
		case '1':
			return c != '1' || nsn[4] == '0' || nsn[4] == '2' || nsn[4] == '8'
		case '3':
			return c != '7'
		}
		return true
	}
	return false
}
