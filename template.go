package notify

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/notifykit/notify/internal/gsm"
	"github.com/notifykit/notify/internal/markdown"
	"github.com/notifykit/notify/internal/pyfmt"
)

// Template rendering: placeholders ((name)) and conditionals
// ((name??text)), and the entry points that render a text message (with its
// character and fragment counts) and an email's subject, plain body and HTML
// body. What an SMS can carry is internal/gsm's business, email HTML and
// typography internal/markdown's, Python's str() of values internal/pyfmt's.
//
// Placeholder syntax is upstream's regular expression \({2}([^()]+)\){2},
// implemented here with a small scanner: "((" followed by one or more
// characters that are not parentheses, then "))". Matching of names to
// personalisation keys ignores case, spaces, "_" and "-".

// Length limits of a rendered message.
const (
	// SMSCharCountLimit is the most characters an SMS may have, not
	// counting the service-name prefix (153 × 6).
	SMSCharCountLimit = 918
	// EmailMaxBytes is the largest email body, in bytes of UTF-8.
	EmailMaxBytes = 2000000
)

// placeholderAt finds the next placeholder in s at or after i. It returns
// the byte offsets of the opening "((" and just after the closing "))".
func placeholderAt(s string, i int) (start, end int, ok bool) {
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

// splitPlaceholder splits a placeholder body into its name and, for a
// conditional ((name??text)), the text shown when the value is true.
func splitPlaceholder(body string) (name string, conditional bool, text string) {
	if i := strings.Index(body, "??"); i >= 0 {
		return body[:i], true, body[i+2:]
	}
	return body, false, ""
}

// placeholderKey is the form in which placeholder names and personalisation
// keys are compared: lower case, without spaces, underscores and hyphens.
func placeholderKey(s string) string {
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
	return appendPlaceholders(nil, nil, content)
}

// appendPlaceholders appends to names the placeholders of content whose
// key is not yet in seen.
func appendPlaceholders(names []string, seen map[string]bool, content string) []string {
	for i := 0; ; {
		start, end, ok := placeholderAt(content, i)
		if !ok {
			return names
		}
		i = end
		name, _, _ := splitPlaceholder(content[start+2 : end-2])
		key := placeholderKey(name)
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
// Keys match ignoring case, spaces, "_" and "-".
func MissingPersonalisation(subject, content string, values map[string]any) []string {
	seen := make(map[string]bool)
	names := appendPlaceholders(nil, seen, subject)
	names = appendPlaceholders(names, seen, content)
	lk := valueLookup{values: values}
	var missing []string
	for _, name := range names {
		if v, ok := lk.get(name); !ok || v == nil {
			missing = append(missing, name)
		}
	}
	return missing
}

// valueLookup finds personalisation values by placeholder name. An exact
// key wins; otherwise keys are compared insensitively and, when several keys
// match, the smallest one (in byte order) is used so that the result does
// not depend on map order.
type valueLookup struct {
	values map[string]any
	index  map[string]string // placeholderKey(key) → key, built on first need
}

func (l *valueLookup) get(name string) (any, bool) {
	if v, ok := l.values[name]; ok {
		return v, true
	}
	if len(l.values) == 0 {
		return nil, false
	}
	if l.index == nil {
		l.index = make(map[string]string, len(l.values))
		for k := range l.values {
			nk := placeholderKey(k)
			if prev, ok := l.index[nk]; !ok || k < prev {
				l.index[nk] = k
			}
		}
	}
	k, ok := l.index[placeholderKey(name)]
	if !ok {
		return nil, false
	}
	return l.values[k], true
}

// fillOptions says how values are written into content.
type fillOptions struct {
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
	return fill(content, values, fillOptions{})
}

func fill(content string, values map[string]any, opt fillOptions) string {
	start, end, ok := placeholderAt(content, 0)
	if !ok {
		if opt.html {
			return markdown.EscapeHTML(content)
		}
		return content
	}
	lk := valueLookup{values: values}
	var b strings.Builder
	b.Grow(len(content) + 32)
	last := 0
	for ok {
		writeText(&b, content[last:start], opt.html)
		written := content[start:end]
		name, conditional, text := splitPlaceholder(written[2 : len(written)-2])
		v, found := lk.get(name)
		switch {
		case !found || v == nil:
			writeMissing(&b, written, name, conditional, text, opt.html)
		case conditional:
			if str2bool(replacement(v, opt.markdownLists)) {
				writeText(&b, text, opt.html)
			}
		default:
			writeText(&b, replacement(v, opt.markdownLists), opt.html)
		}
		last = end
		start, end, ok = placeholderAt(content, end)
	}
	writeText(&b, content[last:], opt.html)
	return b.String()
}

func writeText(b *strings.Builder, s string, html bool) {
	if html {
		s = markdown.EscapeHTML(s)
	}
	b.WriteString(s)
}

// writeMissing writes a placeholder that has no value: as written in plain
// text, with upstream's preview markup in HTML.
func writeMissing(b *strings.Builder, written, name string, conditional bool, text string, html bool) {
	switch {
	case !html:
		b.WriteString(written)
	case conditional:
		b.WriteString("<span class='placeholder-conditional'>&#40;&#40;")
		b.WriteString(markdown.EscapeHTML(name))
		b.WriteString("??</span>")
		b.WriteString(markdown.EscapeHTML(text))
		b.WriteString("&#41;&#41;")
	default:
		b.WriteString("<span class='placeholder'>&#40;&#40;")
		b.WriteString(markdown.EscapeHTML(name))
		b.WriteString("&#41;&#41;</span>")
	}
}

// replacement is the text a non-nil value stands for: Python's str(),
// except that lists are joined ("a, b and c", or markdown bullets) after
// dropping nil and blank items.
func replacement(v any, markdownLists bool) string {
	items, isList := pyfmt.Items(v)
	if !isList {
		return pyfmt.Str(v)
	}
	vals := make([]string, 0, len(items))
	for _, it := range items {
		if it == nil {
			continue
		}
		if s := stripObscure(pyfmt.Str(it)); s != "" {
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

// stripObscure is upstream's strip_and_remove_obscure_whitespace: remove
// zero-width characters and no-break spaces, then trim ASCII whitespace.
func stripObscure(s string) string {
	obscure := func(r rune) bool { return pyfmt.IsZeroWidth(r) || r == '\u00A0' }
	if strings.ContainsFunc(s, obscure) {
		s = strings.Map(func(r rune) rune {
			if obscure(r) {
				return -1
			}
			return r
		}, s)
	}
	return strings.Trim(s, " \t\n\r\v\f")
}

// str2bool is upstream's str2bool applied to the replacement text.
func str2bool(s string) bool {
	switch strings.ToLower(s) {
	case "yes", "y", "true", "t", "1", "include", "show":
		return true
	}
	return false
}

// RenderSMS returns the SMS body as the API returns it: Fill, remove
// whitespace before punctuation, normalise whitespace and newlines (\r\n, \r
// → \n; runs of spaces → one; 3+ newlines → 2), trim, GSM-sanitise.
// prefix, when non-empty, is the service name: the result is then
// "{prefix}: {body}" (used at send time).
func RenderSMS(content string, values map[string]any, prefix string) string {
	body := fill(content, values, fillOptions{})
	if p := pyfmt.Strip(prefix); prefix != "" {
		body = p + ": " + body
	}
	return gsm.Normalise(markdown.RemoveSpaceBeforePunctuation(body))
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
		start, end, ok := placeholderAt(s, last)
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
	return refusal(CodeMessageTooLong, FieldContent, fmt.Sprintf(
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
	return refusal(CodeMessageTooLong, FieldContent, fmt.Sprintf(
		"Your message is too long. Emails cannot be longer than %d bytes. Your message is %d bytes.",
		EmailMaxBytes, n))
}

// RenderEmailBody returns the email body as the v2 API returns it in
// content.body: Fill + trim (markdown left as written), with list values
// rendered as markdown bullets.
func RenderEmailBody(content string, values map[string]any) string {
	return pyfmt.Strip(fill(content, values, fillOptions{markdownLists: true}))
}

// RenderEmailSubject renders an email subject: Fill, smart quotes, en
// dashes, whitespace collapsed to single spaces, trim.
func RenderEmailSubject(subject string, values map[string]any) string {
	return markdown.EmailSubject(fill(subject, values, fillOptions{}))
}

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
	return markdown.EmailHTML(fill(content, values, fillOptions{markdownLists: true, html: true}))
}

// RenderEmailPlainText renders the email body as upstream's plain-text
// email (the text/plain part of a sent email): the same blocks as
// RenderEmailHTML written as text (headings underlined, lists with "•"
// or numbers, links as "text: url", images dropped, backslash escapes
// resolved), the same typography, no leading whitespace and one final
// newline. The values are not escaped: nothing here is HTML.
func RenderEmailPlainText(content string, values map[string]any) string {
	return markdown.PlainText(fill(content, values, fillOptions{markdownLists: true}))
}
