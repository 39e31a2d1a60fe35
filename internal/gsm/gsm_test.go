package gsm

import (
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testGSMBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	testGSMExtension = "^{}\\[~]|€"
	testWelsh        = "àèìòùẁỳÀÈÌÒÙẀỲáéíóúẃýÁÉÍÓÚẂÝäëïöüẅÿÄËÏÖÜẄŸâêîôûŵŷÂÊÎÔÛŴŶ"
)

func TestGSMClassOf(t *testing.T) {
	t.Parallel()
	for _, r := range testGSMBasic {
		assert.Equal(t, Basic, ClassOf(r), "%q", r)
	}
	for _, r := range testGSMExtension {
		assert.Equal(t, Extension, ClassOf(r), "%q", r)
	}
	for _, r := range testWelsh {
		if !slices.Contains([]rune(testGSMBasic), r) {
			assert.Equal(t, WelshNonGSM, ClassOf(r), "%q", r)
		}
	}
	for _, r := range "`\t\x00\x7fçñ\u00a0–…🚀深" {
		if r == 'ñ' {
			continue
		}
		assert.Equal(t, None, ClassOf(r), "%q", r)
	}
	// Exactly 43 Welsh characters are outside GSM (upstream's
	// WELSH_NON_GSM_CHARACTERS).
	n := 0
	for _, r := range testWelsh {
		if ClassOf(r) == WelshNonGSM {
			n++
		}
	}
	assert.Equal(t, 43, n)
}

func TestSanitiseSMS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"GSM kept", testGSMBasic + testGSMExtension, testGSMBasic + testGSMExtension},
		{"Welsh kept", testWelsh, testWelsh},
		{"dashes", "a\u2011b\u2013c\u2014d\u2212e", "a-b-c-d-e"},
		{"ellipsis", "wait\u2026", "wait..."},
		{"curly quotes", "\u2018a\u2019 \u201Cb\u201D \u201Ac\u201E", "'a' \"b\" 'c\""},
		{"zero width removed", "a\u180Eb\u200Bc\u200Cd\u200De\u2060f\uFEFFg\u2028h\u2029i", "abcdefghi"},
		{"spaces", "a\u00A0b\u202Fc\td", "a b c d"},
		{"L with stroke", "Łódź ł", "Lódz l"},
		{"decomposed", "ńçãõşğ", "ncaosg"},
		{"decomposed twice", "Ậậǖ", "Aaü"},
		{"decomposed to GSM", "Ώ\u212B\u037E", "ΩÅ;"},
		{"no allowed base", "ά\u0387", "??"},
		{"others", "🚀深ع`\x00", "?????"},
		{"invalid UTF-8", "a\xffb", "a?b"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, Sanitise(tt.in))
		})
	}
}

func TestSanitiseSMSNoAllocWhenClean(t *testing.T) {
	s := "Hello Jo, your code is 1234. Diolch yn fawr – ŵ"
	clean := Sanitise(s)
	allocs := testing.AllocsPerRun(100, func() { _ = Sanitise(clean) })
	assert.Zero(t, allocs)
}

func TestGSMDecompositionTable(t *testing.T) {
	t.Parallel()
	require.NotEmpty(t, decompositions)
	for i, p := range decompositions {
		if i > 0 {
			require.Less(t, decompositions[i-1][0], p[0], "table must be sorted")
		}
		assert.Equal(t, None, ClassOf(p[0]), "%q is allowed and must not be in the table", p[0])
		assert.NotEqual(t, None, ClassOf(p[1]), "%q → %q: the target must be allowed", p[0], p[1])
		_, replaced := replacement(p[0])
		assert.False(t, replaced, "%q has a fixed replacement", p[0])
	}
}

// Every character sanitises to characters an SMS can carry.
func TestSanitiseSMSOutputAlwaysAllowed(t *testing.T) {
	t.Parallel()
	for r := rune(0); r <= 0x3000; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		for _, o := range Sanitise(string(r)) {
			if ClassOf(o) == None {
				t.Fatalf("%U sanitised to %q, which is not allowed", r, o)
			}
		}
	}
}
