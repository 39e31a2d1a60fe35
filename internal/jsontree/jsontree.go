// Package jsontree reads JSON the way Python's json.loads does, keeping
// what upstream's error messages show of a request body: the order of an
// object's keys and each number as written.
//
// A document becomes a tree of *Object, []any, string, json.Number, bool
// and nil. Plain turns a tree into the values encoding/json gives.
package jsontree

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Errors of Parse, tested with errors.Is.
var (
	// ErrEmpty: the document holds only JSON whitespace.
	ErrEmpty = errors.New("jsontree: empty document")
	// ErrInvalid: the document is not UTF-8 JSON.
	ErrInvalid = errors.New("jsontree: not a UTF-8 JSON document")
)

// Object is a JSON object as a Python dict built by json.loads: keys in
// first-seen order, and a repeated key keeps its first place and its last
// value.
type Object struct {
	// Keys are the object's keys in first-seen order, each once.
	Keys []string
	// Values maps each key to its value.
	Values map[string]any
}

// NewObject returns an empty object.
func NewObject() *Object { return &Object{Values: map[string]any{}} }

// Get returns the value of key k and whether the object has it.
func (o *Object) Get(k string) (any, bool) {
	v, ok := o.Values[k]
	return v, ok
}

// Parse reads a JSON document into a tree. A leading UTF-8 byte order mark
// is skipped, as json.loads skips it in bytes. A document of whitespace
// only gives ErrEmpty, one that is not valid UTF-8 JSON ErrInvalid.
func Parse(doc []byte) (any, error) {
	doc = bytes.TrimPrefix(doc, []byte("\xef\xbb\xbf"))
	if len(bytes.Trim(doc, " \t\r\n")) == 0 {
		return nil, ErrEmpty
	}
	if !utf8.Valid(doc) || !json.Valid(doc) {
		return nil, ErrInvalid
	}
	v, err := (&reader{b: doc}).value()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return v, nil
}

// reader builds the tree of a document that json.Valid accepted, so it
// only has to find where each value ends.
type reader struct {
	b   []byte
	pos int
}

func (p *reader) skipSpace() {
	for p.pos < len(p.b) {
		switch p.b[p.pos] {
		case ' ', '\t', '\r', '\n':
			p.pos++
		default:
			return
		}
	}
}

func (p *reader) value() (any, error) {
	p.skipSpace()
	if p.pos >= len(p.b) {
		return nil, errors.New("unexpected end")
	}
	switch c := p.b[p.pos]; {
	case c == '{':
		p.pos++
		obj := NewObject()
		for {
			p.skipSpace()
			if p.b[p.pos] == '}' {
				p.pos++
				return obj, nil
			}
			if p.b[p.pos] == ',' {
				p.pos++
				p.skipSpace()
			}
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			p.skipSpace()
			p.pos++ // ':'
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			if _, seen := obj.Values[k]; !seen {
				obj.Keys = append(obj.Keys, k)
			}
			obj.Values[k] = v
		}
	case c == '[':
		p.pos++
		list := []any{}
		for {
			p.skipSpace()
			if p.b[p.pos] == ']' {
				p.pos++
				return list, nil
			}
			if p.b[p.pos] == ',' {
				p.pos++
			}
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
	case c == '"':
		return p.str()
	case c == 't':
		p.pos += len("true")
		return true, nil
	case c == 'f':
		p.pos += len("false")
		return false, nil
	case c == 'n':
		p.pos += len("null")
		return nil, nil
	default:
		start := p.pos
		for p.pos < len(p.b) && strings.IndexByte("+-.0123456789eE", p.b[p.pos]) >= 0 {
			p.pos++
		}
		return json.Number(p.b[start:p.pos]), nil
	}
}

// str reads a string; one with escapes is decoded by encoding/json.
func (p *reader) str() (string, error) {
	start := p.pos
	escaped := false
	p.pos++
	for p.pos < len(p.b) {
		switch p.b[p.pos] {
		case '\\':
			escaped = true
			p.pos += 2
			continue
		case '"':
			p.pos++
			lit := p.b[start:p.pos]
			if !escaped {
				return string(lit[1 : len(lit)-1]), nil
			}
			var s string
			if err := json.Unmarshal(lit, &s); err != nil {
				return "", fmt.Errorf("reading a string: %w", err)
			}
			return s, nil
		}
		p.pos++
	}
	return "", errors.New("unterminated string")
}

// Plain converts a tree from Parse into the values encoding/json gives:
// map[string]any, []any, float64, string, bool, nil. A number outside
// float64's range stays a json.Number.
func Plain(v any) any {
	switch x := v.(type) {
	case *Object:
		m := make(map[string]any, len(x.Keys))
		for _, k := range x.Keys {
			m[k] = Plain(x.Values[k])
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = Plain(it)
		}
		return out
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return x
		}
		return f
	default:
		return x
	}
}
