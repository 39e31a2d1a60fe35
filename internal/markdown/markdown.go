// Package markdown renders email text as upstream does
// (notifications-utils markdown.py and formatters.py): the HTML and the
// plain-text email bodies from the markdown subset that templates use,
// with one parser for both, and the typography applied
// to email subjects and bodies (smart quotes, en dashes, no space before
// punctuation, GOV.UK unlinked). Input is text with personalisation
// already filled in.
package markdown

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// EmailHTML renders filled, HTML-escaped text (see EscapeHTML) as
// upstream's HTML email body: GOV.UK gets a zero-width space so that mail
// clients do not link it; blank lines separate blocks (paragraphs with
// <br /> line breaks, "#" and "##" headings or lines underlined with "="
// and "-", horizontal rules, bulleted and numbered lists, "^" inset text);
// [text](url) is a link when the URL is http, https or mailto (its text
// alone otherwise), with quotes in the URL and the title escaped; images
// are dropped and bare http(s) URLs are linked; then the typography of EmailSubject, except that quotes in tags
// and link texts are left alone and whitespace is kept.
//
// Unlike upstream (mistune), a bullet must be followed by whitespace,
// code blocks (indented or fenced) and tables are not recognised (they are
// paragraphs), and a blank line ends a list unless another bullet follows.
func EmailHTML(escaped string) string {
	s := unlinkGovUK(escaped)
	s = strings.ReplaceAll(s, "\u2028", "")
	s = blocksHTML(s)
	s = RemoveSpaceBeforePunctuation(s)
	s = smartQuotesHTML(s)
	s = unsmartEmailAddresses(s)
	return enDashes(s)
}

// Styles of upstream's HTML email body (notifications-utils markdown.py,
// NotifyEmailMarkdownRenderer).
const (
	paragraphOpen = `<p style="Margin: 0 0 20px 0; font-size: 19px; line-height: 25px; color: #0B0C0C;">`
	heading1Open  = `<h2 style="Margin: 0 0 15px 0; padding: 10px 0 0 0; font-size: 27px; line-height: 35px; font-weight: bold; color: #0B0C0C;">`
	heading2Open  = `<h3 style="Margin: 0 0 15px 0; padding: 10px 0 0 0; font-size: 19px; line-height: 25px; font-weight: bold; color: #0B0C0C;">`
	ruleHTML      = `<hr style="border: 0; height: 1px; background: #B1B4B6; Margin: 30px 0 30px 0;">`
	listOpen      = `<table role="presentation" style="padding: 0 0 20px 0;"><tr><td style="font-family: Helvetica, Arial, sans-serif;">`
	listClose     = `</td></tr></table>`
	bulletsOpen   = `<ul style="Margin: 0 0 0 20px; padding: 0; list-style-type: disc;">`
	numbersOpen   = `<ol style="Margin: 0 0 0 20px; padding: 0; list-style-type: decimal;">`
	itemOpen      = `<li style="Margin: 5px 0 5px; padding: 0 0 0 5px; font-size: 19px;line-height: 25px; color: #0B0C0C;">`
	quoteOpen     = `<blockquote style="Margin: 0 0 20px 0; border-left: 10px solid #B1B4B6;padding: 15px 0 0.1px 15px; font-size: 19px; line-height: 25px;">`
	linkStyle     = `word-wrap: break-word; color: #1D70B8;`
	lineBreak     = `<br />`
)

// blocksHTML renders already-escaped text as the markdown subset
// described at EmailHTML.
func blocksHTML(s string) string {
	var b strings.Builder
	b.Grow(len(s) * 2)
	renderBlocks(&b, splitLines(s), htmlBlocks{})
	return b.String()
}

// heading returns the level and text of an ATX heading line.
func heading(line string) (int, string, bool) {
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

// isRule reports whether line is a horizontal rule.
func isRule(line string) bool {
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

// underline returns the heading level a setext underline gives (1 for
// "===", 2 for "---"), or 0.
func underline(line string) int {
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

func isQuote(line string) bool {
	return strings.HasPrefix(strings.TrimLeft(line, " "), "^")
}

// bullet returns the text after a list bullet and whether the bullet is a
// number.
func bullet(line string) (text string, ordered, ok bool) {
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

// blockWriter writes the blocks renderBlocks finds: upstream's HTML for
// EmailHTML, its plain text for PlainText. Texts are still escaped.
type blockWriter interface {
	rule(b *strings.Builder)
	// quoteStart and quoteEnd enclose inset text, whose lines (markers
	// removed) are blocks of their own.
	quoteStart(b *strings.Builder)
	quoteEnd(b *strings.Builder)
	heading(b *strings.Builder, level int, text string)
	paragraph(b *strings.Builder, text string)
	list(b *strings.Builder, ordered bool, items []string)
}

// splitLines normalises line ends and tabs as mistune's preprocessing
// does and returns the lines, those of spaces alone made empty.
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.ReplaceAll(s, "\t", "    ")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.TrimLeft(l, " ") == "" {
			lines[i] = ""
		}
	}
	return lines
}

// maxQuoteDepth is how deeply inset text nests: a "^" deeper than that
// is text. Templates use one or two levels; without a bound, a value of a
// million "^ " would make a million nested blocks (upstream's recursive
// renderer fails long before).
const maxQuoteDepth = 16

func renderBlocks(b *strings.Builder, lines []string, w blockWriter) {
	renderBlocksAt(b, lines, w, 0)
}

// renderBlocksAt renders lines nested in depth inset texts.
func renderBlocksAt(b *strings.Builder, lines []string, w blockWriter, depth int) {
	for i := 0; i < len(lines); {
		line := lines[i]
		switch {
		case line == "":
			i++
		case isRule(line):
			w.rule(b)
			i++
		case isQuote(line) && depth < maxQuoteDepth:
			var inner []string
			for i < len(lines) && (lines[i] != "" || i+1 < len(lines) && isQuote(lines[i+1])) {
				t := strings.TrimLeft(lines[i], " ")
				if strings.HasPrefix(t, "^") {
					t = strings.TrimPrefix(strings.TrimPrefix(t, "^"), " ")
				}
				inner = append(inner, t)
				i++
			}
			w.quoteStart(b)
			renderBlocksAt(b, inner, w, depth+1)
			w.quoteEnd(b)
		default:
			if level, text, ok := heading(line); ok {
				w.heading(b, level, text)
				i++
				continue
			}
			if i+1 < len(lines) {
				if level := underline(lines[i+1]); level > 0 {
					w.heading(b, level, strings.Trim(line, " "))
					i += 2
					continue
				}
			}
			if _, _, ok := bullet(line); ok {
				ordered, items, next := parseList(lines, i)
				w.list(b, ordered, items)
				i = next
				continue
			}
			text, next := parseParagraph(lines, i)
			w.paragraph(b, text)
			i = next
		}
	}
}

// htmlBlocks writes upstream's HTML email blocks.
type htmlBlocks struct{}

func (htmlBlocks) rule(b *strings.Builder) { b.WriteString(ruleHTML) }

func (htmlBlocks) quoteStart(b *strings.Builder) { b.WriteString(quoteOpen) }
func (htmlBlocks) quoteEnd(b *strings.Builder)   { b.WriteString("</blockquote>") }

func (w htmlBlocks) heading(b *strings.Builder, level int, text string) {
	switch level {
	case 1:
		b.WriteString(heading1Open)
		b.WriteString(inline(text))
		b.WriteString("</h2>")
	case 2:
		b.WriteString(heading2Open)
		b.WriteString(inline(text))
		b.WriteString("</h3>")
	default:
		w.paragraph(b, text)
	}
}

// paragraph writes nothing for a paragraph that renders empty (one made
// of images, say), as upstream's renderer does.
func (htmlBlocks) paragraph(b *strings.Builder, text string) {
	rendered := inline(text)
	if strings.TrimSpace(rendered) == "" {
		return
	}
	b.WriteString(paragraphOpen)
	b.WriteString(rendered)
	b.WriteString("</p>")
}

func (htmlBlocks) list(b *strings.Builder, ordered bool, items []string) {
	b.WriteString(listOpen)
	if ordered {
		b.WriteString(numbersOpen)
	} else {
		b.WriteString(bulletsOpen)
	}
	for _, item := range items {
		b.WriteString(itemOpen)
		b.WriteString(strings.TrimSpace(inline(item)))
		b.WriteString("</li>")
	}
	if ordered {
		b.WriteString("</ol>")
	} else {
		b.WriteString("</ul>")
	}
	b.WriteString(listClose)
}

// parseParagraph returns the text of the paragraph starting at lines[i]
// (its lines joined by newlines) and the index of the line after it.
func parseParagraph(lines []string, i int) (string, int) {
	var para []string
	for i < len(lines) && lines[i] != "" {
		if len(para) > 0 {
			l := lines[i]
			_, _, isHeading := heading(l)
			underlined := i+1 < len(lines) && underline(lines[i+1]) > 0
			if isHeading || isRule(l) || isQuote(l) || underlined || breaksParagraph(l) {
				break
			}
		}
		para = append(para, strings.TrimLeft(lines[i], " "))
		i++
	}
	return strings.Join(para, "\n"), i
}

// breaksParagraph reports whether line starts with "*", "+", "-" or a
// number and a dot, then a space: mistune ends a paragraph before such a
// line (its list pattern before upstream narrowed it), so a list may
// follow a paragraph's last line directly; "+ " lines, no longer bullets,
// become paragraphs of their own.
func breaksParagraph(line string) bool {
	t := strings.TrimLeft(line, " ")
	if len(t) >= 2 && strings.IndexByte("*+-", t[0]) >= 0 && t[1] == ' ' {
		return true
	}
	n := 0
	for n < len(t) && t[n] >= '0' && t[n] <= '9' {
		n++
	}
	return n > 0 && n+1 < len(t) && t[n] == '.' && t[n+1] == ' '
}

// parseList returns the list starting at lines[i]: whether it is
// numbered, the text of each item (its lines joined by newlines) and the
// index of the line after it.
func parseList(lines []string, i int) (ordered bool, items []string, next int) {
	_, ordered, _ = bullet(lines[i])
	var parts [][]string
	for i < len(lines) {
		line := lines[i]
		if line == "" {
			// A blank line ends the list unless another bullet follows.
			j := i
			for j < len(lines) && lines[j] == "" {
				j++
			}
			if j < len(lines) {
				if _, _, ok := bullet(lines[j]); ok {
					i = j
					continue
				}
			}
			break
		}
		if text, _, ok := bullet(line); ok {
			parts = append(parts, []string{text})
		} else {
			last := len(parts) - 1
			parts[last] = append(parts[last], strings.TrimLeft(line, " "))
		}
		i++
	}
	items = make([]string, len(parts))
	for k, p := range parts {
		items[k] = strings.Join(p, "\n")
	}
	return ordered, items, i
}

// inlineWriter writes what renderInline finds in a block's text:
// upstream's HTML for EmailHTML, its plain text for PlainText.
type inlineWriter interface {
	lineBreak() string
	// link writes [text](url "title"); text is rendered already, url and
	// title are as written (escaped).
	link(text, url, title string) string
	// autolink writes a bare http(s) URL.
	autolink(url string) string
}

// htmlInline writes upstream's HTML email links and line breaks.
type htmlInline struct{}

func (htmlInline) lineBreak() string { return lineBreak }

func (htmlInline) link(text, url, title string) string {
	if !linkable(url) {
		return text
	}
	s := `<a style="` + linkStyle + `" href="` + quoteEscaper.Replace(url) + `"`
	if title != "" {
		s += ` title="` + quoteEscaper.Replace(title) + `"`
	}
	return s + ">" + text + "</a>"
}

func (htmlInline) autolink(url string) string { return autolink(url) }

// inline renders links, images, bare URLs and line breaks in escaped
// text as HTML.
func inline(s string) string { return renderInline(s, htmlInline{}) }

// renderInline renders links, images, bare URLs, backslash escapes and
// line breaks in escaped text through w.
func renderInline(s string, w inlineWriter) string {
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
			b.WriteString(w.lineBreak())
			i++
		case s[i] == '\\' && i+1 < len(s) && strings.IndexByte(escapable, s[i+1]) >= 0:
			// A backslash escape stands for its character, written as
			// text: it starts no link, image or URL.
			b.WriteByte(s[i+1])
			i += 2
		case s[i] == '\\' && (strings.HasPrefix(s[i+1:], "&gt;") || strings.HasPrefix(s[i+1:], "&lt;")):
			// The same for an escaped > or < (escaped again as HTML here).
			b.WriteString(s[i+1 : i+5])
			i += 5
		case s[i] == '[' || s[i] == '!' && i+1 < len(s) && s[i+1] == '[':
			image := s[i] == '!'
			start := i
			if image {
				start++
			}
			text, url, title, n, ok := link(s[start:])
			if !ok {
				b.WriteByte(s[i])
				i++
				continue
			}
			if !image {
				b.WriteString(w.link(renderInline(text, w), url, title))
			}
			i = start + n
		case strings.HasPrefix(s[i:], "http://") || strings.HasPrefix(s[i:], "https://"):
			n := urlLength(s[i:])
			if n == 0 {
				b.WriteByte(s[i])
				i++
				continue
			}
			b.WriteString(w.autolink(s[i : i+n]))
			i += n
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String()
}

// escapable are the characters a backslash escapes, as mistune's: a
// backslash before any other character is written as it is. The text is
// HTML-escaped here, so ">" (mistune's) and "<" (which sanitised
// personalisation escapes too) are handled as "&gt;" and "&lt;".
const escapable = "\\`*{}[]()#+-.!_~|"

// quoteEscaper escapes the quotes of an attribute value taken from
// escaped text (whose &, < and > are escaped already), so that it cannot
// end the attribute.
var quoteEscaper = strings.NewReplacer(`"`, "&#34;", `'`, "&#39;")

// linkable reports whether a link's URL may be an href: http, https and
// mailto only. Any other (javascript:, data:, relative or
// protocol-relative URLs, obfuscated schemes) renders the link's text
// alone.
func linkable(url string) bool {
	u := strings.ToLower(url)
	return strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "mailto:")
}

// link parses [text](url "title") at the start of s and returns its
// parts and length. The text holds no brackets, the URL no whitespace or
// parentheses, and the title (in single or double quotes) no quote of its
// kind; every scan stops early, so a text full of brackets stays linear.
func link(s string) (text, url, title string, n int, ok bool) {
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

// urlLength returns the length of the URL at the start of s, following
// upstream's pattern https?://[^\s<]+[^<.,:"')\]\s], or 0.
func urlLength(s string) int {
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

// autolink links a bare URL as upstream's create_sanitised_html_for_url:
// the href is percent-decoded and re-encoded keeping :/?#=&; so that quotes
// cannot break out of the attribute.
func autolink(link string) string {
	var href strings.Builder
	raw := percentDecode(link)
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_.-~:/?#=&;", c) >= 0 {
			href.WriteByte(c)
			continue
		}
		fmt.Fprintf(&href, "%%%02X", c)
	}
	return `<a style="` + linkStyle + `" href="` + href.String() + `">` + link + `</a>`
}

// percentDecode decodes %XX escapes, leaving malformed ones as written.
func percentDecode(s string) string {
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
