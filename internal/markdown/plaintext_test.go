package markdown

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/notifykit/notify/internal/sanitise"
)

var (
	plainH1   = strings.Repeat("=", 65)
	plainH2   = strings.Repeat("-", 65)
	plainRule = "=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-="
)

// The plain-text rows of notifications-utils tests/test_markdown.py, run
// against the block renderer alone (before typography and unescaping), as
// upstream's tests call notify_plain_text_email_markdown. Each row is named
// after its upstream test and parametrize id.
func TestPlainTextMarkdownUpstream(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"test_preserves_whitespace_when_making_links", "https://example.com\n\nNext paragraph", "\n\nhttps://example.com\n\nNext paragraph"},
		{"test_block_quote", "^ inset text", "\n\ninset text"},
		{"test_level_1_header[# heading]", "# heading", "\n\n\nheading\n" + plainH1},
		{"test_level_1_header[#heading]", "#heading", "\n\n\nheading\n" + plainH1},
		{"test_external_link_without_http", "Visit our [website](www.example.com/xyz).", "\n\nVisit our website: www.example.com/xyz."},
		{"test_external_link_with_http", "Visit our [website](https://www.example.com/xyz).", "\n\nVisit our website: https://www.example.com/xyz."},
		{"test_external_title_link_without_http", "Visit our [website](www.example.com/xyz 'Link Title').", "\n\nVisit our website (Link Title): www.example.com/xyz."},
		{"test_external_title_link_http", "Visit our [website](https://www.example.com/xyz 'Link Title').", "\n\nVisit our website (Link Title): https://www.example.com/xyz."},
		{"test_level_2_header", "## heading", "\n\n\nheading\n" + plainH2},
		{"test_level_3_header", "### inset text", "\n\ninset text"},
		{"test_hrule[***]", "a\n\n***\n\nb", "\n\na\n\n" + plainRule + "\n\nb"},
		{"test_hrule[---]", "a\n\n---\n\nb", "\n\na\n\n" + plainRule + "\n\nb"},
		{"test_ordered_list[1. one]", "1. one\n2. two\n3. three\n", "\n\n1. one\n2. two\n3. three"},
		// test_ordered_list[1.one] ("1.one\n2.two\n3.three\n") does not
		// hold: a number or bullet must be followed by whitespace here
		// (EmailHTML's departure from mistune), so it is a paragraph.
		// test_unordered_list[*one] likewise.
		{"test_unordered_list[single space]", "* one\n* two\n* three\n", "\n\n• one\n• two\n• three"},
		{"test_unordered_list[two spaces]", "*  one\n*  two\n*  three\n", "\n\n• one\n• two\n• three"},
		{"test_unordered_list[tab]", "*\tone\n*\ttwo\n*\tthree\n", "\n\n• one\n• two\n• three"},
		{"test_unordered_list[dash as bullet]", "- one\n- two\n- three\n", "\n\n• one\n• two\n• three"},
		{"test_unordered_list[bullet as bullet]", "• one\n• two\n• three\n", "\n\n• one\n• two\n• three"},
		{"test_pluses_dont_render_as_lists", "+ one\n+ two\n+ three\n", "\n\n+ one\n\n+ two\n\n+ three"},
		{"test_paragraphs", "line one\nline two\n\nnew paragraph", "\n\nline one\nline two\n\nnew paragraph"},
		{"test_multiple_newlines_get_truncated", "before\n\n\n\n\n\nafter", "\n\nbefore\n\nafter"},
		// test_table ("col | col\n----|----\nval | val\n" renders nothing)
		// does not hold: tables are not recognised, as in EmailHTML, and
		// are written as a paragraph.
		// test_block_code (a ``` fence renders its code alone) does not
		// hold: code blocks are not recognised, as in EmailHTML.
		{"test_autolink", "http://example.com", "\n\nhttp://example.com"},
		{"test_codespan", "variable called `thing`", "\n\nvariable called `thing`"},
		{"test_double_emphasis", "something **important**", "\n\nsomething **important**"},
		{"test_emphasis[*]", "something *important*", "\n\nsomething *important*"},
		{"test_emphasis[_]", "something _important_", "\n\nsomething _important_"},
		{"test_emphasis[before*after]", "before*after", "\n\nbefore*after"},
		{"test_emphasis[before_after]", "before_after", "\n\nbefore_after"},
		{"test_nested_emphasis", "foo ****** bar", "\n\nfoo ****** bar"},
		{"test_image", "![alt text](http://example.com/image.png)", ""},
		{"test_link", "[Example](http://example.com)", "\n\nExample: http://example.com"},
		{"test_link_with_title", `[Example](http://example.com "An example URL")`, "\n\nExample (An example URL): http://example.com"},
		{"test_strikethrough", "~~Strike~~", "\n\n~~Strike~~"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, plainBlocksOf(EscapeHTML(tt.in)))
		})
	}
}

// PlainText is the whole of upstream's PlainTextEmailTemplate body: the
// blocks, typography, unescaping, no leading whitespace, one final newline.
func TestPlainText(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{
			// notifications-utils tests/test_template_types.py
			// test_plain_text_email_whitespace, with the renderer of
			// markdown.py (65-column underlines and rules).
			"test_plain_text_email_whitespace",
			"# Heading\n\n1. one\n2. two\n3. three\n\n***\n\n# Heading\n\nParagraph\n\nParagraph\n\n^ callout\n\n1. one not four\n1. two not five",
			"Heading\n" + plainH1 + "\n\n1. one\n2. two\n3. three\n\n" + plainRule + "\n\n\nHeading\n" + plainH1 +
				"\n\nParagraph\n\nParagraph\n\ncallout\n\n1. one not four\n2. two not five\n",
		},
		{"test_escaping_govuk_in_email_templates[GOV.UK]", "GOV.UK", "GOV.\u200bUK\n"},
		{"test_escaping_govuk_in_email_templates[gov.uk/register-to-vote]", "gov.uk/register-to-vote", "gov.uk/register-to-vote\n"},
		{"test_escaping_govuk_in_email_templates[https://www.gov.uk]", "https://www.gov.uk", "https://www.gov.uk\n"},
		{"test_stripping_of_unsupported_characters_in_email_templates", "line one\u2028line two", "line oneline two\n"},
		{"test_govuk_email_whitespace_hack", "paragraph one\n\n&nbsp;\n\nparagraph two", "paragraph one\n\n\u00a0\n\nparagraph two\n"},
		{
			"test_email_file_link_with_ampersand_renders_valid_html_and_plain_text",
			"Download: [your file](https://example.com/d/abc?key=xyz&template_version=1)",
			"Download: your file: https://example.com/d/abc?key=xyz&template_version=1\n",
		},
		{"empty", "", "\n"},
		{"typography", `He said "it's done" - at last , really .`, "He said \u201cit\u2019s done\u201d \u2013 at last, really.\n"},
		{"email addresses keep straight quotes", "Write to o'brien@example.com", "Write to o'brien@example.com\n"},
		{"HTML is text", "<b>bold</b> & <i>co</i> &copy; &amp;amp;", "<b>bold</b> & <i>co</i> \u00a9 &amp;\n"},
		{"list after a paragraph line", "You need:\n* a passport\n* a photo", "You need:\n\n• a passport\n• a photo\n"},
		{"list item continued", "1. one\ncontinued\n2. two", "1. one\ncontinued\n2. two\n"},
		{"link in a list item and inset text", "^ * see [the guide](https://e.com/g)", "• see the guide: https://e.com/g\n"},
		{"setext headings", "Title\n===\n\nSub\n---\ntext", "Title\n" + plainH1 + "\n\n\nSub\n" + plainH2 + "\n\ntext\n"},
		{"spaces before a line break", "one  \ntwo", "one\ntwo\n"},
		{"windows line ends", "one\r\ntwo\r\n\r\nthree", "one\ntwo\n\nthree\n"},
		{"a link to any scheme is text", "[click](javascript:alert%281%29)", "click: javascript:alert%281%29\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, PlainText(tt.in))
		})
	}
}

// A value sanitised for markdown (every markdown character escaped with a
// backslash) reads in the plain text as it was written: no backslash is
// left and none of its characters makes a link, list or heading.
func TestPlainTextSanitisedValues(t *testing.T) {
	t.Parallel()
	tests := []struct{ value, want string }{
		{`# Not a heading`, "# Not a heading\n"},
		{`* not a list`, "* not a list\n"},
		{`1. not a list`, "1. not a list\n"},
		{`---`, "---\n"},
		{`[click](mailto:a@b) ![x](y)`, "[click](mailto:a@b) ![x](y)\n"},
		{`<b>a_b*c</b> {x} | y + z ! \ back`, "<b>a_b*c</b> {x} | y + z ! \\ back\n"},
		{"Mr. Smith - (the) `boss`", "Mr. Smith \u2013 (the) `boss`\n"},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			t.Parallel()
			sanitised := sanitise.Text(tt.value)
			assert.NotEqual(t, tt.value, sanitised, "the value has something to escape")
			// At the start of a line, where a block could begin.
			assert.Equal(t, "Dear Jo,\n\n"+tt.want, PlainText("Dear Jo,\n\n"+sanitised))
		})
	}
}

// A paragraph ends before a line that mistune's list pattern starts, in
// the HTML as in the plain text (notifications-utils test_markdown.py
// test_pluses_dont_render_as_lists, notify_email_markdown row).
func TestEmailHTMLParagraphEndsBeforeBullet(t *testing.T) {
	t.Parallel()
	p := func(s string) string { return paragraphOpen + s + "</p>" }
	assert.Equal(t, p("+ one")+p("+ two")+p("+ three"), EmailHTML("+ one\n+ two\n+ three\n"))
	assert.Equal(t, p("You need:")+listOpen+bulletsOpen+itemOpen+"a passport</li></ul>"+listClose,
		EmailHTML("You need:\n* a passport"))
	assert.Equal(t, p("You need:<br />• a passport"), EmailHTML("You need:\n• a passport"),
		"• was never a bullet of mistune's own pattern")
}

func FuzzPlainText(f *testing.F) {
	for _, s := range []string{"", " \n ", "# a\n\n* b\n1. c\n\n^ d [e](f 'g') ![h](i)", `\[x\]\(y\) \&lt; \`, "a\r\n---\n\tb", "http://e.com/x\\_y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := PlainText(s)
		if !strings.HasSuffix(out, "\n") {
			t.Fatalf("no final newline: %q", out)
		}
		if out != "\n" && strings.TrimLeft(out, " \t\r\n") != out {
			t.Fatalf("leading whitespace: %q", out)
		}
	})
}
