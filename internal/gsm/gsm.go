// Package gsm is what an SMS can carry: the GSM 03.38 character set, the
// sanitising that upstream applies to text messages (notifications-utils
// sanitise_text.py, SanitiseSMS), the normalisation of a rendered message,
// and the counting of characters and fragments.
//
// Sanitising keeps GSM basic and extension characters and the Welsh
// accented vowels as they are; a few characters have a fixed replacement
// (dashes, curly quotes, ellipsis, zero-width characters, no-break spaces,
// tab, Ł and ł); a letter with a canonical Unicode decomposition is
// replaced by the first character of that decomposition (ń → n, ç → c),
// repeated while the result is still not allowed (Ậ → Ạ → A); anything
// else becomes "?".
//
// Upstream stops after one level of decomposition even when the result is
// not a GSM character (for example Ạ); this package keeps going so that
// sanitised text only ever holds characters an SMS can carry.
package gsm

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Class is what the SMS sanitiser knows about a character.
type Class uint8

const (
	// None: not allowed as is; replaced, decomposed or "?".
	None Class = iota
	// Basic: in the GSM 03.38 basic character set.
	Basic
	// Extension: in the GSM extension table; counts as two characters.
	Extension
	// WelshNonGSM: a Welsh accented vowel outside GSM; forces UCS-2.
	WelshNonGSM
)

// asciiClass classifies the ASCII range. Every printable character but the
// backtick is in the basic set, as are LF, CR and ESC; ^ { } \ [ ~ ] | are
// extension characters.
var asciiClass = func() (t [utf8.RuneSelf]Class) {
	for c := ' '; c <= '~'; c++ {
		t[c] = Basic
	}
	t['`'] = None
	for _, c := range `^{}\[~]|` {
		t[c] = Extension
	}
	t['\n'], t['\r'], t[0x1b] = Basic, Basic, Basic
	return t
}()

// ClassOf returns the class of r.
func ClassOf(r rune) Class {
	if r < utf8.RuneSelf {
		return asciiClass[r]
	}
	switch r {
	case '£', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', 'Ø', 'ø', 'Å', 'å', 'Δ', 'Φ', 'Γ', 'Λ', 'Ω', 'Π',
		'Ψ', 'Σ', 'Θ', 'Ξ', 'Æ', 'æ', 'ß', 'É', '¤', '¡', 'Ä', 'Ö', 'Ñ', 'Ü', '§', '¿', 'ä', 'ö',
		'ñ', 'ü', 'à':
		return Basic
	case '€':
		return Extension
	case 'ẁ', 'ỳ', 'À', 'È', 'Ì', 'Ò', 'Ù', 'Ẁ', 'Ỳ',
		'á', 'í', 'ó', 'ú', 'ẃ', 'ý', 'Á', 'Í', 'Ó', 'Ú', 'Ẃ', 'Ý',
		'ë', 'ï', 'ẅ', 'ÿ', 'Ë', 'Ï', 'Ẅ', 'Ÿ',
		'â', 'ê', 'î', 'ô', 'û', 'ŵ', 'ŷ', 'Â', 'Ê', 'Î', 'Ô', 'Û', 'Ŵ', 'Ŷ':
		return WelshNonGSM
	}
	return None
}

// replacement returns the fixed replacement of r, if it has one.
func replacement(r rune) (string, bool) {
	switch r {
	case '\u2011', '\u2013', '\u2014', '\u2212': // non-breaking hyphen, en dash, em dash, minus sign
		return "-", true
	case '\u2026': // horizontal ellipsis
		return "...", true
	case '\u2018', '\u2019', '\u201A': // curly and low single quotes
		return "'", true
	case '\u201C', '\u201D', '\u201E': // curly and low double quotes
		return `"`, true
	case '\u180E', '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u2028', '\u2029':
		// Mongolian vowel separator, zero-width space, non-joiner and
		// joiner, word joiner, BOM, line and paragraph separators
		return "", true
	case '\u00A0', '\u202F', '\t': // no-break space, narrow no-break space, tab
		return " ", true
	case 'Ł':
		return "L", true
	case 'ł':
		return "l", true
	}
	return "", false
}

// decomposed returns the allowed base character of a decomposable letter,
// from decompositions.
func decomposed(r rune) (rune, bool) {
	i, ok := slices.BinarySearchFunc(decompositions[:], r, func(p [2]rune, r rune) int { return int(p[0] - r) })
	if !ok {
		return 0, false
	}
	return decompositions[i][1], true
}

// appendSanitised writes the sanitised form of r to b.
func appendSanitised(b *strings.Builder, r rune) {
	if r < utf8.RuneSelf && asciiClass[r] != None {
		b.WriteByte(byte(r))
		return
	}
	if ClassOf(r) != None {
		b.WriteRune(r)
		return
	}
	if s, ok := replacement(r); ok {
		b.WriteString(s)
		return
	}
	if d, ok := decomposed(r); ok {
		b.WriteRune(d)
		return
	}
	b.WriteByte('?')
}

// Sanitise returns s with every character an SMS cannot carry replaced
// (see the package documentation). Text that needs no change is returned
// as is.
func Sanitise(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if asciiClass[c] == None {
				break
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if ClassOf(r) == None {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		appendSanitised(&b, r)
	}
	return b.String()
}
