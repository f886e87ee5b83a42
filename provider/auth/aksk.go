package auth

import (
	"crypto/hmac"
	"encoding/hex"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// DefaultMaxSkew is how far X-Sdk-Date may be from the verifier's clock, in
// either direction, unless WithMaxSkew says otherwise.
const DefaultMaxSkew = 15 * time.Minute

// CredentialLookup returns the secret key of an access key, and false when
// the access key is unknown. It must be safe for concurrent use.
type CredentialLookup func(accessKey string) (secretKey string, ok bool)

// StaticCredentials returns a CredentialLookup over a copy of creds (access
// key -> secret key). Entries with an empty access key or secret key are
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

// AKSKOption configures an AKSKAuthenticator.
type AKSKOption func(*AKSKAuthenticator)

// WithClock sets the clock X-Sdk-Date is checked against (time.Now by
// default). A nil clock is ignored.
func WithClock(now func() time.Time) AKSKOption {
	return func(a *AKSKAuthenticator) {
		if now != nil {
			a.now = now
		}
	}
}

// WithMaxSkew sets how far X-Sdk-Date may be from the clock, in either
// direction; the bound itself is accepted. Non-positive values are ignored
// (DefaultMaxSkew stays).
func WithMaxSkew(d time.Duration) AKSKOption {
	return func(a *AKSKAuthenticator) {
		if d > 0 {
			a.maxSkew = d
		}
	}
}

// WithRequiredSignedHeaders makes the named headers (any case) mandatory in
// SignedHeaders, on top of x-sdk-date which always is. The official SDK
// signs user-agent, x-project-id and x-sdk-date, but not host: requiring
// "host" refuses it.
func WithRequiredSignedHeaders(names ...string) AKSKOption {
	return func(a *AKSKAuthenticator) {
		for _, n := range names {
			if n = strings.ToLower(strings.TrimSpace(n)); n != "" && !slices.Contains(a.required, n) {
				a.required = append(a.required, n)
			}
		}
	}
}

// AKSKAuthenticator verifies SDK-HMAC-SHA256 signatures. Create it with
// AKSK.
type AKSKAuthenticator struct {
	lookup   CredentialLookup
	now      func() time.Time
	maxSkew  time.Duration
	required []string
}

// AKSK returns an Authenticator that verifies the SDK-HMAC-SHA256 signature
// of Huawei Cloud's SDKs (see the package doc), looking secret keys up with
// lookup. With a nil lookup every request is refused.
func AKSK(lookup CredentialLookup, opts ...AKSKOption) *AKSKAuthenticator {
	a := &AKSKAuthenticator{
		lookup:   lookup,
		now:      time.Now,
		maxSkew:  DefaultMaxSkew,
		required: []string{"x-sdk-date"},
	}
	for _, o := range opts {
		if o != nil {
			o(a)
		}
	}
	return a
}

// authorization is a parsed Authorization header.
type authorization struct {
	accessKey string
	signed    []string
	signature []byte
}

// parseAuthorization parses "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b,
// Signature=hex" strictly: each parameter exactly once, in any order; the
// signed headers lower case, sorted and unique; the signature 64 lower-case
// hex digits. Its errors never quote the header.
func parseAuthorization(v string) (authorization, error) {
	var a authorization
	rest, ok := strings.CutPrefix(v, Algorithm+" ")
	if !ok {
		return a, reject("aksk: Authorization header is not %s", Algorithm)
	}
	var seenAccess, seenSigned, seenSig bool
	for part := range strings.SplitSeq(rest, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return a, reject("aksk: Authorization parameter without \"=\"")
		}
		switch key {
		case "Access":
			if seenAccess {
				return a, reject("aksk: Access given twice in the Authorization header")
			}
			seenAccess = true
			if val == "" || strings.ContainsAny(val, " \t") {
				return a, reject("aksk: empty or malformed Access in the Authorization header")
			}
			a.accessKey = val
		case "SignedHeaders":
			if seenSigned {
				return a, reject("aksk: SignedHeaders given twice in the Authorization header")
			}
			seenSigned = true
			names := strings.Split(val, ";")
			for i, n := range names {
				if !headerToken(n) {
					return a, reject("aksk: SignedHeaders entry %q is not a lower-case header name", clip(n))
				}
				if i > 0 && names[i-1] >= n {
					return a, reject("aksk: SignedHeaders are not sorted and unique (at %q)", clip(n))
				}
			}
			a.signed = names
		case "Signature":
			if seenSig {
				return a, reject("aksk: Signature given twice in the Authorization header")
			}
			seenSig = true
			sig, err := hex.DecodeString(val)
			if err != nil || len(sig) != 32 || strings.ToLower(val) != val {
				return a, reject("aksk: Signature is not 64 lower-case hex digits")
			}
			a.signature = sig
		default:
			return a, reject("aksk: unknown Authorization parameter %q", clip(key))
		}
	}
	switch {
	case !seenAccess:
		return a, reject("aksk: Authorization header lacks Access")
	case !seenSigned:
		return a, reject("aksk: Authorization header lacks SignedHeaders")
	case !seenSig:
		return a, reject("aksk: Authorization header lacks Signature")
	}
	return a, nil
}

// headerToken reports whether s is a non-empty lower-case HTTP token.
func headerToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// Authenticate implements Authenticator.
func (a *AKSKAuthenticator) Authenticate(r *http.Request, body []byte) (Principal, error) {
	if r.URL == nil {
		return Principal{}, reject("aksk: request has no URL")
	}
	vals := r.Header.Values("Authorization")
	switch {
	case len(vals) == 0:
		return Principal{}, absent("missing Authorization header")
	case len(vals) > 1:
		return Principal{}, reject("aksk: %d Authorization headers, want one", len(vals))
	}
	auth, err := parseAuthorization(vals[0])
	if err != nil {
		return Principal{}, err
	}
	for _, req := range a.required {
		if _, found := slices.BinarySearch(auth.signed, req); !found {
			return Principal{}, reject("aksk: SignedHeaders must include %q", req)
		}
	}

	dates := r.Header.Values(DateHeader)
	switch {
	case len(dates) == 0:
		return Principal{}, reject("aksk: missing %s header", DateHeader)
	case len(dates) > 1:
		return Principal{}, reject("aksk: %d %s headers, want one", len(dates), DateHeader)
	}
	date := dates[0]
	t, err := time.Parse(DateFormat, date)
	if err != nil || t.Format(DateFormat) != date {
		return Principal{}, reject("aksk: %s %q is not in the form %s", DateHeader, clip(date), DateFormat)
	}
	now := a.now()
	if skew := now.Sub(t); skew > a.maxSkew || skew < -a.maxSkew {
		return Principal{}, reject("aksk: %s %s is outside ±%s of the server time", DateHeader, date, a.maxSkew)
	}

	if a.lookup == nil {
		return Principal{}, reject("aksk: AK/SK authentication is not configured")
	}
	sk, ok := a.lookup(auth.accessKey)
	if !ok || sk == "" {
		return Principal{}, reject("aksk: unknown access key")
	}

	bodyHash := hexSHA256(body)
	if cs := r.Header.Values(ContentSHA256Header); len(cs) > 0 {
		switch {
		case len(cs) > 1:
			return Principal{}, reject("aksk: %d %s headers, want at most one", len(cs), ContentSHA256Header)
		case cs[0] == unsignedPayload:
			return Principal{}, reject("aksk: %s is %s: the signature must cover the body", ContentSHA256Header, unsignedPayload)
		case cs[0] != bodyHash:
			return Principal{}, reject("aksk: %s does not match the body", ContentSHA256Header)
		}
	}

	canonical, err := canonicalRequest(r.Method, r.URL, r.Host, r.Header, auth.signed, bodyHash)
	if err != nil {
		return Principal{}, reject("aksk: %v", err)
	}
	if !hmac.Equal(signature(sk, date, canonical), auth.signature) {
		return Principal{}, reject("aksk: signature does not match")
	}
	return Principal{ID: auth.accessKey, Method: MethodAKSK}, nil
}
