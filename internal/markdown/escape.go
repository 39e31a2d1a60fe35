package markdown

import (
	"html"
	"strconv"
	"strings"
	"unicode"
)

// EscapeHTML is upstream's escape_html: character references are
// decoded (a trailing ";" is required) and &, < and > escaped, except that
// &nbsp;, &amp;, &lpar; and &rpar; are kept as written. Quotes are left
// alone.
func EscapeHTML(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			if kept := keptEntity(s[i:]); kept != "" {
				b.WriteString(kept)
				i += len(kept)
				continue
			}
			if ref := charRef(s[i:]); ref != "" {
				if dec := decodeRef(ref); dec != ref {
					b.WriteString(escapeBasic(dec))
					i += len(ref)
					continue
				}
			}
			b.WriteString("&amp;")
		default:
			b.WriteByte(c)
		}
		i++
	}
	return b.String()
}

func keptEntity(s string) string {
	for _, e := range []string{"&nbsp;", "&amp;", "&lpar;", "&rpar;"} {
		if strings.HasPrefix(s, e) {
			return e
		}
	}
	return ""
}

// charRef returns the character reference at the start of s:
// &#[0-9]+; or &#[xX][0-9a-fA-F]+; or &[^\t\n\f <&#;]{1,32};.
func charRef(s string) string {
	if len(s) < 3 || s[0] != '&' {
		return ""
	}
	i := 1
	if s[1] == '#' {
		i = 2
		hex := i < len(s) && (s[i] == 'x' || s[i] == 'X')
		if hex {
			i++
		}
		j := i
		for j < len(s) && (s[j] >= '0' && s[j] <= '9' || hex && strings.IndexByte("abcdefABCDEF", s[j]) >= 0) {
			j++
		}
		if j == i || j >= len(s) || s[j] != ';' {
			return ""
		}
		return s[:j+1]
	}
	j := i
	for j < len(s) && j-i < 33 && strings.IndexByte("\t\n\f <&#;", s[j]) < 0 {
		j++
	}
	if j == i || j-i > 32 || j >= len(s) || s[j] != ';' {
		return ""
	}
	return s[:j+1]
}

// decodeRef decodes one character reference, or returns it unchanged if
// it names nothing.
func decodeRef(ref string) string {
	if ref[1] == '#' {
		var n uint64
		var err error
		if ref[2] == 'x' || ref[2] == 'X' {
			n, err = strconv.ParseUint(ref[3:len(ref)-1], 16, 32)
		} else {
			n, err = strconv.ParseUint(ref[2:len(ref)-1], 10, 32)
		}
		if err != nil || n == 0 || n > unicode.MaxRune || (n >= 0xd800 && n <= 0xdfff) {
			return "\uFFFD"
		}
		return string(rune(n))
	}
	if dec := unescapeNamed(ref); dec != "" {
		return dec
	}
	return ref
}

// escapeBasic escapes &, < and >.
func escapeBasic(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}

// unescapeNamed decodes a named character reference such as &copy; using
// the standard library's entity table, or returns "".
func unescapeNamed(ref string) string {
	dec := html.UnescapeString(ref)
	if dec == ref {
		return ""
	}
	return dec
}
