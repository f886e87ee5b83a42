package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Sign signs r as Huawei Cloud's official Go SDK does: it sets X-Sdk-Date
// to now (UTC) and the Authorization header to an SDK-HMAC-SHA256 signature
// over the method, the URL's path and query, every header already in
// r.Header except Host, Authorization and those the SDK skips (names
// starting with "content-type" or containing "_"), and hex(SHA-256(body)).
// body must be exactly the bytes that will be sent. Call Sign after setting
// every other header; a header added later is simply not signed. Any
// X-Sdk-Content-Sha256 header is removed: the signature always covers the
// body. Two requests identical in method, URL, headers and body signed in
// the same second carry the same signature, and the verifier refuses the
// second as a replay: set a unique header (any header is signed) on
// requests that may repeat. Sign's errors describe the caller's mistake and
// do not wrap ErrUnauthenticated.
func Sign(r *http.Request, body []byte, ak, sk string, now time.Time) error {
	switch {
	case r == nil || r.URL == nil:
		return errors.New("auth: sign: request has no URL")
	case r.URL.Opaque != "":
		return errors.New("auth: sign: opaque URLs are not supported")
	case ak == "":
		return errors.New("auth: sign: empty access key")
	case strings.ContainsAny(ak, " ,\t\r\n"):
		return errors.New("auth: sign: access key contains a space or a comma")
	case sk == "":
		return errors.New("auth: sign: empty secret key")
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	for k := range r.Header {
		switch strings.ToLower(k) {
		case "authorization", strings.ToLower(ContentSHA256Header), strings.ToLower(DateHeader):
			delete(r.Header, k)
		}
	}
	date := now.UTC().Format(DateFormat)
	r.Header.Set(DateHeader, date)

	var signed []string
	for k := range r.Header {
		if lk := strings.ToLower(k); signedHeaderName(lk) && !slices.Contains(signed, lk) {
			signed = append(signed, lk)
		}
	}
	slices.Sort(signed)

	method := r.Method
	if method == "" {
		method = http.MethodGet // what net/http sends for an empty Method
	}
	canonical, err := canonicalRequest(method, r.URL, "", r.Header, signed, hexSHA256(body))
	if err != nil {
		return errors.New("auth: sign: " + err.Error())
	}
	sig := signature(sk, date, canonical)
	r.Header.Set("Authorization", Algorithm+" Access="+ak+", SignedHeaders="+
		strings.Join(signed, ";")+", Signature="+hex.EncodeToString(sig))
	return nil
}

// NonceHeader is the header our own clients (the conformance suite, the
// CLI, the load generator) set to a fresh random value with SetNonce
// before Sign or SignV4, so that two otherwise identical requests signed
// within one second carry different signatures and the second is not
// refused as a replay. Both signers sign it like any other header, so
// servers need not know it.
const NonceHeader = "X-Ecdkp-Nonce"

// SetNonce sets NonceHeader in h to 128 random bits in hex.
func SetNonce(h http.Header) {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	h.Set(NonceHeader, hex.EncodeToString(b[:]))
}
