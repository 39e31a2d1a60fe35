package gsm

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNormalise(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Hello Jo", "Hello Jo"},
		{"runs of spaces", " a \t  b\u3000c ", "a b c"},
		{"zero width dropped, not a space", "a\u200b\u200bb a \u200b b", "ab a b"},
		{"line breaks", "a\r\nb\rc\u2028d", "a\nb\nc\nd"},
		{"at most one empty line", "a\n\n\n\nb\n \n\t\nc", "a\n\nb\n\nc"},
		{"trimmed", "\n\n a \n\n", "a"},
		{"sanitised", "\u201cquote\u201d \u2013 ñ 🚀 `", "\"quote\" - ñ ? ?"},
		{"no-break space is a space", "a\u00a0\u00a0b", "a b"},
		{"empty", " \n\t", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, Normalise(tt.in))
		})
	}
}

func TestCounts(t *testing.T) {
	t.Parallel()
	count := func(segs ...string) Counts {
		var c Counts
		for _, s := range segs {
			c.Add(s)
		}
		return c
	}
	assert.Equal(t, Counts{Units: 5}, count("Hel", "lo"))
	assert.Equal(t, Counts{Units: 3, Extension: 2}, count("^a€"))
	assert.Equal(t, Counts{Units: 3, UCS2: true}, count("ŵ🚀"), "an astral character is two units")

	assert.Equal(t, 1, count(strings.Repeat("a", 160)).Fragments())
	assert.Equal(t, 2, count(strings.Repeat("a", 159), "^").Fragments(), "extension characters count twice")
	assert.Equal(t, 2, count(strings.Repeat("a", 306)).Fragments())
	assert.Equal(t, 3, count(strings.Repeat("a", 307)).Fragments())
	assert.Equal(t, 1, count("ŵ", strings.Repeat("a", 69)).Fragments())
	assert.Equal(t, 2, count("ŵ", strings.Repeat("a", 70)).Fragments())
	assert.Equal(t, 3, count("ŵ", strings.Repeat("a", 134)).Fragments())
	assert.Equal(t, 1, Counts{}.Fragments())
}

func TestAppendUCS2(t *testing.T) {
	t.Parallel()
	out := AppendUCS2(nil, "ŵaâŵ é ñ 🚀")
	assert.Equal(t, []rune{'ŵ', 'â'}, out)
	assert.Equal(t, []rune{'ŵ', 'â', 'Ŷ'}, AppendUCS2(out, "âŶ"))
}
