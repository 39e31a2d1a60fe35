package gsm

import (
	"slices"
	"unicode/utf8"
)

// Counts measures SMS text, added segment by segment.
type Counts struct {
	// Units is the number of UTF-16 code units: upstream's character
	// count, in which extension characters count once.
	Units int
	// Extension is the number of GSM extension characters, which take two
	// septets in a GSM-7 message.
	Extension int
	// UCS2 is true when a Welsh character outside GSM forces the message
	// into UCS-2.
	UCS2 bool
}

// Add counts s.
func (c *Counts) Add(s string) {
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			c.Units++
			if asciiClass[b] == Extension {
				c.Extension++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		c.Units++
		if r >= 0x10000 {
			c.Units++
		}
		switch ClassOf(r) {
		case Extension:
			c.Extension++
		case WelshNonGSM:
			c.UCS2 = true
		}
	}
}

// Fragments is the number of fragments (billable units) of the text
// counted: in UCS-2, 1 up to 70 units, else ceil(units/67); in GSM-7,
// with extension characters counting twice, 1 up to 160, else
// ceil(n/153).
func (c Counts) Fragments() int {
	n := c.Units
	if c.UCS2 {
		if n <= 70 {
			return 1
		}
		return (n + 66) / 67
	}
	n += c.Extension
	if n <= 160 {
		return 1
	}
	return (n + 152) / 153
}

// AppendUCS2 appends to out the characters of s that force UCS-2 (the
// Welsh accented vowels outside GSM) and are not in out yet, in order of
// first appearance.
func AppendUCS2(out []rune, s string) []rune {
	for _, r := range s {
		if ClassOf(r) == WelshNonGSM && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}
