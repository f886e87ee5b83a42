package policy

import (
	"fmt"
	"strings"
)

// opKind is a condition operator without its negation, IfExists and
// set qualifier.
type opKind uint8

const (
	opStringEquals opKind = iota
	opStringEqualsIgnoreCase
	opStringLike
	opNumericEquals
	opNumericLessThan
	opNumericLessThanEquals
	opNumericGreaterThan
	opNumericGreaterThanEquals
	opBool
	opNull
)

// operatorInfo is one row of the operator table.
type operatorInfo struct {
	op     opKind
	negate bool
	typ    KeyType
}

// operators are the base operator names. Each but Null also exists with
// the IfExists suffix; the String and Numeric ones also with the
// ForAnyValue: and ForAllValues: qualifiers.
var operators = map[string]operatorInfo{
	"StringEquals":              {opStringEquals, false, TypeString},
	"StringNotEquals":           {opStringEquals, true, TypeString},
	"StringEqualsIgnoreCase":    {opStringEqualsIgnoreCase, false, TypeString},
	"StringNotEqualsIgnoreCase": {opStringEqualsIgnoreCase, true, TypeString},
	"StringLike":                {opStringLike, false, TypeString},
	"StringNotLike":             {opStringLike, true, TypeString},
	"NumericEquals":             {opNumericEquals, false, TypeNumeric},
	"NumericNotEquals":          {opNumericEquals, true, TypeNumeric},
	"NumericLessThan":           {opNumericLessThan, false, TypeNumeric},
	"NumericLessThanEquals":     {opNumericLessThanEquals, false, TypeNumeric},
	"NumericGreaterThan":        {opNumericGreaterThan, false, TypeNumeric},
	"NumericGreaterThanEquals":  {opNumericGreaterThanEquals, false, TypeNumeric},
	"Bool":                      {opBool, false, TypeBool},
	"Null":                      {opNull, false, TypeString}, // any key type
}

const (
	qualAny = "ForAnyValue:"
	qualAll = "ForAllValues:"
)

// quantifier says how a condition's per-value test combines over the
// request's values for its key.
type quantifier uint8

const (
	// quantAny: true when some request value passes; false when the key is
	// missing. ForAnyValue:, and the plain positive operators.
	quantAny quantifier = iota
	// quantAll: true when every request value passes; true when the key is
	// missing. ForAllValues:, and the plain negated operators.
	quantAll
)

// operatorSpec is a parsed operator name.
type operatorSpec struct {
	operatorInfo
	ifExists bool
	set      string // "", qualAny or qualAll
}

// parseOperator splits "ForAllValues:StringLikeIfExists" into its parts.
func parseOperator(name string) (operatorSpec, error) {
	var o operatorSpec
	base := name
	switch {
	case strings.HasPrefix(base, qualAny):
		o.set, base = qualAny, base[len(qualAny):]
	case strings.HasPrefix(base, qualAll):
		o.set, base = qualAll, base[len(qualAll):]
	}
	if b, ok := strings.CutSuffix(base, "IfExists"); ok && b != "Null" {
		if _, known := operators[b]; known {
			o.ifExists, base = true, b
		}
	}
	info, ok := operators[base]
	if !ok {
		return o, fmt.Errorf("unknown condition operator %q%s", name, operatorHint(name))
	}
	o.operatorInfo = info
	if o.set != "" && (info.op == opBool || info.op == opNull) {
		return o, fmt.Errorf("condition operator %q: %s applies only to String and Numeric operators", name, strings.TrimSuffix(o.set, ":"))
	}
	return o, nil
}

// operatorHint suggests the right spelling of an operator written in the
// wrong case ("stringequals").
func operatorHint(name string) string {
	for _, q := range []string{"", qualAny, qualAll} {
		for base := range operators {
			for _, sfx := range []string{"", "IfExists"} {
				if base == "Null" && sfx != "" {
					continue
				}
				if want := q + base + sfx; asciiEqualFold(want, name) {
					return fmt.Sprintf(" (operators are case-sensitive: did you mean %q?)", want)
				}
			}
		}
	}
	return ""
}

// condition is one (operator, key) pair of a Condition block, compiled:
// a statement's conditions are all ANDed.
type condition struct {
	key      string // the name the request context uses
	op       opKind
	negate   bool
	ifExists bool
	quant    quantifier
	strs     []string // StringEquals[IgnoreCase]
	globs    []glob   // StringLike
	nums     []number // Numeric*
	// wantTrue, wantFalse: Bool's or Null's listed values (a list is ORed).
	wantTrue, wantFalse bool
}

// eval reports whether the condition holds for ctx. It does not allocate.
func (c *condition) eval(ctx map[string][]string) bool {
	vs := ctx[c.key]
	if c.op == opNull {
		// Null true: the key is absent (or has no value); false: present.
		if len(vs) == 0 {
			return c.wantTrue
		}
		return c.wantFalse
	}
	if len(vs) == 0 {
		// IfExists: a missing key passes. Otherwise ForAllValues and
		// the plain negated operators are true of the empty set, and
		// ForAnyValue and the plain positive operators false.
		return c.ifExists || c.quant == quantAll
	}
	if c.quant == quantAll {
		for _, v := range vs {
			if c.matchAny(v) == c.negate {
				return false
			}
		}
		return true
	}
	for _, v := range vs {
		if c.matchAny(v) != c.negate {
			return true
		}
	}
	return false
}

// matchAny reports whether the request value v matches one of the
// condition's values (the values of one key are ORed; a negated operator
// is the negation of that OR).
func (c *condition) matchAny(v string) bool {
	switch c.op {
	case opStringEquals:
		for _, s := range c.strs {
			if v == s {
				return true
			}
		}
	case opStringEqualsIgnoreCase:
		for _, s := range c.strs {
			if strings.EqualFold(v, s) {
				return true
			}
		}
	case opStringLike:
		for i := range c.globs {
			if c.globs[i].match(v) {
				return true
			}
		}
	case opBool:
		b, ok := parseBool(v)
		return ok && (b && c.wantTrue || !b && c.wantFalse)
	default: // numeric
		n, ok := parseNumber(v)
		if !ok {
			return false
		}
		for _, p := range c.nums {
			r := n.cmp(p)
			switch c.op {
			case opNumericEquals:
				if r == 0 {
					return true
				}
			case opNumericLessThan:
				if r < 0 {
					return true
				}
			case opNumericLessThanEquals:
				if r <= 0 {
					return true
				}
			case opNumericGreaterThan:
				if r > 0 {
					return true
				}
			case opNumericGreaterThanEquals:
				if r >= 0 {
					return true
				}
			}
		}
	}
	return false
}

// parseBool accepts "true" and "false" in any ASCII case.
func parseBool(s string) (bool, bool) {
	switch {
	case asciiEqualFold(s, "true"):
		return true, true
	case asciiEqualFold(s, "false"):
		return false, true
	}
	return false, false
}
