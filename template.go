package notify

import (
	"fmt"
	"html"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/notifykit/notify/internal/gsm"
	"github.com/notifykit/notify/internal/pyfmt"
)

// Template rendering (SPEC B6.3–B6.5): placeholders ((name)), conditionals
// ((name??text)), SMS rendering, sanitising and fragment counting, email
// subject, plain body and HTML body.
//
// Placeholder syntax is upstream's regular expression \({2}([^()]+)\){2},
// implemented here with a small scanner: "((" followed by one or more
// characters that are not parentheses, then "))". Matching of names to
// personalisation keys ignores case, spaces, "_" and "-".

// Length limits (SPEC B6.4, B6.5).
const (
	// SMSCharCountLimit is the most characters an SMS may have, not
	// counting the service-name prefix (153 × 6).
	SMSCharCountLimit = 918
	// EmailMaxBytes is the largest email body, in bytes of UTF-8.
	EmailMaxBytes = 2000000
)

// tplPlaceholderAt finds the next placeholder in s at or after i. It returns
// the byte offsets of the opening "((" and just after the closing "))".
func tplPlaceholderAt(s string, i int) (start, end int, ok bool) {
	for i < len(s) {
		j := strings.Index(s[i:], "((")
		if j < 0 {
			return 0, 0, false
		}
		start = i + j
		k := start + 2
		for k < len(s) && s[k] != '(' && s[k] != ')' {
			k++
		}
		if k > start+2 && k+1 < len(s) && s[k] == ')' && s[k+1] == ')' {
			return start, k + 2, true
		}
		if k == start+2 {
			// "(((": a placeholder may start at the next parenthesis.
			i = start + 1
		} else {
			i = k
		}
	}
	return 0, 0, false
}

// tplSplitBody splits a placeholder body into its name and, for a
// conditional ((name??text)), the text shown when the value is true.
func tplSplitBody(body string) (name string, conditional bool, text string) {
	if i := strings.Index(body, "??"); i >= 0 {
		return body[:i], true, body[i+2:]
	}
	return body, false, ""
}

// tplKey is the form in which placeholder names and personalisation keys
// are compared: lower case, without spaces, underscores and hyphens.
func tplKey(s string) string {
	plain := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '_' || c == '-' || c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r == ' ' || r == '_' || r == '-' {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Placeholders returns the placeholder names in content in order of first
// appearance, deduplicated case/space/underscore/hyphen-insensitively keeping
// the first spelling; for conditionals ((name??text)) the name before "??".
// Regex \({2}([^()]+)\){2}.
func Placeholders(content string) []string {
	return tplAppendPlaceholders(nil, nil, content)
}

// tplAppendPlaceholders appends to names the placeholders of content whose
// key is not yet in seen.
func tplAppendPlaceholders(names []string, seen map[string]bool, content string) []string {
	for i := 0; ; {
		start, end, ok := tplPlaceholderAt(content, i)
		if !ok {
			return names
		}
		i = end
		name, _, _ := tplSplitBody(content[start+2 : end-2])
		key := tplKey(name)
		if seen == nil {
			seen = make(map[string]bool)
		}
		if !seen[key] {
			seen[key] = true
			names = append(names, name)
		}
	}
}

// MissingPersonalisation returns the placeholders of subject then content
// with no value (absent or nil), deduplicated, in order of first appearance.
// Keys match insensitively (B6.3).
func MissingPersonalisation(subject, content string, values map[string]any) []string {
	seen := make(map[string]bool)
	names := tplAppendPlaceholders(nil, seen, subject)
	names = tplAppendPlaceholders(names, seen, content)
	lk := tplLookup{values: values}
	var missing []string
	for _, name := range names {
		if v, ok := lk.get(name); !ok || v == nil {
			missing = append(missing, name)
		}
	}
	return missing
}

// tplLookup finds personalisation values by placeholder name. An exact key
// wins; otherwise keys are compared insensitively and, when several keys
// match, the smallest one (in byte order) is used so that the result does
// not depend on map order.
type tplLookup struct {
	values map[string]any
	index  map[string]string // tplKey(key) → key, built on first need
}

func (l *tplLookup) get(name string) (any, bool) {
	if v, ok := l.values[name]; ok {
		return v, true
	}
	if len(l.values) == 0 {
		return nil, false
	}
	if l.index == nil {
		l.index = make(map[string]string, len(l.values))
		for k := range l.values {
			nk := tplKey(k)
			if prev, ok := l.index[nk]; !ok || k < prev {
				l.index[nk] = k
			}
		}
	}
	k, ok := l.index[tplKey(name)]
	if !ok {
		return nil, false
	}
	return l.values[k], true
}

// tplFillOptions says how values are written into content.
type tplFillOptions struct {
	// markdownLists renders list values as markdown bullets (email bodies).
	markdownLists bool
	// html escapes content and values for HTML and marks missing
	// placeholders up as upstream's preview does.
	html bool
}

// Fill substitutes values into content (no escaping), conditionals with
// str2bool, Python-like stringification of values (true→"True",
// false→"False", 0, 1.5, lists "a, b and c" with nil items dropped, maps like
// Python str). Missing placeholders are left as written ((name)).
//
// Numbers decoded from JSON arrive as float64 and cannot be told from
// integers, so a whole float64 is written as an integer (1 → "1", not
// "1.0"); a json.Number keeps its exact Python rendering. Maps are written
// with their keys sorted.
func Fill(content string, values map[string]any) string {
	return tplFill(content, values, tplFillOptions{})
}

func tplFill(content string, values map[string]any, opt tplFillOptions) string {
	start, end, ok := tplPlaceholderAt(content, 0)
	if !ok {
		if opt.html {
			return tplEscapeHTML(content)
		}
		return content
	}
	lk := tplLookup{values: values}
	var b strings.Builder
	b.Grow(len(content) + 32)
	last := 0
	for ok {
		tplWriteText(&b, content[last:start], opt.html)
		written := content[start:end]
		name, conditional, text := tplSplitBody(written[2 : len(written)-2])
		v, found := lk.get(name)
		switch {
		case !found || v == nil:
			tplWriteMissing(&b, written, name, conditional, text, opt.html)
		case conditional:
			if tplStr2Bool(tplReplacement(v, opt.markdownLists)) {
				tplWriteText(&b, text, opt.html)
			}
		default:
			tplWriteText(&b, tplReplacement(v, opt.markdownLists), opt.html)
		}
		last = end
		start, end, ok = tplPlaceholderAt(content, end)
	}
	tplWriteText(&b, content[last:], opt.html)
	return b.String()
}

func tplWriteText(b *strings.Builder, s string, html bool) {
	if html {
		s = tplEscapeHTML(s)
	}
	b.WriteString(s)
}

// tplWriteMissing writes a placeholder that has no value: as written in plain
// text, with upstream's preview markup in HTML.
func tplWriteMissing(b *strings.Builder, written, name string, conditional bool, text string, html bool) {
	switch {
	case !html:
		b.WriteString(written)
	case conditional:
		b.WriteString("<span class='placeholder-conditional'>&#40;&#40;")
		b.WriteString(tplEscapeHTML(name))
		b.WriteString("??</span>")
		b.WriteString(tplEscapeHTML(text))
		b.WriteString("&#41;&#41;")
	default:
		b.WriteString("<span class='placeholder'>&#40;&#40;")
		b.WriteString(tplEscapeHTML(name))
		b.WriteString("&#41;&#41;</span>")
	}
}

// tplReplacement is the text a non-nil value stands for: Python's str(),
// except that lists are joined ("a, b and c", or markdown bullets) after
// dropping nil and blank items.
func tplReplacement(v any, markdownLists bool) string {
	items, isList := pyfmt.Items(v)
	if !isList {
		return pyfmt.Str(v)
	}
	vals := make([]string, 0, len(items))
	for _, it := range items {
		if it == nil {
			continue
		}
		if s := tplStripObscure(pyfmt.Str(it)); s != "" {
			vals = append(vals, s)
		}
	}
	switch {
	case len(vals) == 0:
		return ""
	case markdownLists:
		return "\n\n* " + strings.Join(vals, "\n* ")
	case len(vals) == 1:
		return vals[0]
	default:
		return strings.Join(vals[:len(vals)-1], ", ") + " and " + vals[len(vals)-1]
	}
}

// tplStripObscure is upstream's strip_and_remove_obscure_whitespace: remove
// zero-width characters and no-break spaces, then trim ASCII whitespace.
func tplStripObscure(s string) string {
	if strings.ContainsAny(s, "\u180E\u200B\u200C\u200D\u2060\uFEFF\u00A0") {
		s = strings.Map(func(r rune) rune {
			switch r {
			case '\u180E', '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00A0':
				return -1
			}
			return r
		}, s)
	}
	return strings.Trim(s, " \t\n\r\v\f")
}

// tplStr2Bool is upstream's str2bool applied to the replacement text.
func tplStr2Bool(s string) bool {
	switch strings.ToLower(s) {
	case "yes", "y", "true", "t", "1", "include", "show":
		return true
	}
	return false
}

// tplRemoveSpaceBeforePunctuation removes spaces and tabs before "," and
// "." (upstream's remove_whitespace_before_punctuation).
func tplRemoveSpaceBeforePunctuation(s string) string {
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

// RenderSMS returns the SMS body as the API returns it: Fill, remove
// whitespace before punctuation, normalise whitespace and newlines (\r\n, \r
// → \n; runs of spaces → one; 3+ newlines → 2), trim, GSM-sanitise (B6.4).
// prefix, when non-empty, is the service name: the result is then
// "{prefix}: {body}" (used at send time).
func RenderSMS(content string, values map[string]any, prefix string) string {
	body := tplFill(content, values, tplFillOptions{})
	if p := pyfmt.Strip(prefix); prefix != "" {
		body = p + ": " + body
	}
	return gsm.Normalise(tplRemoveSpaceBeforePunctuation(body))
}

// smsCounts measures rendered SMS text, leaving out placeholders that are
// still written as ((name)).
func smsCounts(s string) gsm.Counts {
	var c gsm.Counts
	eachOutsidePlaceholders(s, c.Add)
	return c
}

// eachOutsidePlaceholders calls f with each stretch of s between
// placeholders.
func eachOutsidePlaceholders(s string, f func(string)) {
	last := 0
	for {
		start, end, ok := tplPlaceholderAt(s, last)
		if !ok {
			break
		}
		f(s[last:start])
		last = end
	}
	f(s[last:])
}

// SMSCharacterCount is upstream's content_count: the number of UTF-16 code
// units of a rendered (sanitised) SMS text. Placeholders still written as
// ((name)), as in a template rendered without personalisation, count as
// nothing, the way upstream counts a template before values are known.
// Extension characters count once here; SMSFragmentCount counts them twice.
func SMSCharacterCount(rendered string) int {
	return smsCounts(rendered).Units
}

// SMSFragmentCount returns the number of fragments (billable units) of a
// rendered SMS text: UCS-2 if any Welsh non-GSM character (≤70 → 1 else
// ceil(n/67)), else GSM-7 with extension chars counting 2 (≤160 → 1 else
// ceil(n/153)). Unfilled placeholders are left out as in SMSCharacterCount.
func SMSFragmentCount(rendered string) int {
	return smsCounts(rendered).Fragments()
}

// NonGSMCharacters returns the characters of s that force UCS-2: the Welsh
// accented vowels outside the GSM set, each once, in order of first
// appearance. Characters that sanitising downgrades (emoji, …, ñ) are not
// among them. Unfilled placeholders are left out as in SMSCharacterCount.
func NonGSMCharacters(s string) []rune {
	var out []rune
	eachOutsidePlaceholders(s, func(seg string) { out = gsm.AppendUCS2(out, seg) })
	return out
}

// SMSTooLong returns nil, or the 400 BadRequestError for an SMS longer than
// SMSCharCountLimit. Pass the rendered text without the service-name prefix.
func SMSTooLong(renderedWithoutPrefix string) *Error {
	n := SMSCharacterCount(renderedWithoutPrefix)
	if n <= SMSCharCountLimit {
		return nil
	}
	return BadRequest(FieldContent, fmt.Sprintf(
		"Your message is too long. Text messages cannot be longer than %d characters. Your message is %d characters long.",
		SMSCharCountLimit, n))
}

// EmailTooLong returns nil, or the 400 BadRequestError for an email body
// larger than EmailMaxBytes bytes of UTF-8.
func EmailTooLong(renderedBody string) *Error {
	n := len(renderedBody)
	if n <= EmailMaxBytes {
		return nil
	}
	return BadRequest(FieldContent, fmt.Sprintf(
		"Your message is too long. Emails cannot be longer than %d bytes. Your message is %d bytes.",
		EmailMaxBytes, n))
}

// RenderEmailBody returns the email body as the v2 API returns it in
// content.body: Fill + trim (markdown left as written), with list values
// rendered as markdown bullets (VECTORS 4.1).
func RenderEmailBody(content string, values map[string]any) string {
	return pyfmt.Strip(tplFill(content, values, tplFillOptions{markdownLists: true}))
}

// RenderEmailSubject renders an email subject: Fill, smart quotes, en
// dashes, whitespace collapsed to single spaces, trim.
func RenderEmailSubject(subject string, values map[string]any) string {
	s := tplFill(subject, values, tplFillOptions{})
	s = tplRemoveSpaceBeforePunctuation(s)
	s = tplSmartQuotes(s, 0)
	s = tplUnsmartEmailAddresses(s)
	s = tplEnDashes(s)
	return tplNormaliseWhitespace(s)
}

// tplNormaliseWhitespace is upstream's normalise_whitespace: no-break spaces
// become spaces, zero-width characters go, runs of whitespace become one
// space, and the ends are trimmed.
func tplNormaliseWhitespace(s string) string {
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

// tplEnDashes is upstream's replace_hyphens_with_en_dashes: one to three
// hyphens or dashes with whitespace on both sides become " – ".
func tplEnDashes(s string) string {
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

// tplUnsmartEmailAddresses puts straight apostrophes back into things that
// look like email addresses (upstream's
// remove_smart_quotes_from_email_addresses, whose pattern is
// [local chars and ‘’]+@[^.@][^@\s]+).
func tplUnsmartEmailAddresses(s string) string {
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

// tplIsWord is Python's \w for a str pattern.
func tplIsWord(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// tplIsPunct is smartypants' punct_class.
func tplIsPunct(r rune) bool {
	return r < utf8.RuneSelf && strings.IndexByte("!\"#$%'()*+,-./:;<=>?@[\\]^_`{|}~", byte(r)) >= 0
}

// tplSmartQuotes turns straight quotes into curly ones following
// smartypants' convert_quotes. prev is the last character of the text
// before s (0 at the start), used when s is a lone quote.
func tplSmartQuotes(s string, prev rune) string {
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
		return i == 0 && tplIsPunct(at(1)) && (n <= 2 || !tplIsWord(at(2)))
	}
	// Rule: an opening quote after whitespace or a dash, before a word.
	openingContext := func(i int) bool {
		if !tplIsWord(at(i + 1)) {
			return false
		}
		if i > 0 && unicode.IsSpace(rs[i-1]) {
			return true
		}
		for _, suffix := range tplOpeningSuffixes {
			if tplRunesHaveSuffix(rs[:i], suffix) {
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
		case at(i-1) == '"' && tplIsWord(at(i+1)) && !decided[i-1]:
			out[i-1], out[i], decided[i-1] = '\u201C', '\u2018', true
		case at(i+1) == '"' && tplIsWord(at(i+2)):
			out[i], out[i+1], decided[i+1] = '\u2018', '\u201C', true
		case i > 0 && tplIsWord(rs[i-1]) && unicode.IsDigit(at(i+1)) && unicode.IsDigit(at(i+2)) && at(i+3) == 's':
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

// tplOpeningSuffixes are the texts after which smartypants opens a quote
// (besides whitespace): double hyphens and dash or no-break space entities.
var tplOpeningSuffixes = []string{"--", "&nbsp;", "&mdash;", "&ndash;", "&#8211;", "&#8212;", "&#x2013;", "&#x2014;"}

// tplRunesHaveSuffix reports whether rs ends with the ASCII text suffix.
func tplRunesHaveSuffix(rs []rune, suffix string) bool {
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

// tplEscapeHTML is upstream's escape_html: character references are
// decoded (a trailing ";" is required) and &, < and > escaped, except that
// &nbsp;, &amp;, &lpar; and &rpar; are kept as written. Quotes are left
// alone.
func tplEscapeHTML(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			if kept := tplKeptEntity(s[i:]); kept != "" {
				b.WriteString(kept)
				i += len(kept)
				continue
			}
			if ref := tplCharRef(s[i:]); ref != "" {
				if dec := tplDecodeRef(ref); dec != ref {
					b.WriteString(tplEscapeBasic(dec))
					i += len(ref)
					continue
				}
			}
			b.WriteString("&amp;")
		default:
			b.WriteByte(c)
		}
		i++
	}
	return b.String()
}

func tplKeptEntity(s string) string {
	for _, e := range []string{"&nbsp;", "&amp;", "&lpar;", "&rpar;"} {
		if strings.HasPrefix(s, e) {
			return e
		}
	}
	return ""
}

// tplCharRef returns the character reference at the start of s:
// &#[0-9]+; or &#[xX][0-9a-fA-F]+; or &[^\t\n\f <&#;]{1,32};.
func tplCharRef(s string) string {
	if len(s) < 3 || s[0] != '&' {
		return ""
	}
	i := 1
	if s[1] == '#' {
		i = 2
		hex := i < len(s) && (s[i] == 'x' || s[i] == 'X')
		if hex {
			i++
		}
		j := i
		for j < len(s) && (s[j] >= '0' && s[j] <= '9' || hex && strings.IndexByte("abcdefABCDEF", s[j]) >= 0) {
			j++
		}
		if j == i || j >= len(s) || s[j] != ';' {
			return ""
		}
		return s[:j+1]
	}
	j := i
	for j < len(s) && j-i < 33 && strings.IndexByte("\t\n\f <&#;", s[j]) < 0 {
		j++
	}
	if j == i || j-i > 32 || j >= len(s) || s[j] != ';' {
		return ""
	}
	return s[:j+1]
}

// tplDecodeRef decodes one character reference, or returns it unchanged if
// it names nothing.
func tplDecodeRef(ref string) string {
	if ref[1] == '#' {
		var n uint64
		var err error
		if ref[2] == 'x' || ref[2] == 'X' {
			n, err = strconv.ParseUint(ref[3:len(ref)-1], 16, 32)
		} else {
			n, err = strconv.ParseUint(ref[2:len(ref)-1], 10, 32)
		}
		if err != nil || n == 0 || n > unicode.MaxRune || (n >= 0xd800 && n <= 0xdfff) {
			return "\uFFFD"
		}
		return string(rune(n))
	}
	if dec := tplUnescapeNamed(ref); dec != "" {
		return dec
	}
	return ref
}

// tplEscapeBasic escapes &, < and >.
func tplEscapeBasic(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}

// tplUnescapeNamed decodes a named character reference such as &copy; using
// the standard library's entity table, or returns "".
func tplUnescapeNamed(ref string) string {
	dec := html.UnescapeString(ref)
	if dec == ref {
		return ""
	}
	return dec
}

// Styles of upstream's HTML email body (notifications-utils markdown.py,
// NotifyEmailMarkdownRenderer).
const (
	tplParagraphOpen = `<p style="Margin: 0 0 20px 0; font-size: 19px; line-height: 25px; color: #0B0C0C;">`
	tplHeading1Open  = `<h2 style="Margin: 0 0 15px 0; padding: 10px 0 0 0; font-size: 27px; line-height: 35px; font-weight: bold; color: #0B0C0C;">`
	tplHeading2Open  = `<h3 style="Margin: 0 0 15px 0; padding: 10px 0 0 0; font-size: 19px; line-height: 25px; font-weight: bold; color: #0B0C0C;">`
	tplRule          = `<hr style="border: 0; height: 1px; background: #B1B4B6; Margin: 30px 0 30px 0;">`
	tplListOpen      = `<table role="presentation" style="padding: 0 0 20px 0;"><tr><td style="font-family: Helvetica, Arial, sans-serif;">`
	tplListClose     = `</td></tr></table>`
	tplBulletsOpen   = `<ul style="Margin: 0 0 0 20px; padding: 0; list-style-type: disc;">`
	tplNumbersOpen   = `<ol style="Margin: 0 0 0 20px; padding: 0; list-style-type: decimal;">`
	tplItemOpen      = `<li style="Margin: 5px 0 5px; padding: 0 0 0 5px; font-size: 19px;line-height: 25px; color: #0B0C0C;">`
	tplQuoteOpen     = `<blockquote style="Margin: 0 0 20px 0; border-left: 10px solid #B1B4B6;padding: 15px 0 0.1px 15px; font-size: 19px; line-height: 25px;">`
	tplLinkStyle     = `word-wrap: break-word; color: #1D70B8;`
	tplLineBreak     = `<br />`
)

// RenderEmailHTML renders the email body's markdown subset as upstream's
// HTML email body (the preview "html" field and the HTML part of a sent
// email). The text and the values are HTML-escaped; then:
//
//   - blocks are separated by blank lines; a paragraph becomes
//     <p style="Margin: 0 0 20px 0; font-size: 19px; line-height: 25px; color: #0B0C0C;">…</p>
//     with its line breaks as <br />;
//   - "# title" (or a line underlined with "=") is a main heading (<h2>),
//     "## title" (or underlined with "-") a subheading (<h3>); deeper
//     levels are paragraphs;
//   - a line of three or more "-", "*" or "_" is a horizontal rule;
//   - lines starting "* ", "- " or "• " make a bulleted list and "1. " a
//     numbered list; lines without a bullet continue the item above;
//   - lines starting "^" are inset text (a blockquote);
//   - [text](url) is a link, images are dropped, and bare http(s) URLs are
//     linked;
//   - then, as upstream's typography step: no space before "," or ".",
//     smart quotes outside tags and links, straight quotes kept in email
//     addresses, and " - " as an en dash.
//
// "GOV.UK" gets a zero-width space after the dot so that mail clients do not
// link it. Unlike upstream (mistune), a bullet must be followed by
// whitespace, indented code blocks are not recognised, and a blank line
// ends a list unless another bullet follows.
func RenderEmailHTML(content string, values map[string]any) string {
	s := tplFill(content, values, tplFillOptions{markdownLists: true, html: true})
	s = tplUnlinkGovUK(s)
	s = strings.ReplaceAll(s, "\u2028", "")
	s = tplMarkdownHTML(s)
	s = tplRemoveSpaceBeforePunctuation(s)
	s = tplSmartQuotesHTML(s)
	s = tplUnsmartEmailAddresses(s)
	return tplEnDashes(s)
}

// tplUnlinkGovUK inserts a zero-width space into GOV.UK (any case) at the
// start of the text or after whitespace, optionally after one of # * ^, when
// not followed by "/", "?" or "#" (upstream's unlink_govuk_escaped).
func tplUnlinkGovUK(s string) string {
	lower := tplASCIILower(s)
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

func tplASCIILower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// tplMarkdownHTML renders already-escaped text as the markdown subset
// described at RenderEmailHTML.
func tplMarkdownHTML(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.ReplaceAll(s, "\t", "    ")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.TrimLeft(l, " ") == "" {
			lines[i] = ""
		}
	}
	var b strings.Builder
	b.Grow(len(s) * 2)
	tplRenderBlocks(&b, lines)
	return b.String()
}

// tplHeading returns the level and text of an ATX heading line.
func tplHeading(line string) (int, string, bool) {
	t := strings.TrimLeft(line, " ")
	level := 0
	for level < len(t) && t[level] == '#' {
		level++
	}
	if level == 0 || level > 6 {
		return 0, "", false
	}
	text := strings.TrimRight(strings.TrimLeft(t[level:], " "), " ")
	text = strings.TrimRight(strings.TrimRight(text, "#"), " ")
	if text == "" {
		return 0, "", false
	}
	return level, text, true
}

// tplIsRule reports whether line is a horizontal rule.
func tplIsRule(line string) bool {
	t := strings.TrimLeft(line, " ")
	if len(line)-len(t) > 3 {
		return false
	}
	marks := 0
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case '-', '*', '_':
			marks++
		case ' ':
		default:
			return false
		}
	}
	return marks >= 3
}

// tplUnderline returns the heading level a setext underline gives (1 for
// "===", 2 for "---"), or 0.
func tplUnderline(line string) int {
	t := strings.Trim(line, " ")
	if t == "" {
		return 0
	}
	if strings.Trim(t, "=") == "" {
		return 1
	}
	if strings.Trim(t, "-") == "" {
		return 2
	}
	return 0
}

func tplIsQuote(line string) bool {
	return strings.HasPrefix(strings.TrimLeft(line, " "), "^")
}

// tplBullet returns the text after a list bullet and whether the bullet is a
// number.
func tplBullet(line string) (text string, ordered, ok bool) {
	t := strings.TrimLeft(line, " ")
	var rest string
	switch {
	case strings.HasPrefix(t, "* "), strings.HasPrefix(t, "- "):
		rest = t[2:]
	case strings.HasPrefix(t, "•"):
		rest = strings.TrimPrefix(t, "•")
		if rest != "" && rest[0] != ' ' {
			return "", false, false
		}
	default:
		n := 0
		for n < len(t) && t[n] >= '0' && t[n] <= '9' {
			n++
		}
		if n == 0 || n+1 >= len(t) || t[n] != '.' || t[n+1] != ' ' {
			return "", false, false
		}
		rest, ordered = t[n+1:], true
	}
	return strings.TrimLeft(rest, " "), ordered, true
}

func tplRenderBlocks(b *strings.Builder, lines []string) {
	for i := 0; i < len(lines); {
		line := lines[i]
		switch {
		case line == "":
			i++
		case tplIsRule(line):
			b.WriteString(tplRule)
			i++
		case tplIsQuote(line):
			var inner []string
			for i < len(lines) && (lines[i] != "" || i+1 < len(lines) && tplIsQuote(lines[i+1])) {
				t := strings.TrimLeft(lines[i], " ")
				if strings.HasPrefix(t, "^") {
					t = strings.TrimPrefix(strings.TrimPrefix(t, "^"), " ")
				}
				inner = append(inner, t)
				i++
			}
			b.WriteString(tplQuoteOpen)
			tplRenderBlocks(b, inner)
			b.WriteString("</blockquote>")
		default:
			if level, text, ok := tplHeading(line); ok {
				tplWriteHeading(b, level, text)
				i++
				continue
			}
			if i+1 < len(lines) {
				if level := tplUnderline(lines[i+1]); level > 0 {
					tplWriteHeading(b, level, strings.Trim(line, " "))
					i += 2
					continue
				}
			}
			if _, _, ok := tplBullet(line); ok {
				i = tplRenderList(b, lines, i)
				continue
			}
			i = tplRenderParagraph(b, lines, i)
		}
	}
}

func tplWriteHeading(b *strings.Builder, level int, text string) {
	switch level {
	case 1:
		b.WriteString(tplHeading1Open)
		b.WriteString(tplInline(text))
		b.WriteString("</h2>")
	case 2:
		b.WriteString(tplHeading2Open)
		b.WriteString(tplInline(text))
		b.WriteString("</h3>")
	default:
		tplWriteParagraph(b, text)
	}
}

func tplWriteParagraph(b *strings.Builder, text string) {
	if strings.TrimSpace(text) == "" {
		return
	}
	b.WriteString(tplParagraphOpen)
	b.WriteString(tplInline(text))
	b.WriteString("</p>")
}

// tplRenderParagraph renders the paragraph starting at lines[i] and returns
// the index of the line after it.
func tplRenderParagraph(b *strings.Builder, lines []string, i int) int {
	var para []string
	for i < len(lines) && lines[i] != "" {
		if len(para) > 0 {
			l := lines[i]
			_, _, heading := tplHeading(l)
			underlined := i+1 < len(lines) && tplUnderline(lines[i+1]) > 0
			if heading || tplIsRule(l) || tplIsQuote(l) || underlined {
				break
			}
		}
		para = append(para, strings.TrimLeft(lines[i], " "))
		i++
	}
	tplWriteParagraph(b, strings.Join(para, "\n"))
	return i
}

// tplRenderList renders the list starting at lines[i] and returns the index
// of the line after it.
func tplRenderList(b *strings.Builder, lines []string, i int) int {
	_, ordered, _ := tplBullet(lines[i])
	var items [][]string
	for i < len(lines) {
		line := lines[i]
		if line == "" {
			// A blank line ends the list unless another bullet follows.
			j := i
			for j < len(lines) && lines[j] == "" {
				j++
			}
			if j < len(lines) {
				if _, _, ok := tplBullet(lines[j]); ok {
					i = j
					continue
				}
			}
			break
		}
		if text, _, ok := tplBullet(line); ok {
			items = append(items, []string{text})
		} else {
			last := len(items) - 1
			items[last] = append(items[last], strings.TrimLeft(line, " "))
		}
		i++
	}
	b.WriteString(tplListOpen)
	if ordered {
		b.WriteString(tplNumbersOpen)
	} else {
		b.WriteString(tplBulletsOpen)
	}
	for _, item := range items {
		b.WriteString(tplItemOpen)
		b.WriteString(strings.TrimSpace(tplInline(strings.Join(item, "\n"))))
		b.WriteString("</li>")
	}
	if ordered {
		b.WriteString("</ol>")
	} else {
		b.WriteString("</ul>")
	}
	b.WriteString(tplListClose)
	return i
}

// tplInline renders links, images, bare URLs and line breaks in escaped
// text.
func tplInline(s string) string {
	if strings.Contains(s, " \n") {
		// Spaces before a line break are dropped with it.
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			lines[i] = strings.TrimRight(l, " ")
		}
		s = strings.Join(lines, "\n")
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		switch {
		case s[i] == '\n':
			b.WriteString(tplLineBreak)
			i++
		case s[i] == '[' || s[i] == '!' && i+1 < len(s) && s[i+1] == '[':
			image := s[i] == '!'
			start := i
			if image {
				start++
			}
			text, url, title, n, ok := tplLink(s[start:])
			if !ok {
				b.WriteByte(s[i])
				i++
				continue
			}
			if !image {
				b.WriteString(`<a style="` + tplLinkStyle + `" href="` + url + `"`)
				if title != "" {
					b.WriteString(` title="` + title + `"`)
				}
				b.WriteString(">" + tplInline(text) + "</a>")
			}
			i = start + n
		case strings.HasPrefix(s[i:], "http://") || strings.HasPrefix(s[i:], "https://"):
			n := tplURLLength(s[i:])
			if n == 0 {
				b.WriteByte(s[i])
				i++
				continue
			}
			b.WriteString(tplAutolink(s[i : i+n]))
			i += n
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String()
}

// tplLink parses [text](url "title") at the start of s and returns its
// parts and length. The text holds no brackets, the URL no whitespace or
// parentheses, and the title (in single or double quotes) no quote of its
// kind; every scan stops early, so a text full of brackets stays linear.
func tplLink(s string) (text, url, title string, n int, ok bool) {
	end := strings.IndexAny(s[1:], "[]") + 1
	if end < 2 || s[end] != ']' || end+1 >= len(s) || s[end+1] != '(' {
		return "", "", "", 0, false
	}
	text = s[1:end]
	i := end + 2
	for i < len(s) && s[i] == ' ' {
		i++
	}
	u := i
	for i < len(s) && s[i] != ')' && s[i] != '(' && s[i] != ' ' && s[i] != '\n' {
		i++
	}
	url = s[u:i]
	for i < len(s) && (s[i] == ' ' || s[i] == '\n') {
		i++
	}
	if i < len(s) && (s[i] == '"' || s[i] == '\'') && i > u+len(url) {
		q := s[i]
		closeQuote := strings.IndexByte(s[i+1:], q)
		if closeQuote < 0 {
			return "", "", "", 0, false
		}
		title = s[i+1 : i+1+closeQuote]
		i += closeQuote + 2
		for i < len(s) && s[i] == ' ' {
			i++
		}
	}
	if i >= len(s) || s[i] != ')' || url == "" {
		return "", "", "", 0, false
	}
	url = strings.TrimSuffix(strings.TrimPrefix(url, "&lt;"), "&gt;")
	return text, url, title, i + 1, true
}

// tplURLLength returns the length of the URL at the start of s, following
// upstream's pattern https?://[^\s<]+[^<.,:"')\]\s], or 0.
func tplURLLength(s string) int {
	scheme := len("http://")
	if strings.HasPrefix(s, "https://") {
		scheme = len("https://")
	}
	end := scheme
	for end < len(s) {
		r, size := utf8.DecodeRuneInString(s[end:])
		if r == '<' || unicode.IsSpace(r) {
			break
		}
		end += size
	}
	for end > scheme+1 && strings.IndexByte(`.,:"')]`, s[end-1]) >= 0 {
		end--
	}
	if end < scheme+2 {
		return 0
	}
	return end
}

// tplAutolink links a bare URL as upstream's create_sanitised_html_for_url:
// the href is percent-decoded and re-encoded keeping :/?#=&; so that quotes
// cannot break out of the attribute.
func tplAutolink(link string) string {
	var href strings.Builder
	raw := tplPercentDecode(link)
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_.-~:/?#=&;", c) >= 0 {
			href.WriteByte(c)
			continue
		}
		fmt.Fprintf(&href, "%%%02X", c)
	}
	return `<a style="` + tplLinkStyle + `" href="` + href.String() + `">` + link + `</a>`
}

// tplPercentDecode decodes %XX escapes, leaving malformed ones as written.
func tplPercentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// tplSmartQuotesHTML applies smart quotes to the text between tags, leaving
// tags and the text of links alone, as smartypants does.
func tplSmartQuotesHTML(s string) string {
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
			b.WriteString(tplSmartQuotes(text, prev))
		}
		if r, _ := utf8.DecodeLastRuneInString(text); r != utf8.RuneError {
			prev = r
		}
		s = s[end:]
	}
	return b.String()
}
