package markdown

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// A backslash escape renders its character as text, as mistune's escape
// rule does; it never starts a link, an image or a bare URL.
func TestBackslashEscapes(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"escaped link is text", `\[click\]\(\)`, `[click]()`},
		{"escaped image is text", `\!\[x\]\(y\)`, `![x](y)`},
		{"escaped punctuation", "Mr\\. Smith \\- \\*\\_\\#\\+\\{\\}\\|\\~\\`", "Mr. Smith \u2013 *_#+{}|~`"},
		{"escaped backslash", `a\\b`, `a\b`},
		{"other characters keep the backslash", `a\b \: \&amp;`, `a\b \: \&amp;`},
		{"escaped angle brackets", `\&lt;b\&gt;`, `&lt;b&gt;`},
		{"trailing backslash", `end\`, `end\`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, paragraphOpen+tc.want+"</p>", EmailHTML(tc.in))
		})
	}
	// Escaped block markers make a paragraph, not a heading, list or rule.
	for _, in := range []string{`\# Title`, `\- item`, `1\. item`, `\-\-\-`} {
		out := EmailHTML(in)
		assert.Contains(t, out, paragraphOpen, in)
		assert.NotContains(t, out, "<h2", in)
		assert.NotContains(t, out, "<li", in)
		assert.NotContains(t, out, "<hr", in)
	}
	// Escaped brackets keep a link out.
	assert.NotContains(t, EmailHTML(`\[x\]\(mailto:a@evil\.link\)`), "<a ")
}
