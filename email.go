package notify

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/notifykit/notify/internal/pyfmt"
	"golang.org/x/net/idna"
)

// ErrInvalidEmail is returned by ValidateEmail for an address that is not
// valid. Its text is upstream's InvalidEmailError message.
var ErrInvalidEmail = errors.New(msgInvalidEmail)

// idnaProfile stands in for Python's "idna" codec (IDNA 2003 nameprep and
// punycode): UTS #46 mapping in transitional mode maps as IDNA 2003 did
// (e.g. ß → ss), with the lookup validation rules.
var idnaProfile = idna.New(idna.MapForLookup(), idna.Transitional(true), idna.BidiRule())

// ValidateEmail applies GOV.UK Notify's email address rules and returns the
// address with surrounding whitespace and zero-width or no-break spaces
// removed (not lower-cased). An invalid address gives an error for which
// errors.Is(err, ErrInvalidEmail) holds.
func ValidateEmail(s string) (string, error) {
	addr := stripEmailWhitespace(s)
	host, ok := splitEmail(addr)
	if !ok {
		return "", ErrInvalidEmail
	}
	if utf8.RuneCountInString(addr) > 320 || strings.Contains(addr, "..") {
		return "", ErrInvalidEmail
	}
	host, ok = idnaEncode(host)
	if !ok {
		return "", ErrInvalidEmail
	}
	labels := strings.Split(host, ".")
	if len(host) > 253 || len(labels) < 2 {
		return "", ErrInvalidEmail
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || !isHostnameLabel(l) {
			return "", ErrInvalidEmail
		}
	}
	if !isTLD(labels[len(labels)-1]) {
		return "", ErrInvalidEmail
	}
	return addr, nil
}

// stripEmailWhitespace is upstream strip_and_remove_obscure_whitespace:
// zero-width and no-break spaces are removed everywhere, then ASCII
// whitespace is trimmed from both ends.
func stripEmailWhitespace(s string) string {
	if strings.ContainsFunc(s, isObscureWhitespace) {
		s = strings.Map(func(r rune) rune {
			if isObscureWhitespace(r) {
				return -1
			}
			return r
		}, s)
	}
	return strings.Trim(s, " \t\n\r\v\f")
}

// isObscureWhitespace reports whether r is one of upstream's
// OBSCURE_ZERO_WIDTH_WHITESPACE or OBSCURE_FULL_WIDTH_WHITESPACE.
func isObscureWhitespace(r rune) bool {
	switch r {
	case '\u180e', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u2028', '\u2029', '\u00a0', '\u202f':
		return true
	}
	return false
}

// splitEmail matches upstream's
// ^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~\-]+@([^.@][^@\s]+)$ and returns the
// hostname group.
func splitEmail(addr string) (string, bool) {
	at := strings.IndexByte(addr, '@')
	if at < 1 {
		return "", false
	}
	for i := 0; i < at; i++ {
		if !isEmailLocalChar(addr[i]) {
			return "", false
		}
	}
	host := addr[at+1:]
	first, size := utf8.DecodeRuneInString(host)
	if size == 0 || first == '.' || first == '@' || len(host) == size {
		return "", false
	}
	for _, r := range host[size:] {
		if r == '@' || pyfmt.IsSpace(r) {
			return "", false
		}
	}
	return host, true
}

// isEmailLocalChar reports whether c may appear in the local part.
func isEmailLocalChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", c) >= 0
}

// isASCII reports whether s is all ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// idnaEncode is hostname.encode("idna") in Python: an ASCII name is kept
// as it is; otherwise it is split on the four IDNA dots and every
// non-ASCII label is mapped and punycode-encoded. Empty labels are left
// for the caller's label checks.
func idnaEncode(host string) (string, bool) {
	if isASCII(host) {
		return host, true
	}
	labels := splitIDNADots(host)
	for i, l := range labels {
		if l == "" || isASCII(l) {
			continue
		}
		a, err := idnaProfile.ToASCII(l)
		if err != nil || !isASCII(a) {
			return "", false
		}
		labels[i] = a
	}
	return strings.Join(labels, "."), true
}

// splitIDNADots splits s on ".", "。", "．" and "｡".
func splitIDNADots(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if r == '.' || r == '\u3002' || r == '\uff0e' || r == '\uff61' {
			out = append(out, s[start:i])
			start = i + utf8.RuneLen(r)
		}
	}
	return append(out, s[start:])
}

// FormatRecipient normalises a recipient for trial-mode and guest-list
// matching (upstream's format_recipient): a phone number that
// parses becomes E.164 without "+", a valid email address is lower-cased,
// and anything else is returned with surrounding whitespace trimmed.
func FormatRecipient(s string) string {
	if p, err := ParsePhoneNumber(s); err == nil {
		return p.Normalised
	}
	if addr, err := ValidateEmail(s); err == nil {
		return strings.ToLower(addr)
	}
	return strings.TrimSpace(s)
}

// isAlnum reports whether c is an ASCII letter or digit.
func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isHostnameLabel matches upstream's (?i)^(xn|[a-z0-9]+)(-?-[a-z0-9]+)*$:
// letters and digits in runs joined by one or two hyphens.
func isHostnameLabel(l string) bool {
	if l == "" || !isAlnum(l[0]) || !isAlnum(l[len(l)-1]) {
		return false
	}
	hyphens := 0
	for i := 0; i < len(l); i++ {
		switch c := l[i]; {
		case c == '-':
			hyphens++
			if hyphens > 2 {
				return false
			}
		case isAlnum(c):
			hyphens = 0
		default:
			return false
		}
	}
	return true
}

// isTLD matches upstream's (?i)^([a-z]{2,63}|xn--([a-z0-9]+-)*[a-z0-9]+)$:
// 2-63 letters, or a punycode label whose runs of letters and digits
// are joined by single hyphens.
func isTLD(l string) bool {
	if len(l) >= 4 && strings.EqualFold(l[:4], "xn--") {
		rest := l[4:]
		if rest == "" || !isAlnum(rest[0]) || !isAlnum(rest[len(rest)-1]) {
			return false
		}
		for i := 0; i < len(rest); i++ {
			c := rest[i]
			if c == '-' && rest[i-1] == '-' || c != '-' && !isAlnum(c) {
				return false
			}
		}
		return true
	}
	if len(l) < 2 || len(l) > 63 {
		return false
	}
	for i := 0; i < len(l); i++ {
		if c := l[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
