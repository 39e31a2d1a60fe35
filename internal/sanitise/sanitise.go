// Package sanitise neutralises untrusted text before it is written into an
// email's markdown, as upstream does for the personalisation values named
// by sanitise_content_for (notifications-api post_notifications and the
// unsafe-placeholder sanitising of notifications-utils):
//
//  1. every URL that upstream's URL pattern finds (formatters.url) is
//     dealt with: one that looks accidental, made only of letters, digits,
//     "." and "-" ("Mr.Smith", "example.com"), gets a space after each dot
//     so that no mail client links it; any other (with a scheme, a path, a
//     query or an underscore) is removed;
//  2. what remains of an http:// or https:// address (one the pattern does
//     not see, such as https://3232235777 or https://localhost) is removed
//     too, up to the next whitespace or "<": the email renderer links any such
//     address, so none may survive. Upstream keeps these;
//  3. every markdown character of `*_(){}[]<>#+-.!|\ and the backtick is
//     escaped with a backslash, so that the value reads as text: no link,
//     heading, list, emphasis or rule can come from it.
//
// The result renders, in the HTML and plain-text parts of the email, as
// the value's text with its links gone. The body of the API's answer and
// the subject show the backslashes, as upstream's do.
package sanitise

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text returns s sanitised: URLs broken or removed, then markdown
// characters escaped (see the package documentation).
func Text(s string) string {
	return EscapeMarkdown(removeSchemeURLs(BreakURLs(s)))
}

// markdownChars are the characters EscapeMarkdown escapes.
const markdownChars = "`*_(){}[]<>#+-.!|\\"

// EscapeMarkdown puts a backslash before every markdown character of s:
// the backtick and *_(){}[]<>#+-.!|\ (so a backslash is doubled).
func EscapeMarkdown(s string) string {
	if !strings.ContainsAny(s, markdownChars) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.IndexByte(markdownChars, c) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// BreakURLs finds URLs as upstream's formatters.url pattern does,
//
//	(?i)\b(?<![\@\.])(https?:\/\/)?([\w\-]+\.{1})+([a-z]{2,63})(?!\@)\b([/\?#][^<\s]*)?
//
// with Python's Unicode \w, \b and \s, scanning left to right as re.sub
// does. A URL made only of ASCII letters, digits, "." and "-" gets a space
// after each of its dots ("example.com" becomes "example. com"); any other
// is removed. An email address is not a URL: the pattern may not start
// after "@" or end before it. It takes time linear in the length of s,
// where a backtracking engine can take quadratic time.
func BreakURLs(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	sc := &scanner{rs: []rune(s), runLo: -1}
	rs := sc.rs
	var b strings.Builder
	b.Grow(len(s) + 8)
	changed := false
	for i := 0; i < len(rs); {
		end := sc.matchURL(i)
		if end < 0 {
			b.WriteRune(rs[i])
			i++
			continue
		}
		changed = true
		u := string(rs[i:end])
		if accidental(u) {
			b.WriteString(strings.ReplaceAll(u, ".", ". "))
		}
		i = end
	}
	if !changed {
		return s
	}
	return b.String()
}

// accidental reports whether u is made only of [a-zA-Z0-9.-]: a name or
// a domain written by chance rather than a link.
func accidental(u string) bool {
	for i := 0; i < len(u); i++ {
		c := u[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// scanner matches the URL pattern at successive positions of rs. A match
// is a run of [\w-] ending in a dot, then a chain of such (sub)domains,
// then a top-level domain and an optional path. Python's re tries the
// longest chain first and gives back a (sub)domain at a time, so the match
// ends at the deepest node of the chain whose top-level domain fits; that
// answer depends only on where the chain starts, and is kept per node so
// that the many starts which share a chain do not walk it again.
type scanner struct {
	rs []rune
	// deepest[e] is 0 while unknown, else the end of the deepest match
	// from the chain node at e, plus 2 (so 1 is "none").
	deepest []int32
	// runLo and runHi are the last run of [\w-] scanned from a start:
	// every start inside it ends its run at runHi.
	runLo, runHi int
}

// matchURL returns the end of the URL pattern's match starting at rs[i],
// or -1. The scheme is tried before its absence, as Python's re does.
func (sc *scanner) matchURL(i int) int {
	rs := sc.rs
	if !boundary(rs, i) || i > 0 && (rs[i-1] == '@' || rs[i-1] == '.') {
		return -1
	}
	if n := schemeLen(rs[i:]); n > 0 {
		if end := sc.matchHost(i + n); end >= 0 {
			return end
		}
	}
	return sc.matchHost(i)
}

// schemeLen returns 8 for "https://", 7 for "http://" (any case) at the
// start of rs, or 0.
func schemeLen(rs []rune) int {
	const scheme = "https://"
	n := 0
	for j := 0; j < len(scheme); j++ {
		if j == 4 && (n == len(rs) || lower(rs[n]) != 's') {
			continue // the optional "s"
		}
		if n == len(rs) || lower(rs[n]) != rune(scheme[j]) {
			return 0
		}
		n++
	}
	return n
}

// matchHost matches ([\w\-]+\.{1})+([a-z]{2,63})(?!\@)\b([/\?#][^<\s]*)?
// at rs[p] and returns the end of the match, or -1.
func (sc *scanner) matchHost(p int) int {
	r := sc.runHi
	if p < sc.runLo || p >= sc.runHi {
		r = sc.runEnd(p)
		sc.runLo, sc.runHi = p, r
	}
	if r == p || r == len(sc.rs) || sc.rs[r] != '.' {
		return -1
	}
	return sc.deep(r + 1)
}

// runEnd returns the end of the run of [\w-] starting at rs[q].
func (sc *scanner) runEnd(q int) int {
	for q < len(sc.rs) && (isWord(sc.rs[q]) || sc.rs[q] == '-') {
		q++
	}
	return q
}

// next returns the chain node after the node at e (the position after
// the dot of the (sub)domain starting at e), or -1.
func (sc *scanner) next(e int) int {
	r := sc.runEnd(e)
	if r == e || r == len(sc.rs) || sc.rs[r] != '.' {
		return -1
	}
	return r + 1
}

// deep returns the end of the match whose last (sub)domain ends just
// before the deepest node, from e on, where a top-level domain fits, or
// -1. It walks the chain once, iteratively, and remembers every node.
func (sc *scanner) deep(e int) int {
	if sc.deepest == nil {
		sc.deepest = make([]int32, len(sc.rs)+1)
	}
	var chain []int
	below := -1
	for cur := e; ; {
		if v := sc.deepest[cur]; v != 0 {
			below = int(v) - 2
			break
		}
		chain = append(chain, cur)
		if cur = sc.next(cur); cur < 0 {
			break
		}
	}
	for j := len(chain) - 1; j >= 0; j-- {
		if below < 0 {
			below = sc.tld(chain[j])
		}
		sc.deepest[chain[j]] = int32(below + 2)
	}
	return below
}

// tld matches ([a-z]{2,63})(?!\@)\b([/\?#][^<\s]*)? at rs[e] and
// returns the end of the match, or -1.
func (sc *scanner) tld(e int) int {
	rs := sc.rs
	t := e
	for t < len(rs) && asciiLetter(rs[t]) {
		t++
	}
	// A shorter top-level domain would end between two letters, where \b
	// fails, so only the whole run of letters can match.
	if n := t - e; n < 2 || n > 63 {
		return -1
	}
	if t < len(rs) && (rs[t] == '@' || isWord(rs[t])) {
		return -1
	}
	if t < len(rs) && (rs[t] == '/' || rs[t] == '?' || rs[t] == '#') {
		for t < len(rs) && rs[t] != '<' && !isSpace(rs[t]) {
			t++
		}
	}
	return t
}

// removeSchemeURLs removes every http:// or https:// address left in s
// (any case, even inside a word), with what follows it up to whitespace or
// "<". What follows a removal is whitespace, "<" or the end, none of which
// is in a scheme, so a removal cannot bring the halves of a new address
// together: one pass is enough.
func removeSchemeURLs(s string) string {
	i := schemeIndex(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i >= 0 {
		b.WriteString(s[:i])
		j := i + len("http://")
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if r == '<' || isSpace(r) {
				break
			}
			j += size
		}
		s = s[j:]
		i = schemeIndex(s)
	}
	b.WriteString(s)
	return b.String()
}

// schemeIndex returns the index of the first "http://" or "https://" in s,
// in any case, or -1.
func schemeIndex(s string) int {
	for i := 0; i+len("http://") <= len(s); i++ {
		if s[i] != 'h' && s[i] != 'H' {
			continue
		}
		if asciiPrefixFold(s[i:], "http://") || asciiPrefixFold(s[i:], "https://") {
			return i
		}
	}
	return -1
}

// asciiPrefixFold reports whether s starts with the lower-case ASCII
// prefix in any ASCII case.
func asciiPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// isWord is Python's Unicode \w: letters, numbers and "_".
func isWord(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// boundary is Python's \b at rs[i]: a word character on one side only.
func boundary(rs []rune, i int) bool {
	before := i > 0 && isWord(rs[i-1])
	after := i < len(rs) && isWord(rs[i])
	return before != after
}

// asciiLetter is [a-z] under re.IGNORECASE: ASCII letters, and the Kelvin
// sign and long s, whose lower and upper cases are ASCII.
func asciiLetter(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r == '\u212A' || r == '\u017F'
}

// lower folds an ASCII letter to lower case.
func lower(r rune) rune {
	if 'A' <= r && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}

// isSpace is Python's Unicode \s.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || '\x1c' <= r && r <= '\x1f'
}
