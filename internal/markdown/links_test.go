package markdown

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLinkSchemesAndEscaping(t *testing.T) {
	t.Parallel()
	a := `<a style="` + linkStyle + `" href="`
	tests := []struct {
		name, in, want string
	}{
		{"https", `[x](https://e.com/a)`, a + `https://e.com/a">x</a>`},
		{"http, any case", `[x](HTTP://e.com/a)`, a + `HTTP://e.com/a">x</a>`},
		{"mailto", `[write](mailto:help@e.com)`, a + `mailto:help@e.com">write</a>`},
		{"quotes in the href", `[x](https://e.com/"a'b)`, a + `https://e.com/&#34;a&#39;b">x</a>`},
		{"quotes in the title", `[x](https://e.com 'say "hi"')`, a + `https://e.com" title="say &#34;hi&#34;">x</a>`},
		{"javascript is text", `[click](javascript:alert%281%29) here`, `click here`},
		{"data is text", `[click](data:text/html;base64,PHNj)`, `click`},
		{"relative is text", `[click](/path)`, `click`},
		{"protocol-relative is text", `[click](//e.com/x)`, `click`},
		{"obfuscated scheme is text", "[click](java\tscript:alert%281%29)", `click`},
		{"entity in the scheme is text", `[click](&#106;avascript:x)`, `click`},
		{"vbscript is text", `[click](vbscript:msgbox)`, `click`},
		{"attribute break-out in the href", `[click](https://a.example/"onmouseover="location=name"x=")`,
			a + `https://a.example/&#34;onmouseover=&#34;location=name&#34;x=&#34;">click</a>`},
		{"attribute break-out in the title", `[click](https://a.example/ 'x"onmouseover="location=name')`,
			a + `https://a.example/" title="x&#34;onmouseover=&#34;location=name">click</a>`},
		{"the text of a refused link is still rendered", `[see https://e.com](ftp://e.com)`, `see ` + a + `https://e.com">https://e.com</a>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, inline(EscapeHTML(tt.in)))
		})
	}
}
