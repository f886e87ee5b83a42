package policy

import (
	"strconv"
	"strings"
)

// ParseError is why Parse refused a document. Its text names the
// statement, by index and Sid, and the line:
//
//	policy: statement 2 (Sid "DenyPlain"): unknown condition operator "StringEqual" (line 14)
type ParseError struct {
	// Statement is the statement's index in Statement, from 0 (the index
	// Decision uses as "#2"); -1 when the error is outside any statement
	// (Version, a bad top-level field, the document's syntax).
	Statement int
	// Sid is the statement's Sid, when it has one and it was read.
	Sid string
	// Line is the line of the document where the offending value starts,
	// from 1; 0 when unknown.
	Line int
	// Msg says what is wrong.
	Msg string
}

// Error returns "policy: statement N (Sid "X"): message (line L)".
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("policy: ")
	if e.Statement >= 0 {
		b.WriteString("statement ")
		b.WriteString(strconv.Itoa(e.Statement))
		if e.Sid != "" {
			b.WriteString(" (Sid ")
			b.WriteString(strconv.Quote(e.Sid))
			b.WriteString(")")
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Line > 0 {
		b.WriteString(" (line ")
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(")")
	}
	return b.String()
}
