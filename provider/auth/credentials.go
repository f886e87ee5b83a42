package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// TokenLookup finds the principal of a token. Implementations must be safe
// for concurrent use and must not let the time they take depend on how much
// of the token matches a configured one.
type TokenLookup interface {
	LookupToken(token string) (Principal, bool)
}

// AccessKeyLookup finds the secret key of an access key and the principal
// it authenticates (whose ID and Method the verifier fills in), ok false
// when the access key is unknown. Implementations must be safe for
// concurrent use.
type AccessKeyLookup interface {
	LookupAccessKey(accessKey string) (secretKey string, p Principal, ok bool)
}

// CredentialLookup returns the secret key of an access key, and false when
// the access key is unknown. It must be safe for concurrent use. It is an
// AccessKeyLookup whose principals are named after their access key and may
// use every project.
type CredentialLookup func(accessKey string) (secretKey string, ok bool)

// LookupAccessKey implements AccessKeyLookup. A nil CredentialLookup knows
// no access key.
func (f CredentialLookup) LookupAccessKey(ak string) (string, Principal, bool) {
	if f == nil {
		return "", Principal{}, false
	}
	sk, ok := f(ak)
	if !ok || sk == "" {
		return "", Principal{}, false
	}
	return sk, Principal{Name: ak}, true
}

// StaticCredentials returns a CredentialLookup over a copy of creds (access
// key -> secret key): the dev-loop store, one principal per access key, each
// allowed every project. Entries with an empty access key or secret key are
// dropped.
func StaticCredentials(creds map[string]string) CredentialLookup {
	m := maps.Clone(creds)
	for ak, sk := range m {
		if ak == "" || sk == "" {
			delete(m, ak)
		}
	}
	return func(ak string) (string, bool) {
		sk, ok := m[ak]
		return sk, ok
	}
}

// Credential is one credential of a principal: a token, or an access key
// pair (usable with both AK/SK and SigV4). Its fmt output never shows the
// token or the secret key.
type Credential struct {
	// Principal names who the credential belongs to:
	// 1 to 64 of A-Z a-z 0-9 + = , . @ _ - (as an IAM user name).
	Principal string
	// Projects are the project ids the credential may use, each 1 to 64
	// of A-Z a-z 0-9 _ - (a Huawei project_id is 32 hex digits, an AWS
	// account id 12 decimal digits); empty means every project.
	Projects []string
	// Token, for a token credential: printable ASCII without spaces.
	Token string
	// AccessKey and SecretKey, for an access key pair: the access key 1
	// to 128 of A-Z a-z 0-9 _ -, the secret key printable ASCII without
	// spaces.
	AccessKey string
	SecretKey string
}

// Format writes c with Token and SecretKey redacted, whatever the verb.
func (c Credential) Format(f fmt.State, _ rune) {
	red := func(s string) string {
		if s == "" {
			return `""`
		}
		return "[redacted]"
	}
	fmt.Fprintf(f, "{Principal:%q Projects:%q Token:%s AccessKey:%q SecretKey:%s}",
		c.Principal, c.Projects, red(c.Token), c.AccessKey, red(c.SecretKey))
}

// Credentials is an immutable store of tokens and access key pairs, each
// bound to a principal and its projects: the TokenLookup and
// AccessKeyLookup of a server. Create it with NewCredentials or
// LoadCredentials. A nil *Credentials knows nothing.
type Credentials struct {
	tokens []tokenEntry
	keys   map[string]keyEntry
	names  []string
}

type tokenEntry struct {
	sum [sha256.Size]byte
	p   Principal
}

type keyEntry struct {
	secret string
	p      Principal
}

var (
	principalName = regexp.MustCompile(`^[A-Za-z0-9+=,.@_-]{1,64}$`)
	projectID     = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	accessKeyID   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
)

// Limits on secrets; a Huawei IAM token is several KiB.
const (
	maxTokenLen     = 16 << 10
	maxSecretKeyLen = 1 << 10
)

// NewCredentials checks entries and returns a store of them. Every entry
// must be valid (see Credential) and hold exactly one credential; tokens
// and access keys must be unique; entries of one principal must list the
// same projects. Errors name the entry by index and principal, never a
// secret.
func NewCredentials(entries ...Credential) (*Credentials, error) {
	c := &Credentials{keys: make(map[string]keyEntry)}
	type seenPrincipal struct {
		index    int
		projects []string
	}
	principals := make(map[string]seenPrincipal)
	tokenAt := make(map[[sha256.Size]byte]int)
	keyAt := make(map[string]int)
	for i, e := range entries {
		where := fmt.Sprintf("entry %d", i)
		if !principalName.MatchString(e.Principal) {
			return nil, fmt.Errorf("auth: credentials: %s: principal must be 1 to 64 of A-Z a-z 0-9 + = , . @ _ -", where)
		}
		where = fmt.Sprintf("entry %d (principal %q)", i, e.Principal)
		projects, err := checkProjects(e.Projects)
		if err != nil {
			return nil, fmt.Errorf("auth: credentials: %s: %w", where, err)
		}
		if prev, ok := principals[e.Principal]; ok {
			if !slices.Equal(prev.projects, projects) {
				return nil, fmt.Errorf("auth: credentials: %s: principal also in entry %d with other projects; "+
					"every credential of one principal must list the same projects", where, prev.index)
			}
		} else {
			principals[e.Principal] = seenPrincipal{i, projects}
			c.names = append(c.names, e.Principal)
		}
		p := Principal{Name: e.Principal, Projects: projects}

		isToken, isKey := e.Token != "", e.AccessKey != "" || e.SecretKey != ""
		switch {
		case isToken && isKey:
			return nil, fmt.Errorf("auth: credentials: %s: holds both a token and an access key pair; use one entry for each", where)
		case !isToken && !isKey:
			return nil, fmt.Errorf("auth: credentials: %s: holds no credential (a token, or an access key and its secret key)", where)
		case isToken:
			if err := checkSecret(e.Token, maxTokenLen); err != nil {
				return nil, fmt.Errorf("auth: credentials: %s: token %w", where, err)
			}
			sum := sha256.Sum256([]byte(e.Token))
			if j, dup := tokenAt[sum]; dup {
				return nil, fmt.Errorf("auth: credentials: %s: same token as entry %d", where, j)
			}
			tokenAt[sum] = i
			c.tokens = append(c.tokens, tokenEntry{sum: sum, p: p})
		default:
			switch {
			case e.AccessKey == "":
				return nil, fmt.Errorf("auth: credentials: %s: secret key without an access key", where)
			case !accessKeyID.MatchString(e.AccessKey):
				return nil, fmt.Errorf("auth: credentials: %s: access key must be 1 to 128 of A-Z a-z 0-9 _ -", where)
			case e.SecretKey == "":
				return nil, fmt.Errorf("auth: credentials: %s: access key %s has no secret key", where, e.AccessKey)
			}
			if err := checkSecret(e.SecretKey, maxSecretKeyLen); err != nil {
				return nil, fmt.Errorf("auth: credentials: %s: secret key %w", where, err)
			}
			if j, dup := keyAt[e.AccessKey]; dup {
				return nil, fmt.Errorf("auth: credentials: %s: access key %s is also in entry %d", where, e.AccessKey, j)
			}
			keyAt[e.AccessKey] = i
			c.keys[e.AccessKey] = keyEntry{secret: e.SecretKey, p: p}
		}
	}
	slices.Sort(c.names)
	return c, nil
}

// checkProjects validates project ids and returns them sorted, nil for
// every project.
func checkProjects(ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	out := slices.Clone(ids)
	for i, id := range out {
		if !projectID.MatchString(id) {
			return nil, fmt.Errorf("project %d is not 1 to 64 of A-Z a-z 0-9 _ -", i)
		}
	}
	slices.Sort(out)
	for i := 1; i < len(out); i++ {
		if out[i] == out[i-1] {
			return nil, fmt.Errorf("project %s is listed twice", out[i])
		}
	}
	return slices.Clip(out), nil
}

// checkSecret refuses an empty, oversized or non-printable secret. Its
// message completes "token ..." or "secret key ..." and never quotes s.
func checkSecret(s string, max int) error {
	switch {
	case s == "":
		return errors.New("is empty")
	case len(s) > max:
		return fmt.Errorf("is longer than %d bytes", max)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' {
			return errors.New("contains a space, a control character or a non-ASCII byte")
		}
	}
	return nil
}

// LookupToken implements TokenLookup. It compares the token's SHA-256
// with every configured token's in constant time, without stopping at a
// match.
func (c *Credentials) LookupToken(token string) (Principal, bool) {
	if c == nil || token == "" {
		return Principal{}, false
	}
	got := sha256.Sum256([]byte(token))
	var (
		found int
		p     Principal
	)
	for i := range c.tokens {
		eq := subtle.ConstantTimeCompare(got[:], c.tokens[i].sum[:])
		if eq == 1 {
			p = c.tokens[i].p
		}
		found |= eq
	}
	return p, found == 1
}

// LookupAccessKey implements AccessKeyLookup.
func (c *Credentials) LookupAccessKey(accessKey string) (string, Principal, bool) {
	if c == nil {
		return "", Principal{}, false
	}
	e, ok := c.keys[accessKey]
	return e.secret, e.p, ok
}

// Principals returns the names of the principals in the store, sorted.
func (c *Credentials) Principals() []string {
	if c == nil {
		return nil
	}
	return slices.Clone(c.names)
}

// Counts returns how many tokens and access key pairs the store holds.
func (c *Credentials) Counts() (tokens, accessKeys int) {
	if c == nil {
		return 0, 0
	}
	return len(c.tokens), len(c.keys)
}

// Format describes the store, whatever the verb, without any secret (nor
// any token digest).
func (c Credentials) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "auth.Credentials{%d principals, %d tokens, %d access keys: %s}",
		len(c.names), len(c.tokens), len(c.keys), strings.Join(c.names, ", "))
}
