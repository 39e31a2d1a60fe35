package markdown

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEscapeHTML(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain 'quotes' \"kept\"":   "plain 'quotes' \"kept\"",
		"<b>&</b>":                  "&lt;b&gt;&amp;&lt;/b&gt;",
		"&nbsp;&amp;&lpar;&rpar;":   "&nbsp;&amp;&lpar;&rpar;",
		"&copy; &eacute;":           "© é",
		"&#60;&#x3e;&#X26;":         "&lt;&gt;&amp;",
		"&#0; &#xd800; &#99999999;": "\uFFFD \uFFFD \uFFFD",
		"&bogus; &copy &; &#;":      "&amp;bogus; &amp;copy &amp;; &amp;#;",
		"&lt;script&gt;":            "&lt;script&gt;",
	} {
		assert.Equal(t, want, EscapeHTML(in), "%q", in)
	}
}
