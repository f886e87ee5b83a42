package policy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// versions are the accepted values of a document's Version: Huawei IAM's
// and AWS IAM's current grammar, which are the same.
var versions = []string{"1.1", "2012-10-17"}

// PrincipalType is the one member name of a Principal object:
// {"ecdkp": ["alice", "svc-*"]}.
const PrincipalType = "ecdkp"

var (
	documentFields  = []string{"Version", "Id", "Statement"}
	statementFields = []string{"Sid", "Effect", "Principal", "Action", "NotAction", "Resource", "NotResource", "Condition"}
)

// Parse parses and checks a policy document against what the embedding KMS
// knows (s), and compiles it for Evaluate. A *ParseError says what is
// wrong and in which statement; an error about s itself is a plain error.
// Parse is strict: JSON syntax, duplicate keys, unknown or wrongly cased
// fields, an unknown Version, an Effect other than Allow or Deny, unknown
// actions (or an Action pattern matching none), unknown condition
// operators or keys, operators that do not apply to a key's type, and
// values of the wrong type are all refused.
func Compile(doc []byte, s *Schema) (*Policy, error) {
	sc, err := s.compile()
	if err != nil {
		return nil, err
	}
	root, jerr := readTree(doc)
	if jerr != nil {
		return nil, &ParseError{Statement: jerr.stmt, Sid: jerr.sid, Line: jerr.line, Msg: jerr.msg}
	}
	top := func(n *node, format string, args ...any) error {
		return &ParseError{Statement: -1, Line: n.line, Msg: fmt.Sprintf(format, args...)}
	}
	if root.kind != nodeObject {
		return nil, top(root, "the document is %s, not an object", root.kind)
	}
	var version, stmts *node
	for _, m := range root.members {
		switch m.name {
		case "Version":
			version = m.value
		case "Id":
			if m.value.kind != nodeString {
				return nil, top(m.value, "Id is %s, not a string", m.value.kind)
			}
		case "Statement":
			stmts = m.value
		default:
			return nil, top(root, "unknown field %q%s", m.name, fieldHint(m.name, documentFields))
		}
	}
	switch {
	case version == nil:
		return nil, top(root, "no Version (want %s)", quoteList(versions))
	case version.kind != nodeString || !slices.Contains(versions, version.str):
		return nil, top(version, "Version %s is not one of %s", show(version), quoteList(versions))
	case stmts == nil:
		return nil, top(root, "no Statement")
	}
	var list []*node
	switch stmts.kind {
	case nodeObject:
		list = []*node{stmts}
	case nodeArray:
		list = stmts.elems
	default:
		return nil, top(stmts, "Statement is %s, not an object or a list of objects", stmts.kind)
	}
	if len(list) == 0 {
		return nil, top(stmts, "Statement is empty")
	}
	p := &Policy{
		version:     version.str,
		actionIndex: sc.actionIndex,
	}
	sids := make(map[string]int)
	var allows []statement
	for i, n := range list {
		st, err := parseStatement(i, n, sc)
		if err != nil {
			return nil, err
		}
		if st.sid != "" {
			if j, dup := sids[st.sid]; dup {
				return nil, &ParseError{Statement: i, Sid: st.sid, Line: n.line, Msg: fmt.Sprintf("Sid %q is already statement %d's", st.sid, j)}
			}
			sids[st.sid] = i
		}
		if st.deny {
			p.stmts = append(p.stmts, st)
		} else {
			allows = append(allows, st)
		}
	}
	// Deny statements first, each group in document order: Evaluate stops
	// at the first Deny that matches, then at the first Allow.
	p.denies = len(p.stmts)
	p.stmts = append(p.stmts, allows...)
	return p, nil
}

// stmtParser holds a statement's identity for its error messages.
type stmtParser struct {
	index int
	sid   string
	sc    *compiledSchema
}

func (sp *stmtParser) errorf(n *node, format string, args ...any) error {
	return &ParseError{Statement: sp.index, Sid: sp.sid, Line: n.line, Msg: fmt.Sprintf(format, args...)}
}

func parseStatement(i int, n *node, sc *compiledSchema) (statement, error) {
	sp := &stmtParser{index: i, sc: sc}
	st := statement{id: "#" + strconv.Itoa(i), anyPrincipal: true, anyResource: true}
	if n.kind != nodeObject {
		return st, sp.errorf(n, "the statement is %s, not an object", n.kind)
	}
	// The Sid first, wherever it is, so that every error names it.
	fields := make(map[string]*node, len(n.members))
	for _, m := range n.members {
		fields[m.name] = m.value
	}
	if v := fields["Sid"]; v != nil && v.kind == nodeString {
		sp.sid = v.str
	}
	for _, m := range n.members {
		if !slices.Contains(statementFields, m.name) {
			return st, sp.errorf(m.value, "unknown field %q%s", m.name, fieldHint(m.name, statementFields))
		}
	}
	if v := fields["Sid"]; v != nil {
		if v.kind != nodeString {
			return st, sp.errorf(v, "Sid is %s, not a string", v.kind)
		}
		if msg := checkSid(v.str); msg != "" {
			return st, sp.errorf(v, "%s", msg)
		}
		st.sid, st.id = v.str, v.str
	}

	switch v := fields["Effect"]; {
	case v == nil:
		return st, sp.errorf(n, "no Effect (want \"Allow\" or \"Deny\")")
	case v.kind == nodeString && v.str == "Allow":
	case v.kind == nodeString && v.str == "Deny":
		st.deny = true
	default:
		return st, sp.errorf(v, "Effect %s is not \"Allow\" or \"Deny\"", show(v))
	}

	if v := fields["Principal"]; v != nil {
		if err := sp.principal(v, &st); err != nil {
			return st, err
		}
	}

	act, notAct := fields["Action"], fields["NotAction"]
	switch {
	case act != nil && notAct != nil:
		return st, sp.errorf(notAct, "both Action and NotAction")
	case act == nil && notAct == nil:
		return st, sp.errorf(n, "no Action (or NotAction)")
	case notAct != nil:
		act, st.notAction = notAct, true
	}
	if err := sp.actions(act, st.notAction, &st); err != nil {
		return st, err
	}

	res, notRes := fields["Resource"], fields["NotResource"]
	switch {
	case res != nil && notRes != nil:
		return st, sp.errorf(notRes, "both Resource and NotResource")
	case notRes != nil:
		res, st.notResource = notRes, true
	}
	if res != nil {
		field := "Resource"
		if st.notResource {
			field = "NotResource"
		}
		pats, err := sp.strings(res, field)
		if err != nil {
			return st, err
		}
		st.anyResource = false
		for _, pat := range pats {
			g := compileGlob(pat)
			if g.kind == globAny {
				st.anyResource = true
			}
			st.resources = append(st.resources, g)
		}
		if st.anyResource {
			st.resources = nil
		}
	}

	if v := fields["Condition"]; v != nil {
		conds, err := sp.conditions(v)
		if err != nil {
			return st, err
		}
		st.conds = conds
	}
	return st, nil
}

// checkSid allows letters, digits, '-', '_' and '.': a Sid lands in audit
// records, and cannot then look like the "#<index>" of a statement without
// one. It returns what is wrong, or "".
func checkSid(sid string) string {
	if sid == "" {
		return "empty Sid (omit it instead)"
	}
	for i := 0; i < len(sid); i++ {
		c := sid[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Sprintf("Sid %q: only ASCII letters, digits, '-', '_' and '.'", sid)
		}
	}
	return ""
}

// strings reads a string or a non-empty list of non-empty strings.
func (sp *stmtParser) strings(v *node, field string) ([]string, error) {
	var elems []*node
	switch v.kind {
	case nodeString:
		elems = []*node{v}
	case nodeArray:
		if len(v.elems) == 0 {
			return nil, sp.errorf(v, "%s is an empty list", field)
		}
		elems = v.elems
	default:
		return nil, sp.errorf(v, "%s is %s, not a string or a list of strings", field, v.kind)
	}
	out := make([]string, 0, len(elems))
	for _, e := range elems {
		switch {
		case e.kind != nodeString:
			return nil, sp.errorf(e, "%s holds %s, not a string", field, e.kind)
		case e.str == "":
			return nil, sp.errorf(e, "%s holds an empty string", field)
		case strings.Contains(e.str, "${"):
			return nil, sp.errorf(e, "%s %q: policy variables (${...}) are not supported", field, e.str)
		}
		out = append(out, e.str)
	}
	return out, nil
}

// principal reads "*" or {"ecdkp": pattern or list of patterns}.
func (sp *stmtParser) principal(v *node, st *statement) error {
	if v.kind == nodeString && v.str == "*" {
		return nil
	}
	if v.kind != nodeObject {
		return sp.errorf(v, "Principal %s is not \"*\" or {%q: [...]}", show(v), PrincipalType)
	}
	if len(v.members) == 0 {
		return sp.errorf(v, "Principal is an empty object")
	}
	for _, m := range v.members {
		if m.name != PrincipalType {
			return sp.errorf(m.value, "unknown principal type %q (the one type is %q)", m.name, PrincipalType)
		}
		pats, err := sp.strings(m.value, "Principal")
		if err != nil {
			return err
		}
		st.anyPrincipal = false
		for _, pat := range pats {
			g := compileGlob(pat)
			if g.kind == globAny {
				st.anyPrincipal = true
			}
			st.principals = append(st.principals, g)
		}
		if st.anyPrincipal {
			st.principals = nil
		}
	}
	return nil
}

// actions reads the Action (or NotAction) patterns into the statement's
// set of known actions. A name without wildcards must be a known action;
// a pattern must match at least one.
func (sp *stmtParser) actions(v *node, not bool, st *statement) error {
	field := "Action"
	if not {
		field = "NotAction"
	}
	pats, err := sp.strings(v, field)
	if err != nil {
		return err
	}
	st.actions = make([]uint64, (len(sp.sc.actions)+63)/64)
	elems := v.elems
	if v.kind == nodeString {
		elems = []*node{v}
	}
	for k, pat := range pats {
		g := compileGlob(asciiLower(pat))
		matched := false
		for i, a := range sp.sc.actionsLower {
			if g.match(a) {
				st.actions[i/64] |= 1 << (i % 64)
				matched = true
			}
		}
		if !matched {
			if g.kind == globExact {
				return sp.errorf(elems[k], "unknown action %q", pat)
			}
			return sp.errorf(elems[k], "%s pattern %q matches no known action", field, pat)
		}
	}
	return nil
}

// conditions reads {"Operator": {"key": value or list}, ...}.
func (sp *stmtParser) conditions(v *node) ([]condition, error) {
	if v.kind != nodeObject {
		return nil, sp.errorf(v, "Condition is %s, not an object", v.kind)
	}
	var out []condition
	for _, om := range v.members {
		op, err := parseOperator(om.name)
		if err != nil {
			return nil, sp.errorf(om.value, "%s", err)
		}
		block := om.value
		if block.kind != nodeObject {
			return nil, sp.errorf(block, "condition %q is %s, not an object of keys", om.name, block.kind)
		}
		if len(block.members) == 0 {
			return nil, sp.errorf(block, "condition %q names no key", om.name)
		}
		for _, km := range block.members {
			c, err := sp.condition(om.name, op, km)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func (sp *stmtParser) condition(opName string, op operatorSpec, km member) (condition, error) {
	key, spec, err := sp.sc.lookupKey(km.name)
	if err != nil {
		return condition{}, sp.errorf(km.value, "condition %q: %s", opName, err)
	}
	fail := func(n *node, format string, args ...any) error {
		return sp.errorf(n, "condition %q, key %q: %s", opName, km.name, fmt.Sprintf(format, args...))
	}
	if op.op != opNull {
		switch {
		case op.typ != spec.Type:
			return condition{}, fail(km.value, "a %v operator on a %v key", op.typ, spec.Type)
		case op.set != "" && !spec.Multi:
			return condition{}, fail(km.value, "%s on a single-valued key (use the operator without it)", strings.TrimSuffix(op.set, ":"))
		case op.set == "" && spec.Multi:
			return condition{}, fail(km.value, "a multivalued key needs ForAnyValue: or ForAllValues:")
		}
	}
	c := condition{key: key, op: op.op, negate: op.negate, ifExists: op.ifExists}
	switch {
	case op.set == qualAll, op.set == "" && op.negate:
		c.quant = quantAll
	default:
		c.quant = quantAny
	}

	var elems []*node
	if km.value.kind == nodeArray {
		if len(km.value.elems) == 0 {
			return condition{}, fail(km.value, "an empty list of values")
		}
		elems = km.value.elems
	} else {
		elems = []*node{km.value}
	}
	for _, e := range elems {
		switch op.op {
		case opStringEquals, opStringEqualsIgnoreCase, opStringLike:
			if e.kind != nodeString {
				return condition{}, fail(e, "value %s is not a string", show(e))
			}
			if strings.Contains(e.str, "${") {
				return condition{}, fail(e, "value %q: policy variables (${...}) are not supported", e.str)
			}
			if op.op == opStringLike {
				c.globs = append(c.globs, compileGlob(e.str))
			} else {
				c.strs = append(c.strs, e.str)
			}
		case opBool, opNull:
			var b, ok bool
			switch e.kind {
			case nodeBool:
				b, ok = e.b, true
			case nodeString:
				b, ok = parseBool(e.str)
			}
			if !ok {
				return condition{}, fail(e, "value %s is not true or false", show(e))
			}
			if b {
				c.wantTrue = true
			} else {
				c.wantFalse = true
			}
		default: // numeric
			var n number
			ok := false
			if e.kind == nodeNumber || e.kind == nodeString {
				n, ok = parseNumber(e.str)
			}
			if !ok {
				return condition{}, fail(e, "value %s is not a decimal number", show(e))
			}
			c.nums = append(c.nums, n)
		}
	}
	return c, nil
}

// show renders a value for an error message: strings quoted, numbers and
// booleans as written, objects and arrays by kind.
func show(n *node) string {
	switch n.kind {
	case nodeString:
		return strconv.Quote(n.str)
	case nodeNumber:
		return n.str
	case nodeBool:
		return strconv.FormatBool(n.b)
	}
	return n.kind.String()
}

// fieldHint suggests the right spelling of a field written in the wrong
// case ("effect").
func fieldHint(name string, known []string) string {
	for _, k := range known {
		if asciiEqualFold(k, name) {
			return fmt.Sprintf(" (fields are case-sensitive: did you mean %q?)", k)
		}
	}
	return ""
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, " or ")
}
