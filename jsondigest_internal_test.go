package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestJSONDigestEquivalence(t *testing.T) {
	same := [][2]string{
		{`{"a":1,"b":[1,2,{"c":"x"}]}`, " { \"b\" : [1, 2, {\"c\": \"\\u0078\"}],\n\t\"a\": 1 } "},
		{`"😀"`, `"\ud83d\ude00"`},
		{`"a/b\n"`, `"a\/b\u000a"`},
		{`{"a":1,"a":2}`, `{"a":2}`},
		{`[]`, `[ ]`},
		{`{}`, `{ }`},
		{`{`, `{`},
	}
	for _, tc := range same {
		assert.Equal(t, jsonDigest([]byte(tc[0])), jsonDigest([]byte(tc[1])), "%s ~ %s", tc[0], tc[1])
	}
	differ := [][2]string{
		{`1`, `1.0`},
		{`"a"`, `["a"]`},
		{`{"a":"b"}`, `{"ab":""}`},
		{`{"a":"b","c":"d"}`, `{"a":"bc","":"d"}`},
		{`["ab","c"]`, `["a","bc"]`},
		{`"x"`, `"x "`},
		{`[]`, `{}`},
		{`null`, `"null"`},
		{`true`, `"true"`},
		{`{"a":{"b":1}}`, `{"a":{"c":1}}`},
		{`{}`, `{} x`},
		{`{`, `{}`},
		{`[1,2]`, `[12]`},
	}
	for _, tc := range differ {
		assert.NotEqual(t, jsonDigest([]byte(tc[0])), jsonDigest([]byte(tc[1])), "%s vs %s", tc[0], tc[1])
	}
	// The equivalence of canonicalJSON, which re-encodes the document.
	for _, doc := range []string{
		`{"name": "j", "template_id": "5d3c", "rows": [["email address", "name"], ["a@example.com", "<A & B>"]], "reference": null}`,
		`{"csv": "email address,name\r\nä@example.com,\"Quoted, name\"\r\n", "scheduled_for": "2026-01-01T10:00:00", "n": -1.5e3}`,
		`[true, false, null, {"z": [], "y": {}, "x": "\u00e9\t"}]`,
	} {
		assert.Equal(t, jsonDigest([]byte(doc)), jsonDigest(canonicalJSON([]byte(doc))), doc)
	}
}

// A bulk body of megabytes is digested without copies of itself.
func TestJSONDigestMemory(t *testing.T) {
	var b strings.Builder
	b.WriteString("email address,name\r\n")
	for i := 0; b.Len() < 8<<20; i++ {
		fmt.Fprintf(&b, "person%d@example.com,Name \"%d\"\r\n", i, i)
	}
	body, err := json.Marshal(map[string]any{"name": "big.csv", "template_id": "t", "csv": b.String()})
	assert.NoError(t, err)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	sum := jsonDigest(body)
	runtime.ReadMemStats(&after)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "allocated bytes for an %d-byte body", len(body))
	assert.Equal(t, sum, jsonDigest(canonicalJSON(body)))
}

// canonicalJSON is the reference jsonDigest is checked against: it
// re-encodes a JSON body with sorted keys and no white space, numbers kept
// as written; a body that is not JSON is returned as it is.
func canonicalJSON(body []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return body
	}
	out, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return out
}
