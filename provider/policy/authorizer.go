package policy

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"

	"github.com/ecdkp/ecdkp/provider"
)

// KMSSchema is the Schema of the provider: its actions (provider.Actions)
// and condition keys (provider.ConditionKeys).
func KMSSchema() *Schema {
	s := &Schema{Actions: provider.Actions()}
	for _, k := range provider.ConditionKeys() {
		t := TypeString
		switch k.Type {
		case "Bool":
			t = TypeBool
		case "Numeric":
			t = TypeNumeric
		}
		s.Keys = append(s.Keys, KeySpec{Name: k.Name, Prefix: k.Prefix, Type: t, Multi: k.Multi, Suffixes: k.Suffixes})
	}
	return s
}

// Authorizer is a provider.Authorizer deciding with policies. Before the
// last phase it refuses what Precheck refuses (a Deny on what is known, or
// no Allow that could still match); at provider.PhaseFinal it allows only
// what Evaluate allows. Its policies can be replaced while it serves
// (Reload), atomically. It is safe for concurrent use.
type Authorizer struct {
	set atomic.Pointer[Set]
}

// Parse parses one policy document against KMSSchema (the provider's
// actions and condition keys) and returns the Authorizer of it.
func Parse(doc []byte) (*Authorizer, error) {
	p, err := Compile(doc, KMSSchema())
	if err != nil {
		return nil, err
	}
	a := &Authorizer{}
	a.set.Store(&Set{p})
	return a, nil
}

// LoadAuthorizer reads and parses a policy file; errors name the file.
func LoadAuthorizer(path string) (*Authorizer, error) {
	a := &Authorizer{}
	if err := a.Reload(path); err != nil {
		return nil, err
	}
	return a, nil
}

// Reload reads path and, if it parses, replaces the policies; otherwise
// the policies stay as they were and the error says why.
func (a *Authorizer) Reload(path string) error {
	doc, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("policy: %w", err)
	}
	p, err := Compile(doc, KMSSchema())
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	a.set.Store(&Set{p})
	return nil
}

// Authorize implements provider.Authorizer.
func (a *Authorizer) Authorize(_ context.Context, r *provider.AuthzRequest) (provider.Decision, error) {
	set := a.set.Load()
	req := Request{Principal: r.Caller.Principal, Action: r.Action, Resource: r.Resource, Context: r.Conditions}
	var d Decision
	if r.Phase == provider.PhaseFinal {
		d = set.Evaluate(&req)
	} else {
		phase := r.Phase
		d = set.Precheck(&req, func(key string) bool { return !provider.KnownAt(key, phase) })
		if d.Undecided() {
			return provider.Decision{Allowed: true, By: "policy: undecided before the " + provider.PhaseFinal.String() + " phase"}, nil
		}
	}
	return provider.Decision{Allowed: d.Allowed, By: describe(d)}, nil
}

// describe names what decided, for messages and the audit trail.
func describe(d Decision) string {
	switch d.Effect {
	case EffectAllow:
		return "allowed by statement " + d.Statement
	case EffectDeny:
		return "denied by statement " + d.Statement
	}
	return "no statement allows it"
}

var _ provider.Authorizer = (*Authorizer)(nil)
