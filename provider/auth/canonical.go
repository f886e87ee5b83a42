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

// Names and formats of the SDK-HMAC-SHA256 scheme.
const (
	// Algorithm is the scheme name that opens the Authorization header.
	Algorithm = "SDK-HMAC-SHA256"
	// DateHeader carries the signing time.
	DateHeader = "X-Sdk-Date"
	// DateFormat is the time layout of DateHeader (always UTC).
	DateFormat = "20060102T150405Z"
	// ContentSHA256Header, when present, replaces the body hash in the
	// canonical request (the SDK sends UNSIGNED-PAYLOAD there for non-JSON
	// bodies).
	ContentSHA256Header = "X-Sdk-Content-Sha256"
	// unsignedPayload is the value the SDK puts in ContentSHA256Header.
	unsignedPayload = "UNSIGNED-PAYLOAD"
)

// signedHeaderName reports whether the SDK would sign a header of this name
// (given in any case): it skips names that start with "content-type" or
// contain "_". Host and Authorization are never taken from the header map.
func signedHeaderName(lower string) bool {
	return !strings.HasPrefix(lower, "content-type") && !strings.Contains(lower, "_") &&
		lower != "host" && lower != "authorization"
}

// unreserved reports whether the SDK leaves c unescaped.
func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// escape percent-encodes every byte but the unreserved ones, with upper-case
// hex digits, as the SDK's signer does for path segments and query parts.
func escape(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hexDigits = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return string(b)
}

// canonicalURI splits the escaped path on "/", decodes and re-encodes each
// segment, and appends "/" unless the path already ends with one. Splitting
// the escaped form keeps an encoded "%2F" inside its segment.
func canonicalURI(u *url.URL) (string, error) {
	segs := strings.Split(u.EscapedPath(), "/")
	for i, s := range segs {
		d, err := url.PathUnescape(s)
		if err != nil {
			return "", errors.New("malformed percent-encoding in the path")
		}
		segs[i] = escape(d)
	}
	p := strings.Join(segs, "/")
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p, nil
}

// plainPath reports whether p holds only unreserved bytes and "/".
func plainPath(p string) bool {
	for i := 0; i < len(p); i++ {
		if !unreserved(p[i]) && p[i] != '/' {
			return false
		}
	}
	return true
}

// canonicalQuery decodes the raw query and encodes it in the SDK's order:
// keys sorted, then the values of each key sorted, both before escaping.
func canonicalQuery(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return "", errors.New("malformed query string")
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		vals := slices.Clone(q[k])
		slices.Sort(vals)
		ek := escape(k)
		for _, v := range vals {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(ek)
			b.WriteByte('=')
			b.WriteString(escape(v))
		}
	}
	return b.String(), nil
}

// canonicalHeaders writes one "name:value\n" line per value of each signed
// header, values trimmed and sorted. "host" takes its value from host. A
// signed header missing from the request is an error.
func canonicalHeaders(h http.Header, host string, signed []string) (string, error) {
	b, err := appendCanonicalHeaders(nil, h, host, signed)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// appendCanonicalHeaders appends what canonicalHeaders returns. The values
// of a name are those of all its spellings in h (a server's map has one).
func appendCanonicalHeaders(dst []byte, h http.Header, host string, signed []string) ([]byte, error) {
	for _, name := range signed {
		var vals []string
		if name == "host" {
			dst = appendHeaderLine(dst, name, strings.TrimSpace(host))
			continue
		}
		vals = lowerValues(h, name)
		if len(vals) == 0 {
			return dst, fmt.Errorf("signed header %q is not in the request", clip(name))
		}
		if len(vals) == 1 {
			dst = appendHeaderLine(dst, name, strings.TrimSpace(vals[0]))
			continue
		}
		vals = slices.Clone(vals)
		for i := range vals {
			vals[i] = strings.TrimSpace(vals[i])
		}
		slices.Sort(vals)
		for _, v := range vals {
			dst = appendHeaderLine(dst, name, v)
		}
	}
	return dst, nil
}

// lowerValues returns the values of every header whose
// strings.ToLower(name) is lower, in no particular order.
func lowerValues(h http.Header, lower string) []string {
	match := func(k string) bool {
		if isASCII(k) {
			return lowerEq(k, lower)
		}
		return strings.ToLower(k) == lower
	}
	first, n := "", 0
	for k := range h {
		if match(k) {
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
	var vals []string
	for k, v := range h {
		if match(k) {
			vals = append(vals, v...)
		}
	}
	return vals
}

func appendHeaderLine(dst []byte, name, v string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ':')
	dst = append(dst, v...)
	return append(dst, '\n')
}

// canonicalRequest builds the SDK's canonical request.
func canonicalRequest(method string, u *url.URL, host string, h http.Header, signed []string, bodyHash string) (string, error) {
	b, err := appendCanonicalRequest(nil, method, u, host, h, signed, []byte(bodyHash))
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// appendCanonicalRequest appends what canonicalRequest returns.
func appendCanonicalRequest(dst []byte, method string, u *url.URL, host string, h http.Header, signed []string, bodyHash []byte) ([]byte, error) {
	// A path of unreserved bytes and "/" is its own canonical form but
	// for the final "/".
	uri := u.EscapedPath()
	plain := plainPath(uri)
	if !plain {
		var err error
		if uri, err = canonicalURI(u); err != nil {
			return dst, err
		}
	}
	query, err := canonicalQuery(u.RawQuery)
	if err != nil {
		return dst, err
	}
	dst = append(dst, method...)
	dst = append(dst, '\n')
	dst = append(dst, uri...)
	if plain && !strings.HasSuffix(uri, "/") {
		dst = append(dst, '/')
	}
	dst = append(dst, '\n')
	dst = append(dst, query...)
	dst = append(dst, '\n')
	if dst, err = appendCanonicalHeaders(dst, h, host, signed); err != nil {
		return dst, err
	}
	dst = append(dst, '\n')
	dst = appendSignedHeaders(dst, signed)
	dst = append(dst, '\n')
	return append(dst, bodyHash...), nil
}

// appendSignedHeaders appends the signed header names joined by ';', the
// canonical request's SignedHeaders line of both signing schemes.
func appendSignedHeaders(dst []byte, signed []string) []byte {
	for i, s := range signed {
		if i > 0 {
			dst = append(dst, ';')
		}
		dst = append(dst, s...)
	}
	return dst
}

// hexSHA256 is the lower-case hex SHA-256 of b.
func hexSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// signature is HMAC-SHA256(sk, string to sign) for a canonical request
// signed at date (in DateFormat).
func signature[T string | []byte](sk, date string, canonical T) []byte {
	var sts [len(Algorithm) + len(DateFormat) + 2 + 2*sha256.Size]byte
	b := append(append(append(append(sts[:0], Algorithm...), '\n'), date...), '\n')
	b = appendHexSHA256(b, canonical)
	var kb [128]byte
	key := append(kb[:0], sk...)
	sig := hmacSHA256(key, b)
	clear(kb[:])
	return sig[:]
}
