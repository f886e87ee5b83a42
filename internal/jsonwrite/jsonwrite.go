// Package jsonwrite writes the JSON objects of string members that carry
// key material (the dialects' success responses) into pooled buffers it
// wipes once written: json.Marshal would leave a copy of a plaintext
// private key in encoding/json's own buffer pool, out of reach. The output
// is byte for byte what encoding/json writes for the same members (its
// escaping, members in the given order, empty omitEmpty members dropped).
package jsonwrite

import (
	"sync"
	"unicode/utf8"
)

// Field is one string member of an object.
type Field struct {
	Name, Value string
	// OmitEmpty drops the member when Value is "".
	OmitEmpty bool
}

// Bound is the most bytes AppendObject writes for fields: an
// escaped byte takes at most six.
func Bound(fields []Field) int {
	n := 2
	for _, f := range fields {
		n += len(f.Name) + 4 + 6*len(f.Value)
	}
	return n
}

// AppendObject appends {"name":"value",...}, skipping empty omitEmpty
// members.
func AppendObject(dst []byte, fields []Field) []byte {
	dst = append(dst, '{')
	first := true
	for _, f := range fields {
		if f.OmitEmpty && f.Value == "" {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendJSONString(dst, f.Name)
		dst = append(dst, ':')
		dst = appendJSONString(dst, f.Value)
	}
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// plain marks the ASCII bytes written as they are.
var plain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// AppendString appends s as a JSON string, escaped as encoding/json
// escapes it by default (see appendJSONString).
func AppendString(dst []byte, s string) []byte { return appendJSONString(dst, s) }

// appendJSONString appends s as a JSON string escaped as encoding/json
// escapes it by default: quote and backslash, control characters (\b \f
// \n \r \t by name), <, > and & for HTML safety, U+2028 and U+2029, and
// invalid UTF-8 as U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if plain[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
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
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// bodyPool holds the handler's response buffers.
var bodyPool = &sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// maxPooledBody bounds the buffers that go back to bodyPool.
const maxPooledBody = 64 << 10

// WithBody encodes fields into a pooled buffer sized so the encoding
// never moves, passes it to write, and wipes it before it goes back.
func WithBody(fields []Field, write func([]byte)) {
	buf := bodyPool.Get().(*[]byte)
	if need := Bound(fields); cap(*buf) < need {
		*buf = make([]byte, 0, need)
	}
	out := AppendObject((*buf)[:0], fields)
	defer func() {
		clear(out[:cap(out)])
		if cap(*buf) <= maxPooledBody {
			bodyPool.Put(buf)
		}
	}()
	write(out)
}

// SwapPool replaces the buffer pool by an empty one whose New is newBuf and
// returns the function that puts the old pool back: for tests that check
// the buffers are wiped.
func SwapPool(newBuf func() *[]byte) (restore func()) {
	old := bodyPool
	bodyPool = &sync.Pool{New: func() any { return newBuf() }}
	return func() { bodyPool = old }
}
