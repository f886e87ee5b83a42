package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
)

// AKSKAuthenticator verifies SDK-HMAC-SHA256 signatures. Create it with
// AKSK.
type AKSKAuthenticator struct {
	lookup AccessKeyLookup
	cfg    config
}

// AKSK returns an Authenticator that verifies the SDK-HMAC-SHA256 signature
// of Huawei Cloud's SDKs (see the package doc), looking secret keys and
// principals up with lookup: a *Credentials, or StaticCredentials for the
// dev loop. With a nil lookup every request is refused. Options: WithClock,
// WithMaxSkew, WithRequiredSignedHeaders, WithReplayCache.
func AKSK(lookup AccessKeyLookup, opts ...Option) *AKSKAuthenticator {
	return &AKSKAuthenticator{lookup: lookup, cfg: newConfig([]string{"x-sdk-date"}, opts)}
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
		return a, absent("Authorization header is not %s", Algorithm)
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
	if req := a.cfg.missingRequired(auth.signed); req != "" {
		return Principal{}, reject("aksk: SignedHeaders must include %q", req)
	}

	dates := r.Header.Values(DateHeader)
	switch {
	case len(dates) == 0:
		return Principal{}, reject("aksk: missing %s header", DateHeader)
	case len(dates) > 1:
		return Principal{}, reject("aksk: %d %s headers, want one", len(dates), DateHeader)
	}
	date := dates[0]
	t, ok := parseSigningTime(date)
	if !ok {
		return Principal{}, reject("aksk: %s %q is not in the form %s", DateHeader, clip(date), DateFormat)
	}
	now := a.cfg.now()
	if err := a.cfg.checkSkew("aksk", DateHeader, date, t, now); err != nil {
		return Principal{}, err
	}
	if a.lookup == nil {
		return Principal{}, reject("aksk: AK/SK authentication is not configured")
	}

	var hashBuf [2 * sha256.Size]byte
	bodyHash := appendHexSHA256(hashBuf[:0], body)
	if cs := r.Header.Values(ContentSHA256Header); len(cs) > 0 {
		switch {
		case len(cs) > 1:
			return Principal{}, reject("aksk: %d %s headers, want at most one", len(cs), ContentSHA256Header)
		case cs[0] == unsignedPayload:
			return Principal{}, reject("aksk: %s is %s: the signature must cover the body", ContentSHA256Header, unsignedPayload)
		case cs[0] != string(bodyHash):
			return Principal{}, reject("aksk: %s does not match the body", ContentSHA256Header)
		}
	}
	var canonBuf [1024]byte
	canonical, err := appendCanonicalRequest(canonBuf[:0], r.Method, r.URL, r.Host, r.Header, auth.signed, bodyHash)
	if err != nil {
		return Principal{}, reject("aksk: %v", err)
	}

	// An unknown access key costs the same HMAC as a known one and gets
	// the same message, so neither tells which access keys exist.
	sk, p, known := a.lookup.LookupAccessKey(auth.accessKey)
	if !known || sk == "" {
		sk, known = unknownKeySecret, false
	}
	if !hmac.Equal(signature(sk, date, canonical), auth.signature) || !known {
		return Principal{}, reject("aksk: %s", mismatch)
	}
	if err := a.cfg.admit(r.Context(), "aksk", auth.accessKey, auth.signature, now, t); err != nil {
		return Principal{}, err
	}
	p.ID, p.Method = auth.accessKey, MethodAKSK
	return p, nil
}

// unknownKeySecret is the secret key an unknown access key is checked
// with, so that the work done does not reveal whether the key exists. The
// request is refused whatever the result.
const unknownKeySecret = "no such access key: signature checked anyway"
