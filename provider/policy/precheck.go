package policy

// Partial evaluation: a KMS decides in steps, refusing a caller before it
// does any work the caller could abuse. Before it looks up the key, it
// knows what the request says (action, principal, resource, the request's
// own condition keys) but not what the key says (its origin, usage, tags);
// before it verifies an attestation document it does not know the PCRs.
// Precheck decides what can be decided with some condition keys still
// unknown, and the final Evaluate, with every key known, decides the rest.

// Unknown reports whether a condition key (as Request.Context names it)
// is not known yet.
type Unknown func(key string) bool

// Precheck decides r as far as the known condition keys allow:
//
//   - EffectDeny when a Deny statement matches on known keys alone (none
//     of its conditions names an unknown key): no value of the unknown keys
//     can change that;
//   - EffectImplicitDeny when no Allow statement can match, whatever the
//     unknown keys hold (each has a condition on known keys that fails, or
//     its action, principal or resource does not match);
//   - otherwise an undecided Decision (Effect ""), for Evaluate to settle
//     once every key is known.
//
// A Deny statement whose match depends on an unknown key is left for
// Evaluate. With unknown nil (or reporting nothing unknown) Precheck
// refuses exactly what Evaluate refuses. It does not allocate.
func (p *Policy) Precheck(r *Request, unknown Unknown) Decision {
	if p == nil || r == nil {
		return implicitDeny
	}
	action, ok := p.actionIndex[r.Action]
	if !ok {
		return implicitDeny
	}
	for i := range p.stmts[:p.denies] {
		if p.stmts[i].partial(r, action, unknown) == matchYes {
			return Decision{Effect: EffectDeny, Statement: p.stmts[i].id}
		}
	}
	for i := range p.stmts[p.denies:] {
		if p.stmts[p.denies+i].partial(r, action, unknown) != matchNo {
			return Decision{Policy: -1}
		}
	}
	return implicitDeny
}

// Precheck is Policy.Precheck over the set: a Deny of any policy that
// matches on known keys refuses; no Allow of any policy that can match
// refuses; else undecided.
func (s Set) Precheck(r *Request, unknown Unknown) Decision {
	if r == nil {
		return implicitDeny
	}
	for k, p := range s {
		if p == nil {
			continue
		}
		if action, ok := p.actionIndex[r.Action]; ok {
			for i := range p.stmts[:p.denies] {
				if p.stmts[i].partial(r, action, unknown) == matchYes {
					return Decision{Effect: EffectDeny, Policy: k, Statement: p.stmts[i].id}
				}
			}
		}
	}
	for _, p := range s {
		if p == nil {
			continue
		}
		action, ok := p.actionIndex[r.Action]
		if !ok {
			continue
		}
		for i := range p.stmts[p.denies:] {
			if p.stmts[p.denies+i].partial(r, action, unknown) != matchNo {
				return Decision{Policy: -1}
			}
		}
	}
	return implicitDeny
}

// Undecided reports whether a Precheck left the request for Evaluate.
func (d Decision) Undecided() bool { return d.Effect == "" }

type tri uint8

const (
	matchNo tri = iota
	matchYes
	matchMaybe
)

// partial is matches with unknown condition keys: yes, no, or maybe (only
// unknown keys stand between the statement and a match).
func (s *statement) partial(r *Request, action int, unknown Unknown) tri {
	named := s.actions[action/64]&(1<<(action%64)) != 0
	if named == s.notAction {
		return matchNo
	}
	if !s.anyPrincipal && !matchAnyGlob(s.principals, r.Principal) {
		return matchNo
	}
	if (s.anyResource || matchAnyGlob(s.resources, r.Resource)) == s.notResource {
		return matchNo
	}
	out := matchYes
	for i := range s.conds {
		c := &s.conds[i]
		if unknown != nil && unknown(c.key) {
			out = matchMaybe
			continue
		}
		if !c.eval(r.Context) {
			return matchNo
		}
	}
	return out
}
