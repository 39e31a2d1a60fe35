package gormstore

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAppendPersonalisationMatchesJSONText checks the fast encoding of a
// bulk send's personalisation against jsonText, which it stands in for,
// on every byte, on the runes encoding/json treats apart, on invalid
// UTF-8 and on random strings of them.
func TestAppendPersonalisationMatchesJSONText(t *testing.T) {
	pieces := []string{"", "a", "Person 1", "\"", "\\", "<", ">", "&", "\u2028", "\u2029", "’", "🙂", "\x7f",
		"\xff", "\xc3", "\xe2\x80", "é", "\u00a0", "((name))", "{}", ":", ","}
	for b := range 0x80 {
		pieces = append(pieces, string(rune(b)))
	}
	check := func(m map[string]any) {
		t.Helper()
		want, err := jsonText(m)
		require.NoError(t, err)
		got, _, ok := appendPersonalisation([]byte("prefix"), m, nil)
		require.True(t, ok)
		assert.Equal(t, "prefix"+want, string(got), "%q", m)
	}
	check(nil)
	check(map[string]any{})
	for _, p := range pieces {
		check(map[string]any{p: p, "k" + p: "v" + p + "w"})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		m := map[string]any{}
		for range rng.IntN(5) {
			var k, v strings.Builder
			for range rng.IntN(6) {
				k.WriteString(pieces[rng.IntN(len(pieces))])
			}
			for range rng.IntN(12) {
				v.WriteString(pieces[rng.IntN(len(pieces))])
			}
			m[k.String()] = v.String()
		}
		check(m)
	}
	for range 2000 {
		b := make([]byte, rng.IntN(16))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		check(map[string]any{"x": string(b)})
	}
}

func TestAppendPersonalisationLeavesOtherValues(t *testing.T) {
	for _, m := range []map[string]any{
		{"n": 1.5}, {"a": "x", "b": nil}, {"l": []any{"x"}}, {"t": true}, {"m": map[string]any{"k": "v"}},
	} {
		out, _, ok := appendPersonalisation([]byte("p"), m, nil)
		assert.False(t, ok, "%v", m)
		assert.Equal(t, "p", string(out))
	}
}
