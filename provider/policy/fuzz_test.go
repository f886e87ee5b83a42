package policy

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse: Parse never panics, refuses with a *ParseError only, and a
// policy it accepts evaluates any request without panicking, the same way
// twice, consistently with its own Decision fields and with a Set of it.
func FuzzParse(f *testing.F) {
	for _, tc := range parseErrorCases {
		f.Add([]byte(tc.doc), "alice", actCreate, "kms:p1:key/k", keySpec, "SM2")
	}
	for _, tc := range evalCases {
		for _, r := range tc.reqs {
			f.Add([]byte(tc.policy), r.req.Principal, r.req.Action, r.req.Resource, keyPlaintext, "true")
		}
	}
	for _, tc := range conditionCases {
		d := `{"Version":"1.1","Statement":{"Effect":"Allow","Action":"*","Condition":{"` +
			tc.op + `":{"` + tc.key + `":` + tc.values + `}}}}`
		f.Add([]byte(d), "", actGet, "", tc.key, "1")
	}
	f.Add([]byte(benchDoc), "app-1", actCreate, "kms:p1:key/k", prefixEC+"tenant", "t1")
	schema := testSchema()
	f.Fuzz(func(t *testing.T, doc []byte, principal, action, resource, key, value string) {
		p, err := Compile(doc, schema)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("not a *ParseError: %T %v", err, err)
			}
			if !strings.HasPrefix(err.Error(), "policy: ") {
				t.Fatalf("error without the package prefix: %v", err)
			}
			return
		}
		if p == nil {
			t.Fatal("nil policy without an error")
		}
		ctxs := []map[string][]string{
			nil,
			{key: {value}},
			{key: {}},
			{key: {value, value + "x", ""}},
			{keySpec: {value}, keySize: {value}, keyPlaintext: {value}, keyECKeys: {value, key}, keyNumbers: {value, "1"},
				prefixEC + key: {value}, prefixAttest + "PCR0": {value}, prefixTag + key: {value}},
		}
		for _, c := range ctxs {
			r := &Request{Principal: principal, Action: action, Resource: resource, Context: c}
			d := p.Evaluate(r)
			if d != p.Evaluate(r) {
				t.Fatal("Evaluate is not deterministic")
			}
			if d != (Set{p}).Evaluate(r) {
				t.Fatal("a Set of one policy decides otherwise")
			}
			// A precheck never refuses what Evaluate allows, whatever is
			// unknown, and with nothing unknown refuses what it refuses.
			someUnknown := func(k string) bool { return k == key || strings.HasPrefix(k, prefixAttest) }
			for _, unknown := range []Unknown{nil, someUnknown, func(string) bool { return true }} {
				if pre := p.Precheck(r, unknown); d.Allowed && !pre.Undecided() {
					t.Fatalf("precheck refused an allowed request: %+v", pre)
				}
			}
			if pre := p.Precheck(r, nil); !d.Allowed && (pre.Effect != d.Effect || pre.Statement != d.Statement) {
				t.Fatalf("precheck %+v, evaluate %+v", pre, d)
			}
			switch d.Effect {
			case EffectAllow:
				if !d.Allowed || d.Statement == "" || d.Policy != 0 {
					t.Fatalf("inconsistent %+v", d)
				}
			case EffectDeny:
				if d.Allowed || d.Statement == "" || d.Policy != 0 {
					t.Fatalf("inconsistent %+v", d)
				}
			case EffectImplicitDeny:
				if d.Allowed || d.Statement != "" || d.Policy != -1 {
					t.Fatalf("inconsistent %+v", d)
				}
			default:
				t.Fatalf("unknown effect %+v", d)
			}
		}
	})
}
