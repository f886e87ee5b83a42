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
	byName := make(map[string][]string, len(h))
	for k, v := range h {
		lk := strings.ToLower(k)
		byName[lk] = append(byName[lk], v...)
	}
	var b strings.Builder
	for _, name := range signed {
		vals := byName[name]
		if name == "host" {
			vals = []string{host}
		}
		if len(vals) == 0 {
			return "", fmt.Errorf("signed header %q is not in the request", clip(name))
		}
		vals = slices.Clone(vals)
		for i := range vals {
			vals[i] = strings.TrimSpace(vals[i])
		}
		slices.Sort(vals)
		for _, v := range vals {
			b.WriteString(name)
			b.WriteByte(':')
			b.WriteString(v)
			b.WriteByte('\n')
		}
	}
	return b.String(), nil
}

// canonicalRequest builds the SDK's canonical request.
func canonicalRequest(method string, u *url.URL, host string, h http.Header, signed []string, bodyHash string) (string, error) {
	uri, err := canonicalURI(u)
	if err != nil {
		return "", err
	}
	query, err := canonicalQuery(u.RawQuery)
	if err != nil {
		return "", err
	}
	headers, err := canonicalHeaders(h, host, signed)
	if err != nil {
		return "", err
	}
	return method + "\n" + uri + "\n" + query + "\n" + headers + "\n" +
		strings.Join(signed, ";") + "\n" + bodyHash, nil
}

// hexSHA256 is the lower-case hex SHA-256 of b.
func hexSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// signature is HMAC-SHA256(sk, string to sign) for a canonical request
// signed at date (in DateFormat).
func signature(sk, date, canonical string) []byte {
	sig := hmacSHA256([]byte(sk), Algorithm+"\n"+date+"\n"+hexSHA256([]byte(canonical)))
	return sig[:]
}
