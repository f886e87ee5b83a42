package auth

import (
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// v4Unsigned are the headers SignV4 leaves unsigned, as aws-sdk-go-v2's
// signer does: they are changed by proxies or set by the transport.
// Content-Length is signed from r.ContentLength instead, and Host from
// r.Host or the URL.
var v4Unsigned = []string{"authorization", "content-length", "expect", "host", "transfer-encoding", "user-agent", "x-amzn-trace-id"}

// SignV4 signs r with AWS Signature Version 4 as aws-sdk-go-v2's
// v4.Signer.SignHTTP does with the payload hash hex(SHA-256(body)): it
// sets X-Amz-Date to now (UTC) and the Authorization header, signing host
// (r.Host, else the URL's host; a default port is removed from it and
// r.Host set to the result), content-length when r.ContentLength > 0, and
// every header already in r.Header but Authorization, User-Agent,
// X-Amzn-Trace-Id, Expect and Transfer-Encoding. It rewrites r.URL.RawQuery
// in canonical form, as the SDK does. body must be exactly the bytes that
// will be sent; call SignV4 after setting every other header.
//
// Every request signed in the same second with the same method, URL,
// headers and body carries the same signature, and the verifier refuses
// the second as a replay: a client that may send such twins must make them
// differ, for example with a unique Amz-Sdk-Invocation-Id header as the AWS
// SDKs send. SignV4's errors describe the caller's mistake and do not wrap
// ErrUnauthenticated.
func SignV4(r *http.Request, body []byte, ak, sk, region, service string, now time.Time) error {
	switch {
	case r == nil || r.URL == nil:
		return errors.New("auth: signv4: request has no URL")
	case ak == "" || strings.ContainsAny(ak, "/ ,\t\r\n"):
		return errors.New("auth: signv4: empty access key, or one with a \"/\", a space or a comma")
	case sk == "":
		return errors.New("auth: signv4: empty secret key")
	case region == "" || strings.Contains(region, "/") || service == "" || strings.Contains(service, "/"):
		return errors.New("auth: signv4: empty region or service, or one with a \"/\"")
	}
	uri, err := canonicalURIV4(r.URL)
	if err != nil {
		return errors.New("auth: signv4: " + err.Error())
	}
	query, err := canonicalQueryV4(r.URL.RawQuery)
	if err != nil {
		return errors.New("auth: signv4: " + err.Error())
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	if host == "" {
		return errors.New("auth: signv4: request has no host")
	}
	if h := withoutDefaultPort(r.URL.Scheme, host); h != host {
		host, r.Host = h, h
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	for k := range r.Header {
		if strings.EqualFold(k, "Authorization") || strings.EqualFold(k, AmzDateHeader) {
			delete(r.Header, k)
		}
	}
	amzDate := now.UTC().Format(DateFormat)
	r.Header.Set(AmzDateHeader, amzDate)

	signed := []string{"host"}
	cl := ""
	if r.ContentLength > 0 {
		cl = strconv.FormatInt(r.ContentLength, 10)
		signed = append(signed, "content-length")
	}
	for k := range r.Header {
		if lk := strings.ToLower(k); !slices.Contains(v4Unsigned, lk) && !slices.Contains(signed, lk) {
			signed = append(signed, lk)
		}
	}
	slices.Sort(signed)
	headers, err := canonicalHeadersV4(r.Header, host, cl, signed)
	if err != nil {
		return errors.New("auth: signv4: " + err.Error())
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet // what net/http sends for an empty Method
	}
	canonical := canonicalRequestV4(method, uri, query, headers, signed, hexSHA256(body))
	date := amzDate[:8]
	scope := credentialScope(date, region, service)
	sig := signatureV4(sk, date, region, service, stringToSignV4(amzDate, scope, canonical))
	r.URL.RawQuery = query
	r.Header.Set("Authorization", SigV4Algorithm+" Credential="+ak+"/"+scope+", SignedHeaders="+
		strings.Join(signed, ";")+", Signature="+hex.EncodeToString(sig))
	return nil
}

// withoutDefaultPort removes ":80" from an http host and ":443" from an
// https one (IPv6 brackets kept), as the SDK does before signing.
func withoutDefaultPort(scheme, host string) string {
	i := strings.LastIndexByte(host, ':')
	if i < 0 || strings.Contains(host[i:], "]") {
		return host
	}
	port := host[i+1:]
	switch s := strings.ToLower(scheme); {
	case s == "http" && port == "80", s == "https" && port == "443", port == "":
		return host[:i]
	}
	return host
}
