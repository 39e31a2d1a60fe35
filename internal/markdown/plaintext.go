package markdown

import (
	"html"
	"strconv"
	"strings"

	"github.com/notifykit/notify/internal/pyfmt"
)

// plainColumns is the width of the lines under headings and of a
// horizontal rule in the plain-text email.
const plainColumns = 65

// PlainText renders filled text (personalisation filled in, not
// HTML-escaped) as upstream's plain-text email body (notifications-utils
// PlainTextEmailTemplate with notify_plain_text_email_markdown). The blocks
// are those of EmailHTML, written as text:
//
//   - a paragraph is preceded by a blank line and keeps its line breaks;
//   - a main heading ("#" or underlined with "=") is preceded by two
//     blank lines and underlined with 65 "=", a subheading ("##" or
//     underlined with "-") likewise with 65 "-"; deeper levels are
//     paragraphs;
//   - a horizontal rule is a paragraph of "=-=-…=" 65 characters wide;
//   - a list follows a blank line, one item a line, bulleted "• " or
//     numbered "1. ", "2. "… whatever numbers were written;
//   - inset text ("^") is its blocks, without a marker;
//   - [text](url "title") is "text (title): url" (any URL: nothing here
//     is a link), images are dropped, bare URLs are written as they are,
//     and a backslash escape is its character.
//
// As for EmailHTML, GOV.UK gets a zero-width space, U+2028 is removed and
// the typography of EmailSubject is applied (to the whole text: there are
// no tags); character references are decoded; then leading whitespace is
// removed and one newline ends the text.
func PlainText(filled string) string {
	s := unlinkGovUK(filled)
	s = strings.ReplaceAll(s, "\u2028", "")
	// The text is escaped while it is parsed, as mistune's is, so that
	// the parsing is EmailHTML's; the escaping is undone at the end.
	s = RemoveSpaceBeforePunctuation(plainBlocksOf(EscapeHTML(s)))
	s = smartQuotes(s, 0)
	s = unsmartEmailAddresses(s)
	s = enDashes(s)
	s = html.UnescapeString(s)
	return strings.TrimLeftFunc(s, pyfmt.IsSpace) + "\n"
}

// plainBlocksOf renders escaped text as upstream's plain-text markdown
// renderer does, before typography and unescaping: every block starts
// with line breaks of its own.
func plainBlocksOf(escaped string) string {
	var b strings.Builder
	b.Grow(len(escaped) + 64)
	renderBlocks(&b, splitLines(escaped), plainBlocks{})
	return b.String()
}

// plainBlocks writes upstream's plain-text email blocks.
type plainBlocks struct{}

// paragraph writes nothing for a paragraph that renders empty.
func (plainBlocks) paragraph(b *strings.Builder, text string) {
	writePlainParagraph(b, renderInline(text, plainInline{}))
}

func writePlainParagraph(b *strings.Builder, rendered string) {
	if strings.TrimSpace(rendered) == "" {
		return
	}
	b.WriteString("\n\n")
	b.WriteString(rendered)
}

func (w plainBlocks) heading(b *strings.Builder, level int, text string) {
	var mark string
	switch level {
	case 1:
		mark = "="
	case 2:
		mark = "-"
	default:
		w.paragraph(b, text)
		return
	}
	b.WriteString("\n\n\n")
	b.WriteString(renderInline(text, plainInline{}))
	b.WriteString("\n")
	b.WriteString(strings.Repeat(mark, plainColumns))
}

func (plainBlocks) rule(b *strings.Builder) {
	writePlainParagraph(b, strings.Repeat("=-", plainColumns/2)+"=")
}

func (plainBlocks) quoteStart(*strings.Builder) {}
func (plainBlocks) quoteEnd(*strings.Builder)   {}

func (plainBlocks) list(b *strings.Builder, ordered bool, items []string) {
	b.WriteString("\n")
	for i, item := range items {
		b.WriteString("\n")
		if ordered {
			b.WriteString(strconv.Itoa(i + 1))
			b.WriteString(".")
		} else {
			b.WriteString("•")
		}
		b.WriteString(" ")
		b.WriteString(strings.TrimSpace(renderInline(item, plainInline{})))
	}
}

// plainInline writes links as text.
type plainInline struct{}

func (plainInline) lineBreak() string { return "\n" }

func (plainInline) link(text, url, title string) string {
	if title != "" {
		return text + " (" + title + "): " + url
	}
	return text + ": " + url
}

func (plainInline) autolink(url string) string { return url }
