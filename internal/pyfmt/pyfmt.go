// Package pyfmt writes values and reads text as upstream's Python code
// does: str() and repr() of the values a JSON request carries (used for
// template personalisation and for the values quoted in request error
// messages), and the str methods isspace, splitlines and strip.
//
// Go values stand for the Python values json.loads gives: nil is None,
// bools are True and False, a json.Number is an int or a float as its
// literal says, a *jsontree.Object is a dict in key order, slices are lists
// and maps are dicts (keys sorted, so that output does not depend on map
// order).
package pyfmt

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/notifykit/notify/internal/jsontree"
)

// Str returns Python's str() of v, a value as encoding/json decodes
// personalisation. Such a float64 may have been an int in the JSON, so a
// whole float64 is written as an int (1 → "1", not "1.0"); a json.Number
// keeps its exact Python rendering.
func Str(v any) string { return str(v, true) }

// Repr returns Python's repr() of v: None, True, False, ints as written
// (-0 is 0), floats as Python prints them (1.0, 1e+16, inf), strings quoted
// and escaped, lists ['a', 1] and dicts {'a': 1}. A float64 is a Python
// float (3 → "3.0").
func Repr(v any) string { return repr(v, false) }

// Items returns the items of v if Python would see it as a list: any slice
// or array but a byte slice.
func Items(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case []string:
		items := make([]any, len(x))
		for i, s := range x {
			items[i] = s
		}
		return items, true
	case string, []byte, nil, bool, float64, int, json.Number, map[string]any:
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if k := rv.Kind(); k != reflect.Slice && k != reflect.Array {
		return nil, false
	}
	items := make([]any, rv.Len())
	for i := range items {
		items[i] = rv.Index(i).Interface()
	}
	return items, true
}

// str is Str, with wholeInts saying whether a whole float64 is written as
// an int.
func str(v any, wholeInts bool) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case float64:
		return floatStr(x, wholeInts)
	case float32:
		return floatStr(float64(x), wholeInts)
	case json.Number:
		return numberStr(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int16:
		return strconv.FormatInt(int64(x), 10)
	case int8:
		return strconv.FormatInt(int64(x), 10)
	case uint:
		return strconv.FormatUint(uint64(x), 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case uint32:
		return strconv.FormatUint(uint64(x), 10)
	case uint16:
		return strconv.FormatUint(uint64(x), 10)
	case uint8:
		return strconv.FormatUint(uint64(x), 10)
	case *jsontree.Object:
		return dictRepr(x.Keys, x.Values, wholeInts)
	case fmt.Stringer:
		return x.String()
	}
	if items, ok := Items(v); ok {
		parts := make([]string, len(items))
		for i, it := range items {
			parts[i] = repr(it, wholeInts)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	if m, ok := asMap(v, wholeInts); ok {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return dictRepr(keys, m, wholeInts)
	}
	return fmt.Sprint(v)
}

// repr is Repr, with wholeInts as for str.
func repr(v any, wholeInts bool) string {
	if s, ok := v.(string); ok {
		return quote(s)
	}
	return str(v, wholeInts)
}

// asMap returns v as a map from its keys' repr, if it is a map.
func asMap(v any, wholeInts bool) (map[string]any, bool) {
	if m, ok := v.(map[string]any); ok {
		return m, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map {
		return nil, false
	}
	m := make(map[string]any, rv.Len())
	it := rv.MapRange()
	for it.Next() {
		m[repr(it.Key().Interface(), wholeInts)] = it.Value().Interface()
	}
	return m, true
}

// dictRepr writes the dict of keys in the order given.
func dictRepr(keys []string, vals map[string]any, wholeInts bool) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = quote(k) + ": " + repr(vals[k], wholeInts)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// floatStr writes a float64: as Python writes a float, or, when wholeInts,
// whole values as ints.
func floatStr(f float64, wholeInts bool) string {
	if wholeInts && f == math.Trunc(f) && !math.IsInf(f, 0) {
		if f == 0 {
			return "0"
		}
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return floatRepr(f)
}

// numberStr writes a JSON number as Python's json module would load and
// print it: a literal without fraction or exponent is an int, written
// exactly; others are floats.
func numberStr(n json.Number) string {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		if i, ok := new(big.Int).SetString(s, 10); ok {
			return i.String()
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !math.IsInf(f, 0) {
		return s
	}
	return floatRepr(f)
}

// floatRepr is Python's repr of a float: the shortest digits that round
// trip, in fixed notation when the decimal exponent is in [-4, 16), else in
// scientific notation with a signed two-digit exponent.
func floatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	_, expStr, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expStr)
	if exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// quote is Python's repr of a str.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	q := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		q = '"'
	}
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < ' ' || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x7f:
			b.WriteRune(r)
		case unicode.IsPrint(r):
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(q)
	return b.String()
}
