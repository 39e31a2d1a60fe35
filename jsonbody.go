package notify

import (
	"bytes"
	"encoding/json"
)

// V2Body returns body as the v2 API reads it: upstream takes a JSON body
// that Python holds false (null, false, 0, "", [] or {}) as {}, so that,
// for example, a null body is refused with "phone_number is a required
// property". Any other body is returned unchanged. SendJSON applies it;
// the HTTP API applies it to template previews.
func V2Body(body []byte) []byte {
	trimmed := bytes.Trim(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(trimmed) == 0 || len(trimmed) > 32 {
		return body // empty is {} already; a false value is short
	}
	var v any
	if json.Unmarshal(trimmed, &v) != nil || !pyFalse(v) {
		return body
	}
	return []byte("{}")
}

// pyFalse reports whether a decoded JSON value is false in Python.
func pyFalse(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case float64:
		return x == 0
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}
