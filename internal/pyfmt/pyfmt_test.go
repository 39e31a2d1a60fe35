package pyfmt

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"

	"github.com/notifykit/notify/internal/jsontree"
)

func TestRepr(t *testing.T) {
	t.Parallel()
	dict := &jsontree.Object{Keys: []string{"a", "b"}, Values: map[string]any{"a": json.Number("1"), "b": []any{nil, true}}}
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"None", nil, "None"},
		{"True", true, "True"},
		{"False", false, "False"},
		{"int", json.Number("7700900001"), "7700900001"},
		{"negative int", json.Number("-12"), "-12"},
		{"minus zero int", json.Number("-0"), "0"},
		{"big int", json.Number("123456789012345678901234567890"), "123456789012345678901234567890"},
		{"float", json.Number("1.5"), "1.5"},
		{"float integral", json.Number("1.0"), "1.0"},
		{"float exponent", json.Number("1e5"), "100000.0"},
		{"float upper exponent", json.Number("1E2"), "100.0"},
		{"float 1e15", json.Number("1e15"), "1000000000000000.0"},
		{"float 1e16", json.Number("1e16"), "1e+16"},
		{"float small", json.Number("0.0001"), "0.0001"},
		{"float smaller", json.Number("0.00001"), "1e-05"},
		{"float tiny", json.Number("1.5e-7"), "1.5e-07"},
		{"float minus zero", json.Number("-0.0"), "-0.0"},
		{"float overflow", json.Number("1e400"), "inf"},
		{"float negative overflow", json.Number("-1e400"), "-inf"},
		{"float64", 0.1, "0.1"},
		{"float64 integral", float64(3), "3.0"},
		{"string", "abc", "'abc'"},
		{"empty string", "", "''"},
		{"apostrophe", "it's", `"it's"`},
		{"both quotes", `it's "x"`, `'it\'s "x"'`},
		{"double quote", `say "hi"`, `'say "hi"'`},
		{"backslash", `a\b`, `'a\\b'`},
		{"newline tab cr", "a\nb\tc\rd", `'a\nb\tc\rd'`},
		{"control", "\x00\x1f\x7f", `'\x00\x1f\x7f'`},
		{"latin-1 non-printable", "\u00a0", `'\xa0'`},
		{"accented", "é", "'é'"},
		{"zero width space", "\u200b", `'\u200b'`},
		{"emoji", "🚀", "'🚀'"},
		{"non-printable astral", "\U000E0001", `'\U000e0001'`},
		{"empty list", []any{}, "[]"},
		{"list", []any{"a", json.Number("1"), nil}, "['a', 1, None]"},
		{"empty dict", jsontree.NewObject(), "{}"},
		{"dict in key order", dict, "{'a': 1, 'b': [None, True]}"},
		{"plain map sorted", map[string]any{"b": "x", "a": 1.0}, "{'a': 1.0, 'b': 'x'}"},
		{"string list", []string{"sms", "email"}, "['sms', 'email']"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, Repr(tt.in))
		})
	}
}

// Str takes values as encoding/json decodes personalisation: whole floats
// are ints, inside containers too. Go types beyond JSON's are written as
// Python would write the nearest Python value.
func TestStr(t *testing.T) {
	t.Parallel()
	id := uuid.MustParse("4a4d9a3c-2f1b-4b0e-9c1a-0d3e5f6a7b8c")
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"string unquoted", "it's", "it's"},
		{"None", nil, "None"},
		{"whole float", 3.0, "3"},
		{"negative zero", math.Copysign(0, -1), "0"},
		{"fraction", 0.5, "0.5"},
		{"inf", math.Inf(-1), "-inf"},
		{"float32", float32(2.5), "2.5"},
		{"json int", json.Number("-0"), "0"},
		{"json float", json.Number("1.0"), "1.0"},
		{"json not a number", json.Number("abc"), "abc"},
		{"ints", []any{int8(-1), int16(2), int32(3), uint(4), uint16(5), uint32(6), uint64(7)}, "[-1, 2, 3, 4, 5, 6, 7]"},
		{"list of whole floats", []any{1.0, "a", nil, true}, "[1, 'a', None, True]"},
		{"typed slice", []int{1, 2}, "[1, 2]"},
		{"array", [2]string{"a", "b"}, "['a', 'b']"},
		{"bytes are not a list", []byte("ab"), "[97 98]"},
		{"map sorted", map[string]any{"b": 2.0, "a": []string{"x"}}, "{'a': ['x'], 'b': 2}"},
		{"map with other keys", map[int]string{2: "b", 1: "a"}, "{'1': 'a', '2': 'b'}"},
		{"stringer", id, "4a4d9a3c-2f1b-4b0e-9c1a-0d3e5f6a7b8c"},
		{"stringer in a list", []any{id}, "[4a4d9a3c-2f1b-4b0e-9c1a-0d3e5f6a7b8c]"},
		{"ordered dict", &jsontree.Object{Keys: []string{"z", "a"}, Values: map[string]any{"z": 1.0, "a": "b"}}, "{'z': 1, 'a': 'b'}"},
		{"other", struct{ A int }{1}, "{1}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, Str(tt.in))
		})
	}
}

func TestItems(t *testing.T) {
	t.Parallel()
	items, ok := Items([]string{"a", "b"})
	assert.True(t, ok)
	assert.Equal(t, []any{"a", "b"}, items)
	items, ok = Items([]float64{1})
	assert.True(t, ok)
	assert.Equal(t, []any{1.0}, items)
	for _, v := range []any{"ab", []byte("ab"), nil, 1.0, map[string]any{}, map[int]int{}, json.Number("1")} {
		_, ok := Items(v)
		assert.False(t, ok, "%#v", v)
	}
}

func TestSpace(t *testing.T) {
	t.Parallel()
	for _, r := range "\t\n\v\f\r\x1c\x1d\x1e\x1f \u0085\u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000" {
		assert.True(t, IsSpace(r), "%U", r)
	}
	for _, r := range "a_\u200b\u180e\ufeff\u200b\u2060\x00\x1b\u200b" {
		assert.False(t, IsSpace(r), "%U", r)
	}
	for _, r := range "\n\r\v\f\x1c\x1d\x1e\u0085\u2028\u2029" {
		assert.True(t, IsLineBreak(r), "%U", r)
	}
	for _, r := range " \t\x1f\u00a0" {
		assert.False(t, IsLineBreak(r), "%U", r)
	}
	for _, r := range "\u180e\u200b\u200c\u200d\u2060\ufeff" {
		assert.True(t, IsZeroWidth(r), "%U", r)
		assert.False(t, IsSpace(r), "%U", r)
	}
	assert.False(t, IsZeroWidth('\u00a0'))
	assert.Equal(t, "a \u200b b", Strip("\u3000\t a \u200b b\u2029\n"))
}
