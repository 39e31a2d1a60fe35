package notify

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSanitisePersonalisation(t *testing.T) {
	t.Parallel()
	const evil = "User, [click here](https://evil.link)"
	const safe = `User, \[click here\]\(\)`
	tests := []struct {
		name       string
		values     map[string]any
		keys       []string
		want       map[string]any
		wantReport map[string]SanitisedValue
	}{
		{
			name:       "named key is sanitised, others are not",
			values:     map[string]any{"name": evil, "other": evil},
			keys:       []string{"name"},
			want:       map[string]any{"name": safe, "other": evil},
			wantReport: map[string]SanitisedValue{"name": {Unsanitised: evil, Sanitised: safe}},
		},
		{
			name:       "key matches as placeholders do: case, spaces, _ and - ignored",
			values:     map[string]any{"First_Name": evil},
			keys:       []string{"first name"},
			want:       map[string]any{"First_Name": safe},
			wantReport: map[string]SanitisedValue{"First_Name": {Unsanitised: evil, Sanitised: safe}},
		},
		{
			name:       "unchanged value is not reported",
			values:     map[string]any{"name": "Amala"},
			keys:       []string{"name"},
			want:       map[string]any{"name": "Amala"},
			wantReport: map[string]SanitisedValue{},
		},
		{
			name:       "key without a value does nothing",
			values:     map[string]any{"name": evil},
			keys:       []string{"missing"},
			want:       map[string]any{"name": evil},
			wantReport: map[string]SanitisedValue{},
		},
		{
			name:       "numbers, booleans and null are left alone",
			values:     map[string]any{"n": 1.5, "b": true, "z": nil},
			keys:       []string{"n", "b", "z"},
			want:       map[string]any{"n": 1.5, "b": true, "z": nil},
			wantReport: map[string]SanitisedValue{},
		},
		{
			name:   "list items are sanitised",
			values: map[string]any{"items": []any{"fine", evil, 3.0}},
			keys:   []string{"items"},
			want:   map[string]any{"items": []any{"fine", safe, 3.0}},
			wantReport: map[string]SanitisedValue{"items": {
				Unsanitised: []any{"fine", evil, 3.0}, Sanitised: []any{"fine", safe, 3.0}}},
		},
		{
			name:   "string lists from the Go API are sanitised",
			values: map[string]any{"items": []string{"fine", evil}},
			keys:   []string{"items"},
			want:   map[string]any{"items": []string{"fine", safe}},
			wantReport: map[string]SanitisedValue{"items": {
				Unsanitised: []string{"fine", evil}, Sanitised: []string{"fine", safe}}},
		},
		{
			name:   "map values are sanitised",
			values: map[string]any{"m": map[string]any{"a": evil}},
			keys:   []string{"m"},
			want:   map[string]any{"m": map[string]any{"a": safe}},
			wantReport: map[string]SanitisedValue{"m": {
				Unsanitised: map[string]any{"a": evil}, Sanitised: map[string]any{"a": safe}}},
		},
		{
			name:       "a file to upload is left to the upload",
			values:     map[string]any{"doc": map[string]any{"file": "aGk=", "filename": "a.b.pdf"}},
			keys:       []string{"doc"},
			want:       map[string]any{"doc": map[string]any{"file": "aGk=", "filename": "a.b.pdf"}},
			wantReport: map[string]SanitisedValue{},
		},
		{
			name:       "no keys",
			values:     map[string]any{"name": evil},
			want:       map[string]any{"name": evil},
			wantReport: map[string]SanitisedValue{},
		},
		{
			name:       "no values",
			keys:       []string{"name"},
			wantReport: map[string]SanitisedValue{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before := deepCopyValues(tc.values)
			got, report := sanitisePersonalisation(tc.values, tc.keys)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.wantReport, report)
			assert.NotNil(t, report)
			assert.Equal(t, before, tc.values, "the request's values are not modified")
		})
	}
}

func deepCopyValues(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch x := v.(type) {
		case []any:
			out[k] = append([]any(nil), x...)
		case []string:
			out[k] = append([]string(nil), x...)
		case map[string]any:
			out[k] = deepCopyValues(x)
		default:
			out[k] = v
		}
	}
	return out
}
