package pyfmt

import "strings"

// IsSpace reports whether Python's str.isspace() is true for r (the
// characters \s matches in a str pattern).
func IsSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f, ' ', 0x85, 0xa0, 0x1680, 0x2028, 0x2029,
		0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// IsLineBreak reports whether Python's str.splitlines() splits at r.
func IsLineBreak(r rune) bool {
	switch r {
	case '\n', '\r', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
		return true
	}
	return false
}

// IsZeroWidth reports whether r is one of the zero-width characters that
// upstream removes along with whitespace (its OBSCURE_ZERO_WIDTH_WHITESPACE:
// U+180E, U+200B, U+200C, U+200D, U+2060 and U+FEFF). Python does not count
// them as whitespace.
func IsZeroWidth(r rune) bool {
	switch r {
	case 0x180e, 0x200b, 0x200c, 0x200d, 0x2060, 0xfeff:
		return true
	}
	return false
}

// Strip is Python's str.strip() without arguments.
func Strip(s string) string {
	return strings.TrimFunc(s, IsSpace)
}
