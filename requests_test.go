package notify

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
)

func TestParseUUID(t *testing.T) {
	t.Parallel()
	id := uuid.MustParse(reqTemplateID)
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"lower case", reqTemplateID, true},
		{"upper case", strings.ToUpper(reqTemplateID), true},
		{"trailing newline", reqTemplateID + "\n", false},
		{"trailing space", reqTemplateID + " ", false},
		{"trailing cr", reqTemplateID + "\r", false},
		{"leading tab", "\t" + reqTemplateID, false},
		{"truncated", reqTemplateID[:35], false},
		{"bad_uuid", "bad_uuid", false},
		{"empty", "", false},
		{"braces", "{" + reqTemplateID + "}", false},
		{"urn", "urn:uuid:" + reqTemplateID, false},
		{"no hyphens", strings.ReplaceAll(reqTemplateID, "-", "") + "0000", false},
		{"hyphen moved", "4a4d9a3c2-f1b-4b0e-9c1a-0d3e5f6a7b8c", false},
		{"not hex", "4a4d9a3c-2f1b-4b0e-9c1a-0d3e5f6a7b8g", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := ParseUUID(tt.in)
			assert.Equal(t, tt.ok, ok)
			if tt.ok {
				assert.Equal(t, id, got)
			} else {
				assert.Equal(t, uuid.Nil, got)
			}
		})
	}
}
