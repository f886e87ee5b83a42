package policy

import "strconv"

// Effect is what decided a request.
type Effect string

const (
	// EffectAllow: an Allow statement matched and no Deny did.
	EffectAllow Effect = "Allow"
	// EffectDeny: a Deny statement matched (an explicit deny).
	EffectDeny Effect = "Deny"
	// EffectImplicitDeny: no statement matched (the default deny).
	EffectImplicitDeny Effect = "ImplicitDeny"
)

// Request is what Evaluate decides on.
type Request struct {
	// Principal is who is calling, as the KMS authenticated them; matched
	// case-sensitively against the Principal element.
	Principal string
	// Action is one of the Schema's actions, spelled exactly as there; any
	// other action matches no statement (and is denied).
	Action string
	// Resource is the resource's name, opaque to this package; matched
	// case-sensitively against Resource (wildcards in the policy).
	Resource string
	// Context holds the condition keys' values, under the names the
	// Schema spells (prefix keys: the prefix as the Schema spells it,
	// then the suffix). A single-valued key holds one value; a key that is
	// absent or holds no value is missing.
	Context map[string][]string
}

// Decision is Evaluate's answer.
type Decision struct {
	// Allowed is true only for EffectAllow.
	Allowed bool
	// Effect says whether an Allow, a Deny, or nothing matched.
	Effect Effect
	// Policy is the index in the Set of the policy holding Statement (0
	// from Policy.Evaluate); -1 with EffectImplicitDeny.
	Policy int
	// Statement is the deciding statement's Sid, or "#<index>" (from 0,
	// in document order) when it has none; "" with EffectImplicitDeny.
	Statement string
}

// String describes the decision for a log line.
func (d Decision) String() string {
	if d.Effect != EffectAllow && d.Effect != EffectDeny {
		return string(EffectImplicitDeny) + " (no statement matched)"
	}
	return string(d.Effect) + " by policy " + strconv.Itoa(d.Policy) + " statement " + strconv.Quote(d.Statement)
}

var implicitDeny = Decision{Effect: EffectImplicitDeny, Policy: -1}

// Policy is a parsed, checked and compiled policy document. It is
// immutable and safe for concurrent use.
type Policy struct {
	version     string
	actionIndex map[string]int // exact action name -> bit in statement.actions
	stmts       []statement    // the Deny statements, then the Allow ones
	denies      int            // len of the Deny prefix of stmts
}

// statement is one compiled statement.
type statement struct {
	id   string // Sid, or "#<index>"
	sid  string
	deny bool

	anyPrincipal bool
	principals   []glob

	actions   []uint64 // bit i: the schema's action i is named
	notAction bool

	anyResource bool // no Resource element, or a "*" pattern
	notResource bool
	resources   []glob

	conds []condition
}

// Version returns the document's Version.
func (p *Policy) Version() string { return p.version }

// Evaluate decides r: an explicit Deny in any matching statement wins; else
// a matching Allow allows; else the request is denied by default. It does
// not allocate. A nil Policy or Request is an implicit deny.
func (p *Policy) Evaluate(r *Request) Decision {
	if p == nil || r == nil {
		return implicitDeny
	}
	action, ok := p.actionIndex[r.Action]
	if !ok {
		return implicitDeny // an action the schema does not know
	}
	if i := match(r, action, p.stmts[:p.denies]); i >= 0 {
		return Decision{Effect: EffectDeny, Statement: p.stmts[i].id}
	}
	if i := match(r, action, p.stmts[p.denies:]); i >= 0 {
		return Decision{Allowed: true, Effect: EffectAllow, Statement: p.stmts[p.denies+i].id}
	}
	return implicitDeny
}

// match returns the index in stmts of the first statement matching r,
// whose action is the schema's action number action, or -1.
func match(r *Request, action int, stmts []statement) int {
	for i := range stmts {
		if stmts[i].matches(r, action) {
			return i
		}
	}
	return -1
}

// matches reports whether the statement applies to r, whose action is the
// schema's action number action.
func (s *statement) matches(r *Request, action int) bool {
	named := s.actions[action/64]&(1<<(action%64)) != 0
	if named == s.notAction {
		return false
	}
	if !s.anyPrincipal && !matchAnyGlob(s.principals, r.Principal) {
		return false
	}
	if (s.anyResource || matchAnyGlob(s.resources, r.Resource)) == s.notResource {
		return false
	}
	for i := range s.conds {
		if !s.conds[i].eval(r.Context) {
			return false
		}
	}
	return true
}

func matchAnyGlob(globs []glob, s string) bool {
	for i := range globs {
		if globs[i].match(s) {
			return true
		}
	}
	return false
}

// Set is several policies evaluated together, as IAM evaluates all the
// policies attached to a caller: an explicit Deny in any of them wins;
// else an Allow in any of them allows; else the default deny. Nil entries
// are skipped. The first matching Deny (in Set order, then document
// order) or, without one, the first matching Allow is the Decision's.
type Set []*Policy

// Evaluate decides r against every policy of the set. It does not allocate.
func (s Set) Evaluate(r *Request) Decision {
	if r == nil {
		return implicitDeny
	}
	for k, p := range s {
		if p == nil {
			continue
		}
		if action, ok := p.actionIndex[r.Action]; ok {
			if i := match(r, action, p.stmts[:p.denies]); i >= 0 {
				return Decision{Effect: EffectDeny, Policy: k, Statement: p.stmts[i].id}
			}
		}
	}
	for k, p := range s {
		if p == nil {
			continue
		}
		action, ok := p.actionIndex[r.Action]
		if !ok {
			continue
		}
		if i := match(r, action, p.stmts[p.denies:]); i >= 0 {
			return Decision{Allowed: true, Effect: EffectAllow, Policy: k, Statement: p.stmts[p.denies+i].id}
		}
	}
	return implicitDeny
}
