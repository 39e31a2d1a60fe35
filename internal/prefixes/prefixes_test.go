package prefixes

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSupported(t *testing.T) {
	t.Parallel()
	tests := []struct {
		prefix string
		want   bool
	}{
		{"44", true},
		{"1", true},
		{"7", true},
		{"20", true},
		{"230", true},
		{"1664", true},
		{"247", false},
		{"", false},
		{"+44", false},
		{"999", false},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, Supported(tt.prefix))
		})
	}
}

func TestAll(t *testing.T) {
	t.Parallel()
	all := All()
	assert.Len(t, all, 223)
	assert.Equal(t, "1", all[0])
	for _, p := range all {
		assert.True(t, Supported(p), p)
		assert.Regexp(t, `^[1-9][0-9]{0,3}$`, p)
	}
}
