package jsontree

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseKeepsKeyOrderAndLiterals(t *testing.T) {
	t.Parallel()
	v, err := Parse([]byte(`{"b": 1.0, "a": [1e5, -0, "x\u00e9"], "b": {"z": null, "y": true}}`))
	require.NoError(t, err)
	obj, ok := v.(*Object)
	require.True(t, ok)
	assert.Equal(t, []string{"b", "a"}, obj.Keys, "a repeated key keeps its first place")
	b, _ := obj.Get("b")
	assert.Equal(t, []string{"z", "y"}, b.(*Object).Keys, "and its last value")
	a, ok := obj.Get("a")
	require.True(t, ok)
	assert.Equal(t, []any{json.Number("1e5"), json.Number("-0"), "xé"}, a)
	_, ok = obj.Get("c")
	assert.False(t, ok)
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{"", " \t\r\n", "\xef\xbb\xbf", "\xef\xbb\xbf \n"} {
		_, err := Parse([]byte(doc))
		assert.ErrorIs(t, err, ErrEmpty, "%q", doc)
	}
	for _, doc := range []string{"[", "{'a': 1}", "{\"a\": \"\xff\"}", "{} {}", "\xef\xbb\xbf\xef\xbb\xbf{}", "\u00a0", "NaN"} {
		_, err := Parse([]byte(doc))
		assert.ErrorIs(t, err, ErrInvalid, "%q", doc)
	}
	v, err := Parse([]byte("\xef\xbb\xbf null "))
	require.NoError(t, err)
	assert.Nil(t, v)
}

func TestPlain(t *testing.T) {
	t.Parallel()
	v, err := Parse([]byte(`{"a": [1, 1.5, 1e400, true, null, {"b": "c"}]}`))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"a": []any{1.0, 1.5, json.Number("1e400"), true, nil, map[string]any{"b": "c"}}},
		Plain(v))
}

// FuzzParse checks the reader against encoding/json: the plain form of the
// tree equals what json.Unmarshal gives.
func FuzzParse(f *testing.F) {
	for _, doc := range []string{
		``, `{}`, `[]`, `null`, `[`,
		`{"phone_number": "07700900001", "template_id": "4a4d9a3c-2f1b-4b0e-9c1a-0d3e5f6a7b8c"}`,
		`{"template_id": "notUUID", "phone_number": [], "x": 1, "personalisation": 1e400}`,
		`{"reference": "it's \"q\" \u0000 \ud83d\ude80", "scheduled_for": "2017-05-12 13:15"}`,
		`{"a":1,"a":[true,false,null,"\u00e9\\\"\n",-0.5e-3,{}]," b" : { "c" : [ ] } }`,
	} {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		tree, err := Parse(doc)
		var want any
		if jerr := json.Unmarshal(doc, &want); jerr != nil || !utf8.Valid(doc) {
			if len(bytes.Trim(doc, " \t\r\n")) > 0 && !bytes.HasPrefix(doc, []byte("\xef\xbb\xbf")) && !json.Valid(doc) {
				require.Error(t, err)
			}
			return
		}
		require.NoError(t, err)
		assert.Equal(t, want, Plain(tree))
	})
}
