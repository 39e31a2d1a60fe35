package gormstore

import (
	"slices"
	"unicode/utf8"
)

// appendPersonalisation appends the personalisation m as jsonText encodes
// it, byte for byte: a bulk send's personalisation is a map of strings,
// and encoding it here costs a fraction of encoding/json's reflection.
// ok is false, with dst unchanged, when m holds anything but strings;
// jsonText encodes those.
func appendPersonalisation(dst []byte, m map[string]any, keys []string) (out []byte, sortedKeys []string, ok bool) {
	if m == nil {
		return append(dst, "null"...), keys, true
	}
	keys = keys[:0]
	for k, v := range m {
		if _, isString := v.(string); !isString {
			return dst, keys, false
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, k)
		dst = append(dst, ':')
		dst = appendJSONString(dst, m[k].(string))
	}
	return append(dst, '}'), keys, true
}

// appendJSONString appends s as a JSON string the way encoding/json writes
// one: <, > and & escaped for HTML, \b \f \n \r \t short, other control
// characters as \u00xx, invalid UTF-8 as \ufffd, U+2028 and U+2029
// escaped.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
