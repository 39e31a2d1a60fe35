package gsm

import (
	"strings"
	"unicode/utf8"

	"github.com/notifykit/notify/internal/pyfmt"
)

// ASCII character kinds for Normalise.
const (
	kindText      = iota // GSM character, written as is
	kindOther            // not GSM: sanitised
	kindSpace            // Python whitespace within a line
	kindLineBreak        // Python line boundary
)

// asciiKinds is the kind of each ASCII character.
var asciiKinds = func() (t [utf8.RuneSelf]uint8) {
	for c := range t {
		switch {
		case pyfmt.IsLineBreak(rune(c)):
			t[c] = kindLineBreak
		case pyfmt.IsSpace(rune(c)):
			t[c] = kindSpace
		case asciiClass[c] == None:
			t[c] = kindOther
		}
	}
	return t
}()

// Normalise splits s into lines as Python's splitlines does, collapses
// whitespace within each line (dropping zero-width characters), keeps at
// most one empty line between lines, trims the ends and GSM-sanitises the
// rest, all in one pass.
func Normalise(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	breaks := 0           // line breaks since the last line with content
	wrote := false        // some content has been written
	inLine := false       // the current line has content
	pendingSpace := false // whitespace seen after content on this line
	// startText is called before writing content.
	startText := func() {
		if !inLine {
			if wrote {
				b.WriteString("\n\n"[:min(breaks, 2)])
			}
			breaks, inLine, wrote = 0, true, true
		} else if pendingSpace {
			b.WriteByte(' ')
		}
		pendingSpace = false
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch asciiKinds[c] {
			case kindText:
				// Take the longest run of GSM ASCII text, single spaces
				// between words included.
				j := i + 1
				for j < len(s) && s[j] < utf8.RuneSelf {
					if asciiKinds[s[j]] == kindText {
						j++
					} else if s[j] == ' ' && j+1 < len(s) && s[j+1] < utf8.RuneSelf && asciiKinds[s[j+1]] == kindText {
						j += 2
					} else {
						break
					}
				}
				startText()
				b.WriteString(s[i:j])
				i = j
			case kindOther:
				startText()
				b.WriteByte('?')
				i++
			case kindSpace:
				pendingSpace = inLine
				i++
			default: // line break; CR LF is one
				i++
				if c == '\r' && i < len(s) && s[i] == '\n' {
					i++
				}
				breaks++
				inLine, pendingSpace = false, false
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case pyfmt.IsLineBreak(r):
			breaks++
			inLine, pendingSpace = false, false
		case pyfmt.IsZeroWidth(r):
		case pyfmt.IsSpace(r):
			pendingSpace = inLine
		default:
			startText()
			appendSanitised(&b, r)
		}
	}
	return b.String()
}
