package markdown

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBlockHelpers(t *testing.T) {
	t.Parallel()
	level, text, ok := heading("  ## Sub title ##  ")
	assert.True(t, ok)
	assert.Equal(t, 2, level)
	assert.Equal(t, "Sub title", text)
	for _, l := range []string{"#", "####### seven", "no"} {
		_, _, ok := heading(l)
		assert.False(t, ok, l)
	}
	for _, l := range []string{"---", "* * *", "___", "   - - -"} {
		assert.True(t, isRule(l), l)
	}
	for _, l := range []string{"--", "    ---", "-- x", ""} {
		assert.False(t, isRule(l), l)
	}
	assert.Equal(t, 1, underline(" === "))
	assert.Equal(t, 2, underline("--"))
	assert.Equal(t, 0, underline("=-"))
	assert.True(t, isQuote("  ^ inset"))

	for _, tt := range []struct {
		line          string
		text          string
		ordered, isOK bool
	}{
		{"* a", "a", false, true},
		{"-   b", "b", false, true},
		{"• c", "c", false, true},
		{"•d", "", false, false},
		{"12. e", "e", true, true},
		{"1.f", "", false, false},
		{"*a", "", false, false},
	} {
		text, ordered, ok := bullet(tt.line)
		assert.Equal(t, tt.isOK, ok, tt.line)
		assert.Equal(t, tt.text, text, tt.line)
		assert.Equal(t, tt.ordered, ordered, tt.line)
	}
}

func TestInlineLinks(t *testing.T) {
	t.Parallel()
	text, url, title, n, ok := link(`[a b](https://e.com  "t") rest`)
	assert.True(t, ok)
	assert.Equal(t, []any{"a b", "https://e.com", "t", 25}, []any{text, url, title, n})
	_, _, _, _, ok = link("[a](b c)")
	assert.False(t, ok)

	assert.Equal(t, len("https://e.com/a"), urlLength("https://e.com/a.,)"))
	assert.Equal(t, 0, urlLength("http://"))
	assert.Equal(t, len("http://x/y"), urlLength("http://x/y<b>"))
	assert.Equal(t, "a b%zz%4", percentDecode("a%20b%zz%4"))
	assert.Equal(t, `<a style="`+linkStyle+`" href="https://e.com/%22&lt;%20">https://e.com/"&lt;%20</a>`,
		autolink(`https://e.com/"&lt;%20`))
}

func TestEmailHTMLNesting(t *testing.T) {
	t.Parallel()
	got := EmailHTML("^ # Heading\n^ * one\n^ * two\n\nafter")
	want := quoteOpen + heading1Open + "Heading</h2>" + listOpen + bulletsOpen +
		itemOpen + "one</li>" + itemOpen + "two</li></ul>" + listClose + "</blockquote>" + paragraphOpen + "after</p>"
	assert.Equal(t, want, got)
	assert.Equal(t, paragraphOpen+"a"+lineBreak+"b</p>", EmailHTML("a\u2028\nb"))
	assert.Equal(t, "", EmailHTML(" \n\t\n"))
}

// Inset text nests at most maxQuoteDepth deep: deeper markers are text,
// so a huge run of "^ " costs its length, not its length squared.
func TestQuoteDepthBounded(t *testing.T) {
	deep := strings.Repeat("^ ", maxQuoteDepth+3) + "hi"
	html := EmailHTML(deep)
	assert.Equal(t, maxQuoteDepth, strings.Count(html, "<blockquote"))
	assert.Contains(t, html, "^ ^ ^ hi")
	assert.Equal(t, "^ ^ ^ hi\n", PlainText(deep))

	huge := strings.Repeat("^ ", 1_000_000) + "x"
	out := EmailHTML(huge)
	assert.Less(t, len(out), 3*len(huge), "the output stays in proportion to the input")
	assert.Less(t, len(PlainText(huge)), 2*len(huge))
}
