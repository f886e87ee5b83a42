package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// The policy document is read into a small ordered tree by walking
// encoding/json's tokens, not by json.Unmarshal into structs: Unmarshal
// matches field names case-insensitively ("effect" would fill Effect),
// keeps the last of duplicate keys silently and loses the order of
// Condition's operators. The tree keeps every object member in document
// order, refuses duplicates, and remembers where each value starts so that
// errors can give a line.

// maxDepth bounds nesting; the grammar needs 6 levels
// (document/Statement/[i]/Condition/operator/key/[values]).
const maxDepth = 16

type nodeKind uint8

const (
	nodeObject nodeKind = iota
	nodeArray
	nodeString
	nodeNumber
	nodeBool
	nodeNull
)

func (k nodeKind) String() string {
	return [...]string{"an object", "an array", "a string", "a number", "a boolean", "null"}[k]
}

// node is one JSON value.
type node struct {
	kind    nodeKind
	str     string // nodeString's value, nodeNumber's literal
	b       bool   // nodeBool
	members []member
	elems   []*node
	line    int // line of the value's first token, from 1
}

// member is one "name": value pair of an object.
type member struct {
	name  string
	value *node
}

// jsonError is a syntax error, a duplicate key or a nesting too deep,
// with where it happened: the statement index (-1 outside Statement), its
// Sid when already read, and the line.
type jsonError struct {
	stmt int
	sid  string
	line int
	msg  string
}

// reader builds the tree and tracks where it is, for error messages.
type reader struct {
	doc   []byte
	dec   *json.Decoder
	stack []*node // objects and arrays being built, outermost first
	keys  []string
}

// readTree parses doc into a tree. It refuses invalid UTF-8, duplicate
// keys, trailing data and nesting deeper than maxDepth.
func readTree(doc []byte) (*node, *jsonError) {
	r := &reader{doc: doc, dec: json.NewDecoder(bytes.NewReader(doc))}
	r.dec.UseNumber()
	if !utf8.Valid(doc) {
		return nil, &jsonError{stmt: -1, line: r.lineAt(firstInvalidUTF8(doc)), msg: "the document is not valid UTF-8"}
	}
	root, err := r.value()
	if err != nil {
		return nil, err
	}
	if _, terr := r.dec.Token(); terr != io.EOF {
		return nil, r.fail("unexpected data after the policy document")
	}
	return root, nil
}

func firstInvalidUTF8(doc []byte) int64 {
	for i := 0; i < len(doc); {
		rn, n := utf8.DecodeRune(doc[i:])
		if rn == utf8.RuneError && n <= 1 {
			return int64(i)
		}
		i += n
	}
	return int64(len(doc))
}

// value reads one value, recursing into objects and arrays.
func (r *reader) value() (*node, *jsonError) {
	start := r.dec.InputOffset()
	tok, err := r.dec.Token()
	if err != nil {
		return nil, r.syntax(err)
	}
	n := &node{line: r.lineAt(r.tokenStart(start))}
	switch t := tok.(type) {
	case json.Delim:
		if len(r.stack) >= maxDepth {
			return nil, r.fail("the document nests deeper than %d levels", maxDepth)
		}
		r.stack = append(r.stack, n)
		defer func() { r.stack = r.stack[:len(r.stack)-1] }()
		if t == '{' {
			n.kind = nodeObject
			return n, r.object(n)
		}
		n.kind = nodeArray
		for r.dec.More() {
			e, err := r.value()
			if err != nil {
				return nil, err
			}
			n.elems = append(n.elems, e)
		}
		if _, err := r.dec.Token(); err != nil {
			return nil, r.syntax(err)
		}
	case string:
		n.kind, n.str = nodeString, t
	case json.Number:
		n.kind, n.str = nodeNumber, string(t)
	case bool:
		n.kind, n.b = nodeBool, t
	case nil:
		n.kind = nodeNull
	}
	return n, nil
}

func (r *reader) object(n *node) *jsonError {
	seen := make(map[string]bool)
	for r.dec.More() {
		tok, err := r.dec.Token()
		if err != nil {
			return r.syntax(err)
		}
		name, _ := tok.(string) // the decoder only returns a string here
		if seen[name] {
			return r.fail("duplicate key %q", name)
		}
		seen[name] = true
		r.keys = append(r.keys, name)
		v, jerr := r.value()
		r.keys = r.keys[:len(r.keys)-1]
		if jerr != nil {
			return jerr
		}
		n.members = append(n.members, member{name, v})
	}
	if _, err := r.dec.Token(); err != nil {
		return r.syntax(err)
	}
	return nil
}

// tokenStart skips the white space, commas and colons between the
// previous token's end and the next token.
func (r *reader) tokenStart(off int64) int64 {
	for off < int64(len(r.doc)) {
		switch r.doc[off] {
		case ' ', '\t', '\n', '\r', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

func (r *reader) lineAt(off int64) int {
	off = min(max(off, 0), int64(len(r.doc)))
	return 1 + bytes.Count(r.doc[:off], []byte{'\n'})
}

func (r *reader) syntax(err error) *jsonError {
	var se *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return r.fail("invalid JSON: unexpected end of the document")
	case errors.As(err, &se):
		jerr := r.fail("invalid JSON: %s", se.Error())
		jerr.line = r.lineAt(se.Offset)
		return jerr
	}
	return r.fail("invalid JSON: %s", err.Error())
}

// fail describes an error at the reader's position: which statement it is
// in (when Statement is being read) and the current line.
func (r *reader) fail(format string, args ...any) *jsonError {
	e := &jsonError{stmt: -1, line: r.lineAt(r.dec.InputOffset()), msg: fmt.Sprintf(format, args...)}
	// stack[0] is the document, keys[0] the member being read in it.
	if len(r.stack) < 2 || r.stack[0].kind != nodeObject || len(r.keys) < 1 || r.keys[0] != "Statement" {
		return e
	}
	var stmt *node
	switch s := r.stack[1]; s.kind {
	case nodeObject: // a single statement
		stmt, e.stmt = s, 0
	case nodeArray:
		e.stmt = len(s.elems)
		if len(r.stack) >= 3 {
			stmt = r.stack[2]
		}
	}
	if stmt != nil && stmt.kind == nodeObject {
		for _, m := range stmt.members {
			if m.name == "Sid" && m.value.kind == nodeString {
				e.sid = m.value.str
			}
		}
	}
	return e
}
