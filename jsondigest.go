package notify

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonDigest is the SHA-256 of a JSON document's canonical form, computed
// as it is read, without building the form: two documents that differ only
// in the order of object keys, insignificant white space or how strings
// are escaped ("A" and "\u0041") have the same digest; numbers are
// compared as written. It costs a fraction of re-encoding the document,
// also for bodies of many megabytes (a bulk send's CSV): the strings are
// hashed where they lie, and only object keys and one digest per member
// are held. A body that is not one JSON value is hashed as it is,
// under another prefix, so it never matches a JSON one.
func jsonDigest(body []byte) [sha256.Size]byte {
	d := &digester{in: body}
	h := sha256.New()
	h.Write([]byte{'j'})
	if err := d.value(h, 0); err == nil {
		d.space()
		if d.pos == len(d.in) {
			var out [sha256.Size]byte
			h.Sum(out[:0])
			return out
		}
	}
	h.Reset()
	h.Write([]byte{'r'})
	h.Write(body)
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

// maxDigestDepth bounds the nesting jsonDigest follows.
const maxDigestDepth = 512

var errDigest = errors.New("not JSON")

// digester reads one JSON document.
type digester struct {
	in  []byte
	pos int
	// scratch holds the bytes of a length or a decoded escape on their way
	// to a hash, so that writing them allocates nothing.
	scratch [8]byte
}

func (d *digester) space() {
	for d.pos < len(d.in) {
		switch d.in[d.pos] {
		case ' ', '\t', '\r', '\n':
			d.pos++
		default:
			return
		}
	}
}

// value hashes the next value into h: a tag, then its content.
func (d *digester) value(h hash.Hash, depth int) error {
	if depth > maxDigestDepth {
		return errDigest
	}
	d.space()
	if d.pos >= len(d.in) {
		return errDigest
	}
	switch c := d.in[d.pos]; {
	case c == '{':
		return d.object(h, depth)
	case c == '[':
		d.pos++
		h.Write([]byte{'['})
		d.space()
		if d.pos < len(d.in) && d.in[d.pos] == ']' {
			d.pos++
			h.Write([]byte{']'})
			return nil
		}
		for {
			if err := d.value(h, depth+1); err != nil {
				return err
			}
			d.space()
			if d.pos >= len(d.in) {
				return errDigest
			}
			switch d.in[d.pos] {
			case ',':
				d.pos++
				h.Write([]byte{','})
			case ']':
				d.pos++
				h.Write([]byte{']'})
				return nil
			default:
				return errDigest
			}
		}
	case c == '"':
		h.Write([]byte{'"'})
		return d.str(h)
	case c == 't', c == 'f', c == 'n':
		for _, lit := range []string{"true", "false", "null"} {
			if bytes.HasPrefix(d.in[d.pos:], []byte(lit)) {
				d.pos += len(lit)
				h.Write([]byte(lit[:1]))
				return nil
			}
		}
		return errDigest
	case c == '-' || (c >= '0' && c <= '9'):
		start := d.pos
		for d.pos < len(d.in) && bytes.IndexByte([]byte("+-.0123456789eE"), d.in[d.pos]) >= 0 {
			d.pos++
		}
		num := d.in[start:d.pos]
		if _, err := strconv.ParseFloat(string(num), 64); err != nil && !errors.Is(err, strconv.ErrRange) {
			return errDigest
		}
		h.Write([]byte{'#'})
		d.writeLen(h, len(num))
		h.Write(num)
		return nil
	}
	return errDigest
}

// object hashes an object's members in the order of their keys, each as
// its key and the digest of its value; a key given twice keeps its last
// value, as decoders do.
func (d *digester) object(h hash.Hash, depth int) error {
	d.pos++ // {
	type member struct {
		key    string
		digest [sha256.Size]byte
	}
	var members []member
	index := map[string]int{}
	d.space()
	if d.pos < len(d.in) && d.in[d.pos] == '}' {
		d.pos++
	} else {
		for {
			d.space()
			if d.pos >= len(d.in) || d.in[d.pos] != '"' {
				return errDigest
			}
			var key bytes.Buffer
			if err := d.str(&key); err != nil {
				return err
			}
			d.space()
			if d.pos >= len(d.in) || d.in[d.pos] != ':' {
				return errDigest
			}
			d.pos++
			vh := sha256.New()
			if err := d.value(vh, depth+1); err != nil {
				return err
			}
			m := member{key: key.String()}
			vh.Sum(m.digest[:0])
			if i, ok := index[m.key]; ok {
				members[i] = m
			} else {
				index[m.key] = len(members)
				members = append(members, m)
			}
			d.space()
			if d.pos >= len(d.in) {
				return errDigest
			}
			if d.in[d.pos] == '}' {
				d.pos++
				break
			}
			if d.in[d.pos] != ',' {
				return errDigest
			}
			d.pos++
		}
	}
	slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.key, b.key) })
	h.Write([]byte{'{'})
	d.writeLen(h, len(members))
	for _, m := range members {
		d.writeLen(h, len(m.key))
		h.Write([]byte(m.key))
		h.Write(m.digest[:])
	}
	return nil
}

// str writes the decoded content of the string at d.pos to w, then its
// length, so that no string is a prefix of another's encoding.
func (d *digester) str(w interface{ Write([]byte) (int, error) }) error {
	d.pos++ // "
	n := 0
	for {
		i := bytes.IndexAny(d.in[d.pos:], "\"\\")
		if i < 0 {
			return errDigest
		}
		run := d.in[d.pos : d.pos+i]
		for _, c := range run {
			if c < 0x20 {
				return errDigest
			}
		}
		w.Write(run)
		n += len(run)
		d.pos += i
		if d.in[d.pos] == '"' {
			d.pos++
			binary.BigEndian.PutUint64(d.scratch[:], uint64(n))
			w.Write(d.scratch[:])
			return nil
		}
		// An escape.
		if d.pos+1 >= len(d.in) {
			return errDigest
		}
		var r rune
		switch e := d.in[d.pos+1]; e {
		case '"', '\\', '/':
			r = rune(e)
		case 'b':
			r = '\b'
		case 'f':
			r = '\f'
		case 'n':
			r = '\n'
		case 'r':
			r = '\r'
		case 't':
			r = '\t'
		case 'u':
			u, ok := d.hex4(d.pos + 2)
			if !ok {
				return errDigest
			}
			r = rune(u)
			if utf16.IsSurrogate(r) {
				if lo, ok := d.hex4(d.pos + 8); ok && d.in[d.pos+6] == '\\' && d.in[d.pos+7] == 'u' {
					if pair := utf16.DecodeRune(r, rune(lo)); pair != utf8.RuneError {
						r = pair
						d.pos += 6
					} else {
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			}
			d.pos += 4
		default:
			return errDigest
		}
		d.pos += 2
		k := utf8.EncodeRune(d.scratch[:], r)
		w.Write(d.scratch[:k])
		n += k
	}
}

// hex4 reads four hex digits at i.
func (d *digester) hex4(i int) (uint16, bool) {
	if i+4 > len(d.in) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(d.in[i:i+4]), 16, 16)
	return uint16(v), err == nil
}

func (d *digester) writeLen(h hash.Hash, n int) {
	binary.BigEndian.PutUint64(d.scratch[:], uint64(n))
	h.Write(d.scratch[:])
}
