// Package auth authenticates the callers of the ecdkp HTTP handler.
//
// It sits at the front of the data flow: the handler reads the request body,
// hands the request and the body to an [Authenticator], and only a request
// that yields a [Principal] goes on to validation, key lookup and key
// generation. Every rejection wraps [ErrUnauthenticated] (and, when the
// request carried no credential at all, [ErrNoCredentials]), with a message
// that says what was wrong and never contains a secret key, a token or an
// expected signature.
//
// Two schemes are provided, and [Any] combines them:
//
//   - [Token] checks the X-Auth-Token header against one configured token, in
//     constant time (both sides are hashed first, so not even the length
//     leaks).
//   - [AKSK] verifies the SDK-HMAC-SHA256 signature that Huawei Cloud's
//     official SDKs put in the Authorization header. [Sign] computes the same
//     signature, so our own client, the conformance suite and the CLI sign
//     exactly as the official Go SDK does (module
//     github.com/huaweicloud/huaweicloud-sdk-go-v3, file
//     core/auth/signer/signer.go); the golden vectors in golden_test.go were
//     produced by that signer.
//
// # SDK-HMAC-SHA256
//
// The canonical request is six lines joined by "\n":
//
//	METHOD
//	canonical URI     each path segment percent-encoded (all but A-Z a-z 0-9 - _ . ~),
//	                  then a "/" appended unless the path already ends in "/"
//	canonical query   pairs sorted by raw key, then raw value; key and value encoded
//	                  as above; "k=v" joined by "&" (a bare "k" becomes "k=")
//	canonical headers one "name:value" line per signed header value, the name in
//	                  lower case, the value trimmed, values of one name sorted, each
//	                  line ending in "\n"
//	signed headers    the lower-case names, sorted, joined by ";"
//	body hash         hex(SHA-256(body)), e3b0c442...b855 for an empty body
//
// The string to sign is "SDK-HMAC-SHA256\n" + X-Sdk-Date + "\n" +
// hex(SHA-256(canonical request)), the signature hex(HMAC-SHA256(SK, string
// to sign)), and the header
//
//	Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b;c, Signature=hex
//
// X-Sdk-Date is UTC in the form 20060102T150405Z.
//
// Quirks of the SDK that this package reproduces or guards against:
//
//   - The SDK signs every header it sets except those whose name starts with
//     "content-type" or contains "_"; it does not sign Host. A real SDK
//     request signs "user-agent;x-project-id;x-sdk-date". Host is therefore
//     not required: requiring it would refuse the official SDK. The verifier
//     always requires x-sdk-date to be signed; [WithRequiredSignedHeaders]
//     can demand more (for example "host" when every client signs it). A
//     signed "host" is checked against the request's Host.
//   - The canonical URI always ends in "/", so "/a" and "/a/" sign the same:
//     a signature for one is valid for the other. Routers must not give the
//     two different meanings.
//   - The SDK uses the value of an X-Sdk-Content-Sha256 header, when present,
//     in place of the body hash (it sends "UNSIGNED-PAYLOAD" for non-JSON
//     bodies). The verifier refuses UNSIGNED-PAYLOAD and any value that is not
//     the body's hash: the signature must cover the body.
//   - The signature binds neither the host nor a nonce: within the skew
//     window (15 minutes by default, either direction) a captured request can
//     be replayed. Use TLS, and the request's sequence field where replay
//     matters.
package auth
