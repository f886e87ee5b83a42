package policy

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// KeyType is the type of a condition key's values, which decides the
// operators that apply to it.
type KeyType uint8

const (
	// TypeString keys take the String operators (StringEquals, StringLike...).
	TypeString KeyType = iota
	// TypeBool keys take Bool; request values are "true" or "false".
	TypeBool
	// TypeNumeric keys take the Numeric operators; request values are
	// decimal numbers ("42", "-1.5", "1e3").
	TypeNumeric
)

// String returns "String", "Bool" or "Numeric".
func (t KeyType) String() string {
	switch t {
	case TypeString:
		return "String"
	case TypeBool:
		return "Bool"
	case TypeNumeric:
		return "Numeric"
	}
	return fmt.Sprintf("KeyType(%d)", uint8(t))
}

// KeySpec describes one condition key the embedding KMS fills in
// Request.Context, or a family of them sharing a prefix.
type KeySpec struct {
	// Name is the key ("kms:KeySpec"), or with Prefix the prefix, including
	// its separator ("kms:EncryptionContext:", "g:ResourceTag/").
	Name string
	// Prefix makes Name a prefix: a policy may name Name followed by any
	// non-empty suffix (unless Suffixes restricts it).
	Prefix bool
	// Type is the type of the key's values.
	Type KeyType
	// Multi marks a multivalued key: the request may carry several values,
	// and policies must use ForAnyValue: or ForAllValues: with it (or Null).
	// Single-valued keys refuse those qualifiers. Bool keys cannot be Multi.
	Multi bool
	// Suffixes, for a Prefix key, lists the only suffixes allowed (as
	// "PCR0"..."PCR31", "ImageSha384" after "kms:RecipientAttestation:").
	// Policies may spell them in any ASCII case; the key is looked up under
	// the spelling given here. Empty allows any suffix, kept as written.
	Suffixes []string
}

// Schema is what the embedding KMS knows: the actions it asks about and
// the condition keys it fills. Parse refuses a policy that names anything
// else, so a typo stops the server at start instead of never matching.
type Schema struct {
	// Actions are the exact action names ("kms:cmk:createDataKeyPair").
	// Policies match them case-insensitively, with wildcards; requests
	// must carry one of these names exactly.
	Actions []string
	// Keys are the condition keys.
	Keys []KeySpec
}

// compiledSchema is a Schema checked and indexed for Parse.
type compiledSchema struct {
	actions      []string
	actionsLower []string
	actionIndex  map[string]int // exact name -> index in actions
	exact        map[string]*KeySpec
	prefixes     []*KeySpec // longest first
}

// compile checks s and indexes it.
func (s *Schema) compile() (*compiledSchema, error) {
	if s == nil {
		return nil, errors.New("policy: schema: nil Schema")
	}
	if len(s.Actions) == 0 {
		return nil, errors.New("policy: schema: no actions")
	}
	c := &compiledSchema{
		actions:     slices.Clone(s.Actions),
		actionIndex: make(map[string]int, len(s.Actions)),
		exact:       make(map[string]*KeySpec),
	}
	lower := make(map[string]bool, len(s.Actions))
	for i, a := range c.actions {
		if err := checkName("action", a); err != nil {
			return nil, err
		}
		l := asciiLower(a)
		if lower[l] {
			return nil, fmt.Errorf("policy: schema: action %q listed twice (actions are matched case-insensitively)", a)
		}
		lower[l] = true
		c.actionIndex[a] = i
		c.actionsLower = append(c.actionsLower, l)
	}
	prefixes := make(map[string]bool)
	for i := range s.Keys {
		k := s.Keys[i] // a copy: later edits of s do not reach the policy
		k.Suffixes = slices.Clone(k.Suffixes)
		if err := checkName("condition key", k.Name); err != nil {
			return nil, err
		}
		switch {
		case k.Type > TypeNumeric:
			return nil, fmt.Errorf("policy: schema: condition key %q: unknown type %v", k.Name, k.Type)
		case k.Type == TypeBool && k.Multi:
			return nil, fmt.Errorf("policy: schema: condition key %q: a Bool key cannot be multivalued", k.Name)
		case len(k.Suffixes) > 0 && !k.Prefix:
			return nil, fmt.Errorf("policy: schema: condition key %q: Suffixes needs Prefix", k.Name)
		}
		for _, sfx := range k.Suffixes {
			if err := checkName("condition key suffix", sfx); err != nil {
				return nil, err
			}
		}
		l := asciiLower(k.Name)
		if k.Prefix {
			if prefixes[l] {
				return nil, fmt.Errorf("policy: schema: condition key prefix %q listed twice", k.Name)
			}
			prefixes[l] = true
			c.prefixes = append(c.prefixes, &k)
			continue
		}
		if c.exact[l] != nil {
			return nil, fmt.Errorf("policy: schema: condition key %q listed twice (keys are matched case-insensitively)", k.Name)
		}
		c.exact[l] = &k
	}
	slices.SortStableFunc(c.prefixes, func(a, b *KeySpec) int { return cmp.Compare(len(b.Name), len(a.Name)) })
	return c, nil
}

// checkName refuses the empty name, wildcards, and characters that would
// be confusing in a key or action name (space, control characters,
// non-ASCII).
func checkName(what, name string) error {
	if name == "" {
		return fmt.Errorf("policy: schema: empty %s", what)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c >= 0x7f || c == '*' || c == '?' {
			return fmt.Errorf("policy: schema: %s %q: only printable ASCII without space or wildcards", what, name)
		}
	}
	return nil
}

// lookupKey finds the schema's key for a name written in a policy, and
// returns the name the request context uses for it: the schema's
// spelling, plus (for a prefix key) the suffix as written or as the
// schema spells it.
func (c *compiledSchema) lookupKey(name string) (string, *KeySpec, error) {
	if k := c.exact[asciiLower(name)]; k != nil {
		return k.Name, k, nil
	}
	for _, k := range c.prefixes {
		if len(name) <= len(k.Name) || !asciiEqualFold(name[:len(k.Name)], k.Name) {
			continue
		}
		sfx := name[len(k.Name):]
		if strings.ContainsAny(sfx, "*?") {
			return "", nil, fmt.Errorf("wildcards are not allowed in condition key %q", name)
		}
		if len(k.Suffixes) == 0 {
			return k.Name + sfx, k, nil
		}
		for _, s := range k.Suffixes {
			if asciiEqualFold(s, sfx) {
				return k.Name + s, k, nil
			}
		}
		return "", nil, fmt.Errorf("unknown condition key %q (after %q the schema allows only %s)", name, k.Name, strings.Join(k.Suffixes, ", "))
	}
	return "", nil, fmt.Errorf("unknown condition key %q", name)
}
