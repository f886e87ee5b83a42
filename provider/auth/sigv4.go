package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// SigV4Authenticator verifies AWS Signature Version 4 in the Authorization
// header. Create it with SigV4.
type SigV4Authenticator struct {
	lookup AccessKeyLookup
	cfg    config
	keys   v4KeyCache
}

// SigV4 returns an Authenticator that verifies AWS Signature Version 4
// (header form, see the package doc), looking secret keys and principals
// up with lookup: the same access key pairs as AKSK. With a nil lookup
// every request is refused. Options: WithRegion, WithService, WithClock,
// WithMaxSkew, WithRequiredSignedHeaders, WithReplayCache.
func SigV4(lookup AccessKeyLookup, opts ...Option) *SigV4Authenticator {
	return &SigV4Authenticator{lookup: lookup, cfg: newConfig([]string{"host", "x-amz-date"}, opts)}
}

// v4Authorization is a parsed SigV4 Authorization header.
type v4Authorization struct {
	accessKey             string
	date, region, service string // of the credential scope
	signed                []string
	signature             []byte
}

// parseV4Authorization parses "AWS4-HMAC-SHA256 Credential=AK/yyyymmdd/
// region/service/aws4_request, SignedHeaders=a;b, Signature=hex" strictly:
// each parameter exactly once, in any order, separated by "," and optional
// spaces; the scope of five parts; the signed headers lower case, sorted
// and unique; the signature 64 lower-case hex digits. An Authorization
// header of another scheme is "no credential" for SigV4. Its errors never
// quote the signature.
func parseV4Authorization(v string) (v4Authorization, error) {
	var a v4Authorization
	rest, ok := strings.CutPrefix(v, SigV4Algorithm+" ")
	if !ok {
		return a, absent("Authorization header is not %s", SigV4Algorithm)
	}
	var seenCred, seenSigned, seenSig bool
	for part := range strings.SplitSeq(rest, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return a, reject("sigv4: Authorization parameter without \"=\"")
		}
		switch key {
		case "Credential":
			if seenCred {
				return a, reject("sigv4: Credential given twice in the Authorization header")
			}
			seenCred = true
			if strings.Count(val, "/") != 4 {
				return a, reject("sigv4: Credential is not access-key/date/region/service/aws4_request")
			}
			var f [5]string
			tail := val
			for i := range 4 {
				f[i], tail, _ = strings.Cut(tail, "/")
			}
			f[4] = tail
			a.accessKey, a.date, a.region, a.service = f[0], f[1], f[2], f[3]
			switch {
			case a.accessKey == "" || strings.ContainsAny(a.accessKey, " \t"):
				return a, reject("sigv4: empty or malformed access key in the Credential")
			case !isDate8(a.date):
				return a, reject("sigv4: Credential date %q is not yyyymmdd", clip(a.date))
			case a.region == "" || a.service == "":
				return a, reject("sigv4: Credential has an empty region or service")
			case f[4] != v4Terminator:
				return a, reject("sigv4: Credential does not end in %q", v4Terminator)
			}
		case "SignedHeaders":
			if seenSigned {
				return a, reject("sigv4: SignedHeaders given twice in the Authorization header")
			}
			seenSigned = true
			names := strings.Split(val, ";")
			for i, n := range names {
				if !headerToken(n) {
					return a, reject("sigv4: SignedHeaders entry %q is not a lower-case header name", clip(n))
				}
				if i > 0 && names[i-1] >= n {
					return a, reject("sigv4: SignedHeaders are not sorted and unique (at %q)", clip(n))
				}
			}
			a.signed = names
		case "Signature":
			if seenSig {
				return a, reject("sigv4: Signature given twice in the Authorization header")
			}
			seenSig = true
			sig, err := hex.DecodeString(val)
			if err != nil || len(sig) != 32 || strings.ToLower(val) != val {
				return a, reject("sigv4: Signature is not 64 lower-case hex digits")
			}
			a.signature = sig
		default:
			return a, reject("sigv4: unknown Authorization parameter %q", clip(key))
		}
	}
	switch {
	case !seenCred:
		return a, reject("sigv4: Authorization header lacks Credential")
	case !seenSigned:
		return a, reject("sigv4: Authorization header lacks SignedHeaders")
	case !seenSig:
		return a, reject("sigv4: Authorization header lacks Signature")
	}
	return a, nil
}

// isDate8 reports whether s is eight decimal digits.
func isDate8(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Authenticate implements Authenticator.
func (a *SigV4Authenticator) Authenticate(r *http.Request, body []byte) (Principal, error) {
	if r.URL == nil {
		return Principal{}, reject("sigv4: request has no URL")
	}
	vals := r.Header.Values("Authorization")
	switch {
	case len(vals) == 0:
		q := r.URL.Query()
		if q.Has("X-Amz-Signature") || q.Has("X-Amz-Credential") || q.Has("X-Amz-Algorithm") {
			return Principal{}, reject("sigv4: presigned URLs (query-string authentication) are not supported; sign the Authorization header")
		}
		return Principal{}, absent("missing Authorization header")
	case len(vals) > 1:
		return Principal{}, reject("sigv4: %d Authorization headers, want one", len(vals))
	}
	auth, err := parseV4Authorization(vals[0])
	if err != nil {
		return Principal{}, err
	}
	for k := range r.Header {
		if strings.EqualFold(k, AmzSecurityTokenHeader) {
			return Principal{}, reject("sigv4: %s is set: temporary credentials are not supported; sign with a long-term access key", AmzSecurityTokenHeader)
		}
	}
	if req := a.cfg.missingRequired(auth.signed); req != "" {
		return Principal{}, reject("sigv4: SignedHeaders must include %q", req)
	}
	for k := range r.Header {
		if !signedV4(k, auth.signed) {
			return Principal{}, reject("sigv4: header %s is not signed; every X-Amz-* header must be", clip(k))
		}
	}

	dates := r.Header.Values(AmzDateHeader)
	switch {
	case len(dates) == 0:
		return Principal{}, reject("sigv4: missing %s header", AmzDateHeader)
	case len(dates) > 1:
		return Principal{}, reject("sigv4: %d %s headers, want one", len(dates), AmzDateHeader)
	}
	amzDate := dates[0]
	t, ok := parseSigningTime(amzDate)
	if !ok {
		return Principal{}, reject("sigv4: %s %q is not in the form %s", AmzDateHeader, clip(amzDate), DateFormat)
	}
	switch {
	case auth.date != amzDate[:8]:
		return Principal{}, reject("sigv4: Credential date %s is not the date of %s %s", auth.date, AmzDateHeader, amzDate)
	case auth.region != a.cfg.region:
		return Principal{}, reject("sigv4: Credential region %q is not %q", clip(auth.region), a.cfg.region)
	case auth.service != a.cfg.service:
		return Principal{}, reject("sigv4: Credential service %q is not %q", clip(auth.service), a.cfg.service)
	}
	now := a.cfg.now()
	if err := a.cfg.checkSkew("sigv4", AmzDateHeader, amzDate, t, now); err != nil {
		return Principal{}, err
	}
	if a.lookup == nil {
		return Principal{}, reject("sigv4: SigV4 authentication is not configured")
	}

	var hashBuf [2 * sha256.Size]byte
	bodyHash := appendHexSHA256(hashBuf[:0], body)
	if cs := r.Header.Values(AmzContentSHA256Header); len(cs) > 0 {
		switch {
		case len(cs) > 1:
			return Principal{}, reject("sigv4: %d %s headers, want at most one", len(cs), AmzContentSHA256Header)
		case cs[0] == unsignedPayload || strings.HasPrefix(cs[0], "STREAMING-"):
			return Principal{}, reject("sigv4: %s is %s: the signature must cover the body", AmzContentSHA256Header, clip(cs[0]))
		case cs[0] != string(bodyHash):
			return Principal{}, reject("sigv4: %s does not match the body", AmzContentSHA256Header)
		}
	}
	var canonBuf [1024]byte
	canonical, err := a.appendCanonical(canonBuf[:0], r, auth.signed, bodyHash)
	if err != nil {
		return Principal{}, reject("sigv4: %v", err)
	}
	var stsBuf [256]byte
	sts := appendStringToSignV4(stsBuf[:0], amzDate, auth.date, auth.region, auth.service, sha256.Sum256(canonical))

	// As for AK/SK: an unknown access key costs the same HMACs and gets
	// the same message as a wrong signature.
	sk, p, known := a.lookup.LookupAccessKey(auth.accessKey)
	if !known || sk == "" {
		sk, known = unknownKeySecret, false
	}
	key := a.keys.signingKey(v4KeyID{accessKey: auth.accessKey, secret: sk, date: auth.date, region: auth.region, service: auth.service})
	sig := hmacSHA256(key[:], sts)
	if !hmac.Equal(sig[:], auth.signature) || !known {
		return Principal{}, reject("sigv4: %s", mismatch)
	}
	if err := a.cfg.admit(r.Context(), "sigv4", auth.accessKey, auth.signature, now, t); err != nil {
		return Principal{}, err
	}
	p.ID, p.Method = auth.accessKey, MethodSigV4
	return p, nil
}

// canonical builds the canonical request of a received request.
func (a *SigV4Authenticator) canonical(r *http.Request, signed []string, bodyHash string) (string, error) {
	b, err := a.appendCanonical(nil, r, signed, []byte(bodyHash))
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// appendCanonical appends the canonical request of a received request.
func (a *SigV4Authenticator) appendCanonical(dst []byte, r *http.Request, signed []string, bodyHash []byte) ([]byte, error) {
	uri, err := canonicalURIV4(r.URL)
	if err != nil {
		return dst, err
	}
	query, err := canonicalQueryV4(r.URL.RawQuery)
	if err != nil {
		return dst, err
	}
	// A server keeps Content-Length in the header map; a request built in
	// process may have only r.ContentLength.
	cl := ""
	if vals := r.Header.Values("Content-Length"); len(vals) == 1 {
		cl = vals[0]
	} else {
		cl = strings.Join(vals, ",")
	}
	var clBuf [20]byte
	if cl == "" && r.ContentLength > 0 {
		cl = string(strconv.AppendInt(clBuf[:0], r.ContentLength, 10))
	}
	dst = append(dst, r.Method...)
	dst = append(dst, '\n')
	dst = append(dst, uri...)
	dst = append(dst, '\n')
	dst = append(dst, query...)
	dst = append(dst, '\n')
	if dst, err = appendCanonicalHeadersV4(dst, r.Header, r.Host, cl, signed); err != nil {
		return dst, err
	}
	dst = append(dst, '\n')
	dst = appendSignedHeaders(dst, signed)
	dst = append(dst, '\n')
	return append(dst, bodyHash...), nil
}

// signedV4 reports whether header k may be in a request whose signature
// covers signed: every X-Amz-* header must be signed.
func signedV4(k string, signed []string) bool {
	if !isASCII(k) { // the general rule, for a map built in process
		lk := strings.ToLower(k)
		return !strings.HasPrefix(lk, "x-amz-") || slices.Contains(signed, lk)
	}
	if len(k) < 6 || !lowerEq(k[:6], "x-amz-") {
		return true
	}
	for _, s := range signed {
		if lowerEq(k, s) {
			return true
		}
	}
	return false
}
