package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Names and formats of AWS Signature Version 4 (header form).
const (
	// SigV4Algorithm is the scheme name that opens the Authorization
	// header, and the first line of the string to sign.
	SigV4Algorithm = "AWS4-HMAC-SHA256"
	// AmzDateHeader carries the signing time, in DateFormat.
	AmzDateHeader = "X-Amz-Date"
	// AmzContentSHA256Header, when present, must be hex(SHA-256(body)).
	AmzContentSHA256Header = "X-Amz-Content-Sha256"
	// AmzSecurityTokenHeader carries the session token of temporary
	// credentials, which this package does not support.
	AmzSecurityTokenHeader = "X-Amz-Security-Token"
	// DefaultRegion is the region a SigV4 credential scope must name
	// unless WithRegion says otherwise.
	DefaultRegion = "us-east-1"
	// DefaultService is the service a SigV4 credential scope must name
	// unless WithService says otherwise.
	DefaultService = "kms"
	// v4Terminator ends every credential scope.
	v4Terminator = "aws4_request"
)

// canonicalURIV4 is the SigV4 canonical URI of a service other than S3: the
// path as sent (percent-encoded once) encoded again, every byte but the
// unreserved ones and "/". A path with an empty, "." or ".." segment (but
// for a final "/") is refused: AWS's SDKs disagree on how to sign it (Go's
// signs it as sent, botocore and JavaScript's normalize it first), so no
// verifier can accept all of them, and routers may give it a meaning the
// signer did not see.
func canonicalURIV4(u *url.URL) (string, error) {
	if u.Opaque != "" {
		return "", errors.New("opaque URLs are not supported")
	}
	p := u.EscapedPath()
	if p == "" || p == "/" {
		return "/", nil
	}
	if p[0] != '/' {
		return "", errors.New("the path does not start with \"/\"")
	}
	segs := strings.Split(p[1:], "/")
	for i, s := range segs {
		d, err := url.PathUnescape(s)
		switch {
		case err != nil:
			return "", errors.New("malformed percent-encoding in the path")
		case s == "" && i < len(segs)-1:
			return "", errors.New(`the path has an empty segment ("//")`)
		case d == "." || d == "..":
			return "", errors.New(`the path has a "." or ".." segment`)
		}
		segs[i] = escape(s)
	}
	return "/" + strings.Join(segs, "/"), nil
}

// canonicalQueryV4 decodes the raw query and re-encodes each name and value
// (unreserved bytes kept, the rest %XX, so a space is %20), sorted by
// encoded name, then encoded value, as SigV4 requires ("the sorting occurs
// after encoding"). A name without "=" gets an empty value.
func canonicalQueryV4(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return "", errors.New("malformed query string")
	}
	type pair struct{ k, v string }
	pairs := make([]pair, 0, len(q))
	for k, vs := range q {
		ek := escape(k)
		for _, v := range vs {
			pairs = append(pairs, pair{ek, escape(v)})
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String(), nil
}

// collapseSpaces trims v and turns each run of spaces into one space.
func collapseSpaces(v string) string {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "  ") {
		return v
	}
	b := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' && i > 0 && v[i-1] == ' ' {
			continue
		}
		b = append(b, v[i])
	}
	return string(b)
}

// canonicalHeadersV4 writes one "name:value\n" line per signed header: the
// values of a repeated header, trimmed and with runs of spaces collapsed,
// joined by "," in the order they came (not sorted). "host" is host;
// "content-length" is contentLength (empty: not in the request). A signed
// header missing from the request is an error.
func canonicalHeadersV4(h http.Header, host, contentLength string, signed []string) (string, error) {
	b, err := appendCanonicalHeadersV4(nil, h, host, contentLength, signed)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// appendCanonicalHeadersV4 appends what canonicalHeadersV4 returns.
func appendCanonicalHeadersV4(dst []byte, h http.Header, host, contentLength string, signed []string) ([]byte, error) {
	for _, name := range signed {
		var one string // the value of host or content-length
		var vals []string
		switch name {
		case "host":
			one = host
		case "content-length":
			one = contentLength
		default:
			vals = headerValues(h, name)
			if len(vals) == 0 {
				return dst, fmt.Errorf("signed header %q is not in the request", clip(name))
			}
		}
		if vals == nil && one == "" {
			return dst, fmt.Errorf("signed header %q is not in the request", clip(name))
		}
		dst = append(dst, name...)
		dst = append(dst, ':')
		if vals == nil {
			dst = appendCollapsed(dst, one)
		}
		for i, v := range vals {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendCollapsed(dst, v)
		}
		dst = append(dst, '\n')
	}
	return dst, nil
}

// headerValues returns the values of the header whose lower-case name is
// lower. A map holding the name under several spellings (possible only
// when it was written directly) yields them in the order of the sorted
// spellings, so the result is deterministic.
func headerValues(h http.Header, lower string) []string {
	// Usually one spelling (a server's map has only canonical keys): no
	// list of them is made.
	first, n := "", 0
	for k := range h {
		if strings.EqualFold(k, lower) {
			first = k
			n++
		}
	}
	switch n {
	case 0:
		return nil
	case 1:
		return h[first]
	}
	var keys []string
	for k := range h {
		if strings.EqualFold(k, lower) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var vals []string
	for _, k := range keys {
		vals = append(vals, h[k]...)
	}
	return vals
}

// canonicalRequestV4 assembles the six parts of the canonical request.
func canonicalRequestV4(method, uri, query, headers string, signed []string, bodyHash string) string {
	return method + "\n" + uri + "\n" + query + "\n" + headers + "\n" + strings.Join(signed, ";") + "\n" + bodyHash
}

// credentialScope is "yyyymmdd/region/service/aws4_request".
func credentialScope(date, region, service string) string {
	return date + "/" + region + "/" + service + "/" + v4Terminator
}

// stringToSignV4 is the SigV4 string to sign.
func stringToSignV4(amzDate, scope, canonical string) string {
	return SigV4Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hexSHA256([]byte(canonical))
}

// hmacSHA256 is HMAC-SHA256(key, data) (RFC 2104). It is crypto/hmac's
// result (a test checks them against each other) at a third of the cost:
// SigV4 computes five HMACs per request, and crypto/hmac's setup costs
// more than hashing these short inputs. Inputs of up to 192 bytes are
// hashed from a stack buffer.
func hmacSHA256[T string | []byte](key []byte, data T) [sha256.Size]byte {
	const block = sha256.BlockSize
	var k [block]byte
	if len(key) > block {
		s := sha256.Sum256(key)
		copy(k[:], s[:])
	} else {
		copy(k[:], key)
	}
	var small [block + 192]byte
	var buf []byte
	if n := block + len(data); n <= len(small) {
		buf = small[:n]
	} else {
		buf = make([]byte, n)
	}
	for i := range k {
		buf[i] = k[i] ^ 0x36
	}
	copy(buf[block:], data)
	inner := sha256.Sum256(buf)
	var outer [block + sha256.Size]byte
	for i := range k {
		outer[i] = k[i] ^ 0x5c
	}
	copy(outer[block:], inner[:])
	return sha256.Sum256(outer[:])
}

// signatureV4 derives the signing key from the secret key ("AWS4"+secret,
// then the date, region, service and "aws4_request") and returns
// HMAC-SHA256(signing key, string to sign).
func signatureV4(secret, date, region, service, stringToSign string) []byte {
	k := deriveSigningKeyV4(secret, date, region, service)
	sig := hmacSHA256(k[:], stringToSign)
	return sig[:]
}

// deriveSigningKeyV4 is the signing key of a secret key for one date,
// region and service.
func deriveSigningKeyV4(secret, date, region, service string) [sha256.Size]byte {
	var seed [4 + 128]byte
	key := append(append(seed[:0], "AWS4"...), secret...)
	k := hmacSHA256(key, date)
	clear(seed[:]) // the secret's copy
	k = hmacSHA256(k[:], region)
	k = hmacSHA256(k[:], service)
	return hmacSHA256(k[:], v4Terminator)
}

// appendStringToSignV4 appends stringToSignV4(amzDate, scope, canonical)
// for the SHA-256 of the canonical request.
func appendStringToSignV4(dst []byte, amzDate, date, region, service string, canonicalSum [sha256.Size]byte) []byte {
	dst = append(dst, SigV4Algorithm+"\n"...)
	dst = append(dst, amzDate...)
	dst = append(dst, '\n')
	dst = append(dst, date...)
	dst = append(dst, '/')
	dst = append(dst, region...)
	dst = append(dst, '/')
	dst = append(dst, service...)
	dst = append(dst, "/"+v4Terminator+"\n"...)
	var h [2 * sha256.Size]byte
	hex.Encode(h[:], canonicalSum[:])
	return append(dst, h[:]...)
}
