package billing

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify/internal/prefixes"
)

func TestRateMultiplier(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		prefix string
		want   float64
		ok     bool
	}{
		{"USA and Canada", "1", 1, true},
		{"Russia", "7", 10, true},
		{"Egypt", "20", 7, true},
		{"Hungary", "36", 2, true},
		{"crown dependencies", "44", 2, true},
		{"Mauritius", "230", 4, true},
		{"Montserrat", "1664", 6, true},
		{"Germany, from the older copy", "49", 4, true},
		{"Dominican Republic, as 1", "1809", 1, true},
		{"not in the table", "999", 0, false},
		{"with a plus", "+44", 0, false},
		{"empty", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := RateMultiplier(tt.prefix)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestTableCoversEverySupportedPrefix: every line parses, and the table
// has exactly the prefixes numbers may be sent to.
func TestTableCoversEverySupportedPrefix(t *testing.T) {
	t.Parallel()
	var got []string
	for _, line := range lines() {
		prefix, _, ok := parseLine(line)
		require.True(t, ok, "line %q", line)
		got = append(got, prefix)
	}
	assert.Equal(t, prefixes.All(), got, "same prefixes, same order")
	assert.Len(t, table(), len(got), "no prefix twice")
}

func TestParseLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line   string
		prefix string
		mult   float64
		ok     bool
	}{
		{"44 2", "44", 2, true},
		{"1664\t6", "1664", 6, true},
		{"7 1.5", "7", 1.5, true},
		{"7", "", 0, false},
		{"7 ten", "", 0, false},
		{"7 0", "", 0, false},
		{"7 -1", "", 0, false},
		{"7 1 2", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			t.Parallel()
			prefix, mult, ok := parseLine(tt.line)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.prefix, prefix)
			assert.Equal(t, tt.mult, mult)
		})
	}
}
