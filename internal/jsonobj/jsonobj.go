// Package jsonobj reads request bodies strictly: one JSON object (RFC 8259)
// whose member names are compared byte for byte and may not repeat, with
// nothing after it. Both HTTP dialects decode their requests with it, so a
// gateway in front that checks a field sees the same field the operation
// acts on (encoding/json matches names case-insensitively and lets the last
// duplicate win).
//
// Parse builds a small tree of the body; the Object accessors then take
// each member by its exact name and type, and Unknown names a member the
// caller did not take. Error messages name members and JSON types, never
// Go types, and never quote values.
package jsonobj

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth bounds the nesting of objects and arrays.
const MaxDepth = 16

// Kind is the JSON type of a value.
type Kind uint8

// Kinds.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	ObjectKind
)

// String names the kind as JSON does.
func (k Kind) String() string {
	return [...]string{"null", "a boolean", "a number", "a string", "an array", "an object"}[k]
}

// Value is one parsed JSON value.
type Value struct {
	Kind Kind
	// Str is the string's text (String) or the number's literal (Number).
	Str  string
	Bool bool
	Arr  []Value
	Obj  *Object
}

// Member is one name and value of an object.
type Member struct {
	Name  string
	Value Value
	taken bool
}

// Object is a JSON object's members in document order.
type Object struct {
	// Path names the object in messages: "" for the body, "recipient" for
	// a member.
	Path    string
	Members []Member
	asked   []string // the names the accessors were asked for
	// The first members and asked names live in the object itself, so a
	// request body costs few allocations.
	members [4]Member
	askedIn [12]string
}

// Error is a body that is not the JSON the caller expects; its message says
// what and where.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func errorf(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// Parse reads one JSON object from body. The strings it returns share
// one copy of body.
func Parse(body []byte) (*Object, error) {
	p := &parser{b: body, s: string(body)}
	p.space()
	if p.i == len(p.b) {
		return nil, errorf("request body is empty; a JSON object is required")
	}
	if p.b[p.i] != '{' {
		v, err := p.value("", 0)
		if err != nil {
			return nil, err
		}
		return nil, errorf("request body is %s; a JSON object is required", v.Kind)
	}
	v, err := p.value("", 0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.b) {
		return nil, errorf("request body has data after the JSON object (at byte %d)", p.i)
	}
	return v.Obj, nil
}

type parser struct {
	b []byte
	s string // b as a string: strings without escapes are slices of it
	i int
}

func (p *parser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) syntax(what string) error {
	if p.i >= len(p.b) {
		return errorf("request body is not valid JSON: truncated (%s)", what)
	}
	return errorf("request body is not valid JSON: syntax error at byte %d (%s)", p.i, what)
}

func (p *parser) value(path string, depth int) (Value, error) {
	p.space()
	if p.i >= len(p.b) {
		return Value{}, p.syntax("a value was expected")
	}
	switch c := p.b[p.i]; {
	case c == '{':
		if depth >= MaxDepth {
			return Value{}, errorf("request body nests deeper than %d", MaxDepth)
		}
		o, err := p.object(path, depth+1)
		return Value{Kind: ObjectKind, Obj: o}, err
	case c == '[':
		if depth >= MaxDepth {
			return Value{}, errorf("request body nests deeper than %d", MaxDepth)
		}
		a, err := p.array(path, depth+1)
		return Value{Kind: Array, Arr: a}, err
	case c == '"':
		s, err := p.str()
		return Value{Kind: String, Str: s}, err
	case c == 't':
		return Value{Kind: Bool, Bool: true}, p.literal("true")
	case c == 'f':
		return Value{Kind: Bool}, p.literal("false")
	case c == 'n':
		return Value{Kind: Null}, p.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		n, err := p.number()
		return Value{Kind: Number, Str: n}, err
	}
	return Value{}, p.syntax("a value was expected")
}

func (p *parser) literal(lit string) error {
	if !strings.HasPrefix(string(p.b[p.i:min(len(p.b), p.i+len(lit))]), lit) {
		return p.syntax("a value was expected")
	}
	p.i += len(lit)
	return nil
}

func (p *parser) object(path string, depth int) (*Object, error) {
	p.i++ // {
	o := &Object{Path: path}
	o.Members, o.asked = o.members[:0], o.askedIn[:0]
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return o, nil
	}
	for {
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, p.syntax("a member name was expected")
		}
		name, err := p.str()
		if err != nil {
			return nil, err
		}
		for _, m := range o.Members {
			if m.Name == name {
				return nil, errorf("request body has member %s twice", quoteName(join(path, name)))
			}
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, p.syntax("':' was expected")
		}
		p.i++
		v, err := p.value(join(path, name), depth)
		if err != nil {
			return nil, err
		}
		o.Members = append(o.Members, Member{Name: name, Value: v})
		p.space()
		if p.i >= len(p.b) {
			return nil, p.syntax("',' or '}' was expected")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return o, nil
		default:
			return nil, p.syntax("',' or '}' was expected")
		}
	}
}

func (p *parser) array(path string, depth int) ([]Value, error) {
	p.i++ // [
	var out []Value
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return out, nil
	}
	for {
		v, err := p.value(path+"[]", depth)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.space()
		if p.i >= len(p.b) {
			return nil, p.syntax("',' or ']' was expected")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return out, nil
		default:
			return nil, p.syntax("',' or ']' was expected")
		}
	}
}

func (p *parser) number() (string, error) {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.b) && '0' <= p.b[p.i] && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	switch {
	case p.i < len(p.b) && p.b[p.i] == '0':
		p.i++
	case digits() == 0:
		return "", p.syntax("a digit was expected")
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return "", p.syntax("a digit was expected")
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return "", p.syntax("a digit was expected")
		}
	}
	return p.s[start:p.i], nil
}

// str reads a string, refusing control characters, invalid UTF-8 and an
// unpaired surrogate escape (which encoding/json turns into U+FFFD: two
// different strings would then be one, a context bound at creation
// matching another at decryption; RFC 7493 forbids them).
func (p *parser) str() (string, error) {
	p.i++ // "
	start := p.i
	for p.i < len(p.b) { // fast path: no escapes
		c := p.b[p.i]
		if c == '"' {
			s := p.s[start:p.i]
			p.i++
			if !utf8.ValidString(s) {
				return "", errorf("request body is not valid JSON: a string before byte %d is not UTF-8", p.i)
			}
			return s, nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		p.i++
	}
	var sb strings.Builder
	sb.Write(p.b[start:p.i])
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			s := sb.String()
			if !utf8.ValidString(s) {
				return "", errorf("request body is not valid JSON: a string before byte %d is not UTF-8", p.i)
			}
			return s, nil
		case c < 0x20:
			return "", p.syntax("control character in a string")
		case c != '\\':
			sb.WriteByte(c)
			p.i++
			continue
		}
		p.i++
		if p.i >= len(p.b) {
			break
		}
		e := p.b[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			sb.WriteByte(e)
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 't':
			sb.WriteByte('\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.syntax("\\u needs four hex digits")
			}
			if utf16.IsSurrogate(r) {
				pair := utf8.RuneError
				if p.i+1 < len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
					p.i += 2
					if low, ok := p.hex4(); ok {
						pair = utf16.DecodeRune(r, low)
					}
				}
				if pair == utf8.RuneError {
					return "", p.syntax("a \\u escape of a UTF-16 surrogate without its pair is not a character")
				}
				r = pair
			}
			sb.WriteRune(r)
		default:
			return "", p.syntax("unknown escape in a string")
		}
	}
	return "", p.syntax("unterminated string")
}

func (p *parser) hex4() (rune, bool) {
	if p.i+4 > len(p.b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.b[p.i:p.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// quoteName quotes a member name for a message, cut to 40 bytes.
func quoteName(name string) string {
	if len(name) > 40 {
		return strconv.Quote(name[:40]) + "..."
	}
	return strconv.Quote(name)
}

// take finds the member name and marks it taken; a nil Value means absent
// or null.
func (o *Object) take(name string) *Value {
	o.asked = append(o.asked, name)
	for i := range o.Members {
		m := &o.Members[i]
		if m.Name == name {
			m.taken = true
			if m.Value.Kind == Null {
				return nil
			}
			return &m.Value
		}
	}
	return nil
}

func (o *Object) typeError(name string, want Kind, got Kind) error {
	return errorf("member %s must be %s, not %s", quoteName(join(o.Path, name)), want, got)
}

// String takes a string member; absent or null gives "".
func (o *Object) String(name string) (string, error) {
	v := o.take(name)
	if v == nil {
		return "", nil
	}
	if v.Kind != String {
		return "", o.typeError(name, String, v.Kind)
	}
	return v.Str, nil
}

// OptString takes a string member that may be absent (nil). The pointer
// is to the member's value in o.
func (o *Object) OptString(name string) (*string, error) {
	v := o.take(name)
	if v == nil {
		return nil, nil
	}
	if v.Kind != String {
		return nil, o.typeError(name, String, v.Kind)
	}
	return &v.Str, nil
}

// Bool takes a boolean member that may be absent (nil). The pointer is to
// the member's value in o.
func (o *Object) Bool(name string) (*bool, error) {
	v := o.take(name)
	if v == nil {
		return nil, nil
	}
	if v.Kind != Bool {
		return nil, o.typeError(name, Bool, v.Kind)
	}
	return &v.Bool, nil
}

// Object takes an object member that may be absent (nil).
func (o *Object) Object(name string) (*Object, error) {
	v := o.take(name)
	if v == nil {
		return nil, nil
	}
	if v.Kind != ObjectKind {
		return nil, o.typeError(name, ObjectKind, v.Kind)
	}
	return v.Obj, nil
}

// StringMap takes an object member whose values are all strings; absent
// or null gives nil.
func (o *Object) StringMap(name string) (map[string]string, error) {
	sub, err := o.Object(name)
	if err != nil || sub == nil {
		return nil, err
	}
	m := make(map[string]string, len(sub.Members))
	for i := range sub.Members {
		mem := &sub.Members[i]
		mem.taken = true
		if mem.Value.Kind != String {
			return nil, sub.typeError(mem.Name, String, mem.Value.Kind)
		}
		m[mem.Name] = mem.Value.Str
	}
	return m, nil
}

// StringList takes an array member of strings; absent or null gives nil.
func (o *Object) StringList(name string) ([]string, error) {
	v := o.take(name)
	if v == nil {
		return nil, nil
	}
	if v.Kind != Array {
		return nil, o.typeError(name, Array, v.Kind)
	}
	out := make([]string, 0, len(v.Arr))
	for _, e := range v.Arr {
		if e.Kind != String {
			return nil, errorf("member %s must hold strings, not %s", quoteName(join(o.Path, name)), e.Kind)
		}
		out = append(out, e.Str)
	}
	return out, nil
}

// Unknown returns an error naming the first member no accessor took, with
// a hint when only its case differs from a name an accessor asked for; nil
// when every member was taken. Call it after taking every known member.
func (o *Object) Unknown() error {
	for _, m := range o.Members {
		if m.taken {
			continue
		}
		full := join(o.Path, m.Name)
		for _, k := range o.asked {
			if strings.EqualFold(k, m.Name) {
				return errorf("unknown member %s: member names are case-sensitive, did you mean %s?", quoteName(full), quoteName(join(o.Path, k)))
			}
		}
		return errorf("unknown member %s", quoteName(full))
	}
	return nil
}

// AsError reports whether err is a body error of this package.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Number takes a number member, as its literal, that may be absent (nil).
func (o *Object) Number(name string) (*string, error) {
	v := o.take(name)
	if v == nil {
		return nil, nil
	}
	if v.Kind != Number {
		return nil, o.typeError(name, Number, v.Kind)
	}
	s := v.Str
	return &s, nil
}

// Present takes a member of any type, reporting whether it is there (and
// not null): for members a caller refuses whatever they hold.
func (o *Object) Present(name string) bool { return o.take(name) != nil }
