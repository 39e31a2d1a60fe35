package markdown

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/notifykit/notify/internal/pyfmt"
)

// EmailSubject applies upstream's typography to a filled email subject:
// no space before "," or ".", smart quotes (straight ones kept in email
// addresses), " - " as an en dash, and whitespace collapsed to single
// spaces with the ends trimmed.
func EmailSubject(s string) string {
	s = RemoveSpaceBeforePunctuation(s)
	s = smartQuotes(s, 0)
	s = unsmartEmailAddresses(s)
	s = enDashes(s)
	return normaliseWhitespace(s)
}

// RemoveSpaceBeforePunctuation removes spaces and tabs before "," and
// "." (upstream's remove_whitespace_before_punctuation).
func RemoveSpaceBeforePunctuation(s string) string {
	i := 0
	for ; i < len(s); i++ {
		if (s[i] == ' ' || s[i] == '\t') && i+1 < len(s) && (s[i+1] == ',' || s[i+1] == '.') {
			break
		}
	}
	if i == len(s) {
		return s
	}
	// Back up to the start of the run of spaces and tabs.
	for i > 0 && (s[i-1] == ' ' || s[i-1] == '\t') {
		i--
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		j := i
		for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
			j++
		}
		if j > i {
			if j < len(s) && (s[j] == ',' || s[j] == '.') {
				i = j
				continue
			}
			b.WriteString(s[i:j])
			i = j
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// normaliseWhitespace is upstream's normalise_whitespace: no-break spaces
// become spaces, zero-width characters go, runs of whitespace become one
// space, and the ends are trimmed.
func normaliseWhitespace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pending := false
	for _, r := range s {
		switch {
		case pyfmt.IsZeroWidth(r):
			continue
		case pyfmt.IsSpace(r):
			pending = b.Len() > 0
			continue
		}
		if pending {
			b.WriteByte(' ')
			pending = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// enDashes is upstream's replace_hyphens_with_en_dashes: one to three
// hyphens or dashes with whitespace on both sides become " – ".
func enDashes(s string) string {
	if !strings.ContainsAny(s, "-\u2013\u2014") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !pyfmt.IsSpace(r) {
			b.WriteString(s[i : i+size])
			i += size
			continue
		}
		// A run of whitespace: is it followed by 1-3 dashes and whitespace?
		j := i
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if !pyfmt.IsSpace(r) {
				break
			}
			j += size
		}
		k, dashes := j, 0
		for k < len(s) && dashes < 4 {
			r, size := utf8.DecodeRuneInString(s[k:])
			if r != '-' && r != '\u2013' && r != '\u2014' {
				break
			}
			k += size
			dashes++
		}
		m := k
		for m < len(s) {
			r, size := utf8.DecodeRuneInString(s[m:])
			if !pyfmt.IsSpace(r) {
				break
			}
			m += size
		}
		if dashes >= 1 && dashes <= 3 && m > k {
			b.WriteString(" \u2013 ")
			i = m
			continue
		}
		b.WriteString(s[i:j])
		i = j
	}
	return b.String()
}

// unsmartEmailAddresses puts straight apostrophes back into things that
// look like email addresses (upstream's
// remove_smart_quotes_from_email_addresses, whose pattern is
// [local chars and ‘’]+@[^.@][^@\s]+).
func unsmartEmailAddresses(s string) string {
	if !strings.ContainsAny(s, "\u2018\u2019") || !strings.Contains(s, "@") {
		return s
	}
	isLocal := func(r rune) bool {
		if r < utf8.RuneSelf {
			c := byte(r)
			return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
				strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", c) >= 0
		}
		return r == '\u2018' || r == '\u2019'
	}
	rs := []rune(s)
	done := 0 // runes before done belong to an earlier match
	for at := 0; at < len(rs); at++ {
		if rs[at] != '@' {
			continue
		}
		start := at
		for start > done && isLocal(rs[start-1]) {
			start--
		}
		if start == at || at+2 >= len(rs) || rs[at+1] == '.' || rs[at+1] == '@' {
			continue
		}
		end := at + 2
		for end < len(rs) && rs[end] != '@' && !unicode.IsSpace(rs[end]) {
			end++
		}
		if end == at+2 {
			continue
		}
		for i := start; i < end; i++ {
			if rs[i] == '\u2018' || rs[i] == '\u2019' {
				rs[i] = '\''
			}
		}
		done, at = end, end-1
	}
	return string(rs)
}

// isWord is Python's \w for a str pattern.
func isWord(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// isPunct is smartypants' punct_class.
func isPunct(r rune) bool {
	return r < utf8.RuneSelf && strings.IndexByte("!\"#$%'()*+,-./:;<=>?@[\\]^_`{|}~", byte(r)) >= 0
}

// smartQuotes turns straight quotes into curly ones following
// smartypants' convert_quotes. prev is the last character of the text
// before s (0 at the start), used when s is a lone quote.
func smartQuotes(s string, prev rune) string {
	if !strings.ContainsAny(s, `'"`) {
		return s
	}
	if s == "'" || s == `"` {
		closing := prev != 0 && !unicode.IsSpace(prev)
		switch {
		case s == "'" && closing:
			return "\u2019"
		case s == "'":
			return "\u2018"
		case closing:
			return "\u201D"
		default:
			return "\u201C"
		}
	}
	rs := []rune(s)
	n := len(rs)
	out := make([]rune, n)
	copy(out, rs)
	at := func(i int) rune {
		if i < 0 || i >= n {
			return 0
		}
		return rs[i]
	}
	// Rule: the very first character is a quote followed by punctuation at
	// a non-word-break.
	firstClosing := func(i int) bool {
		return i == 0 && isPunct(at(1)) && (n <= 2 || !isWord(at(2)))
	}
	// Rule: an opening quote after whitespace or a dash, before a word.
	openingContext := func(i int) bool {
		if !isWord(at(i + 1)) {
			return false
		}
		if i > 0 && unicode.IsSpace(rs[i-1]) {
			return true
		}
		for _, suffix := range openingSuffixes {
			if runesHaveSuffix(rs[:i], suffix) {
				return true
			}
		}
		return false
	}
	// close_class: any character but space, tab, CR, LF, [, {, ( and -.
	closeClass := func(i int) bool {
		if i < 0 {
			return false
		}
		switch rs[i] {
		case ' ', '\t', '\r', '\n', '[', '{', '(', '-':
			return false
		}
		return true
	}
	decided := make([]bool, n)
	for i, r := range rs {
		if r != '\'' || decided[i] {
			continue
		}
		switch {
		case firstClosing(i):
			out[i] = '\u2019'
		case at(i-1) == '"' && isWord(at(i+1)) && !decided[i-1]:
			out[i-1], out[i], decided[i-1] = '\u201C', '\u2018', true
		case at(i+1) == '"' && isWord(at(i+2)):
			out[i], out[i+1], decided[i+1] = '\u2018', '\u201C', true
		case i > 0 && isWord(rs[i-1]) && unicode.IsDigit(at(i+1)) && unicode.IsDigit(at(i+2)) && at(i+3) == 's':
			out[i] = '\u2019'
		case openingContext(i):
			out[i] = '\u2018'
		case closeClass(i-1) && !unicode.IsDigit(at(i+1)):
			out[i] = '\u2019'
		default:
			out[i] = '\u2018'
		}
		decided[i] = true
	}
	for i, r := range rs {
		if r != '"' || decided[i] {
			continue
		}
		switch {
		case firstClosing(i):
			out[i] = '\u201D'
		case openingContext(i):
			out[i] = '\u201C'
		case unicode.IsSpace(at(i + 1)):
			out[i] = '\u201D'
		case closeClass(i - 1):
			out[i] = '\u201D'
		default:
			out[i] = '\u201C'
		}
	}
	return string(out)
}

// openingSuffixes are the texts after which smartypants opens a quote
// (besides whitespace): double hyphens and dash or no-break space entities.
var openingSuffixes = []string{"--", "&nbsp;", "&mdash;", "&ndash;", "&#8211;", "&#8212;", "&#x2013;", "&#x2014;"}

// runesHaveSuffix reports whether rs ends with the ASCII text suffix.
func runesHaveSuffix(rs []rune, suffix string) bool {
	if len(rs) < len(suffix) {
		return false
	}
	rs = rs[len(rs)-len(suffix):]
	for i := 0; i < len(suffix); i++ {
		if rs[i] != rune(suffix[i]) {
			return false
		}
	}
	return true
}

// unlinkGovUK inserts a zero-width space into GOV.UK (any case) at the
// start of the text or after whitespace, optionally after one of # * ^, when
// not followed by "/", "?" or "#" (upstream's unlink_govuk_escaped).
func unlinkGovUK(s string) string {
	lower := asciiLower(s)
	if !strings.Contains(lower, "gov.uk") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	last := 0
	for i := 0; ; {
		j := strings.Index(lower[i:], "gov.uk")
		if j < 0 {
			break
		}
		at := i + j
		i = at + 1
		k := at
		if k > 0 && strings.IndexByte("#*^", s[k-1]) >= 0 {
			k--
		}
		if k > 0 {
			r, _ := utf8.DecodeLastRuneInString(s[:k])
			if !unicode.IsSpace(r) {
				continue
			}
		}
		if e := at + 6; e < len(s) && strings.IndexByte("/?#", s[e]) >= 0 {
			continue
		}
		b.WriteString(s[last : at+4])
		b.WriteString("\u200B")
		last = at + 4
	}
	b.WriteString(s[last:])
	return b.String()
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// smartQuotesHTML applies smart quotes to the text between tags, leaving
// tags and the text of links alone, as smartypants does.
func smartQuotesHTML(s string) string {
	if !strings.ContainsAny(s, `'"`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	var prev rune
	inLink := false
	for len(s) > 0 {
		if s[0] == '<' {
			end := strings.IndexByte(s, '>')
			if end < 0 {
				end = len(s) - 1
			}
			tag := s[:end+1]
			switch {
			case strings.HasPrefix(tag, "<a ") || tag == "<a>":
				inLink = true
			case tag == "</a>":
				inLink = false
			}
			b.WriteString(tag)
			s = s[end+1:]
			continue
		}
		end := strings.IndexByte(s, '<')
		if end < 0 {
			end = len(s)
		}
		text := s[:end]
		if inLink {
			b.WriteString(text)
		} else {
			b.WriteString(smartQuotes(text, prev))
		}
		if r, _ := utf8.DecodeLastRuneInString(text); r != utf8.RuneError {
			prev = r
		}
		s = s[end:]
	}
	return b.String()
}
