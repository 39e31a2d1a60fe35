package sanitise

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"plain text is kept", "Amala", "Amala"},
		{"empty", "", ""},
		{"markdown link loses its target", "Amala, please [click this evil link](https://evil.link)", `Amala, please \[click this evil link\]\(\)`},
		{"markdown link after a name", "User, [click here](https://evil.link)", `User, \[click here\]\(\)`},
		// A path runs to the next whitespace, so it takes the closing parenthesis.
		{"image loses its target and the parenthesis after a path", "![logo](https://evil.link/a.png)", `\!\[logo\]\(`},
		{"bare URL is removed", "visit https://evil.link/login?next=1 now", "visit  now"},
		{"URL in capitals is removed", "HTTPS://EVIL.LINK", ""},
		{"URL without scheme but with a path is removed", "go to evil.com/login", "go to "},
		{"domain with an underscore is removed", "my_site.com", ""},
		{"domain with a letter outside ASCII is removed", "café.com", ""},
		{"accidental name gets a space after the dot", "Mr.Smith", `Mr\. Smith`},
		{"accidental domain is broken", "example.com", `example\. com`},
		{"accidental www domain is broken at each dot", "www.gov.uk", `www\. gov\. uk`},
		{"trailing dot is not part of the domain", "see example.com.", `see example\. com\.`},
		{"hyphenated domain is accidental", "my-site.co.uk", `my\-site\. co\. uk`},
		{"email address is not a URL", "bob@example.com", `bob@example\.com`},
		{"first.last email address is not a URL", "first.last@example.com", `first\.last@example\.com`},
		{"decimal number is not a URL", "1.5", `1\.5`},
		{"top-level domain longer than 63 letters is not a URL", "a." + strings.Repeat("b", 64), `a\.` + strings.Repeat("b", 64)},
		{"address the pattern misses is removed too", "https://3232235777 and http://localhost:8080/x", " and "},
		{"scheme inside a word is removed", "xhttps://evil", "x"},
		{"removal cannot join a new scheme", "htthttps://x.com/p://evil", "htt"},
		{"heading", "# Urgent", `\# Urgent`},
		{"list", "- one\n+ two\n1. three", "\\- one\n\\+ two\n1\\. three"},
		{"emphasis", "**bold** _it_ `code`", "\\*\\*bold\\*\\* \\_it\\_ \\`code\\`"},
		{"braces, pipe and bang", "{a}|b!", `\{a\}\|b\!`},
		{"backslash is doubled", `a\b`, `a\\b`},
		{"angle brackets", "<b>hi</b>", `\<b\>hi\</b\>`},
		{"unicode text is kept", "Siân Öztürk", "Siân Öztürk"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, Text(tc.in))
		})
	}
}

func TestBreakURLs(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"no dots here", "no dots here"},
		{"https://www.gov.uk/x and gov.uk", " and gov. uk"},
		{"@test.example.com", "@test.example.com"},
		{"a.b", "a.b"},            // one-letter top-level domain
		{"ab.c1", "ab.c1"},        // digit after the top-level domain
		{"ab.cd-ef", "ab. cd-ef"}, // "-" ends the top-level domain
		{"x.com#frag", ""},
		{"x.com<y", "x. com<y"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, BreakURLs(tc.in), tc.in)
	}
}

func TestEscapeMarkdown(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "plain", EscapeMarkdown("plain"))
	for _, c := range "`*_(){}[]<>#+-.!|\\" {
		assert.Equal(t, `\`+string(c), EscapeMarkdown(string(c)), string(c))
	}
	for _, c := range "~^=:/@&\"'" {
		assert.Equal(t, string(c), EscapeMarkdown(string(c)), string(c))
	}
}

// FuzzText checks what the email renderer relies on: no http(s) address
// survives, and every markdown character is escaped.
func FuzzText(f *testing.F) {
	for _, s := range []string{"[a](https://b.c)", "hhttps://ttps://x", "Mr.Smith", "a\\b", "HTTP://x", "é.com/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		lower := strings.ToLower(out)
		if strings.Contains(lower, "http://") || strings.Contains(lower, "https://") {
			t.Fatalf("Text(%q) = %q keeps an address", s, out)
		}
		for i := 0; i < len(out); i++ {
			if strings.IndexByte(markdownChars, out[i]) < 0 {
				continue
			}
			if out[i] != '\\' || i+1 == len(out) || strings.IndexByte(markdownChars, out[i+1]) < 0 {
				t.Fatalf("Text(%q) = %q: unescaped %q at %d", s, out, out[i], i)
			}
			i++
		}
	})
}

// TestBreakURLsAgreesWithPython replays testdata/breakurls.json: 400
// random inputs and what upstream's URL pattern made of them under
// Python's re.sub.
func TestBreakURLsAgreesWithPython(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/breakurls.json")
	require.NoError(t, err)
	var doc struct {
		Cases []struct{ In, Out string }
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	require.Len(t, doc.Cases, 400)
	for _, c := range doc.Cases {
		assert.Equal(t, c.Out, BreakURLs(c.In), "%q", c.In)
	}
}

// Inputs that make a backtracking matcher quadratic (every "-" starts a
// match that walks the whole chain of domains) take linear time here.
func TestTextIsLinear(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		strings.Repeat("a.a-", 250_000),
		strings.Repeat("a-", 500_000),
		strings.Repeat("a.bc/", 200_000),
		strings.Repeat("https://", 100_000),
		strings.Repeat("https://a ", 100_000),
		strings.Repeat("x.", 500_000),
	} {
		start := time.Now()
		Text(s)
		assert.Less(t, time.Since(start), 10*time.Second, "%.20q…", s)
	}
}
