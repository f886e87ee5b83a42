// Package auth authenticates the callers of the ecdkp HTTP dialects.
//
// It sits at the front of the data flow: a dialect's handler reads the
// request body, hands the request and the body to an [Authenticator], and
// only a request that yields a [Principal] goes on to validation, the
// project check, authorization, key lookup and key generation. Every
// rejection wraps [ErrUnauthenticated] (and, when the request carried no
// credential for the scheme at all, [ErrNoCredentials]), with a message
// that says what was wrong and never contains a secret key, a token or an
// expected signature.
//
// Three schemes are provided, and [Any] combines them:
//
//   - [Token] and [Tokens] check the X-Auth-Token header, in constant time
//     (SHA-256 digests are compared, so not even the length leaks).
//   - [AKSK] verifies the SDK-HMAC-SHA256 signature that Huawei Cloud's
//     official SDKs put in the Authorization header. [Sign] computes the same
//     signature, so our own client, the conformance suite and the CLI sign
//     exactly as the official Go SDK does (module
//     github.com/huaweicloud/huaweicloud-sdk-go-v3, file
//     core/auth/signer/signer.go); the golden vectors in golden_test.go were
//     produced by that signer.
//   - [SigV4] verifies AWS Signature Version 4 (header form), what every AWS
//     SDK sends to KMS's JSON 1.1 API. [SignV4] computes the same signature
//     as aws-sdk-go-v2's v4.Signer; sigv4_golden_test.go checks both against
//     AWS's Signature Version 4 test suite, and the nested module
//     conformance/awsinterop against the SDK's signer and a real KMS client.
//
// The same access key pairs serve AK/SK and SigV4: both verifiers take an
// [AccessKeyLookup], normally one [*Credentials].
//
// # Principals, projects and the credentials file
//
// A [Credentials] store holds tokens and access key pairs, each bound to a
// principal name and the project ids the principal may use (a Huawei
// project_id is 32 hex digits, an AWS account id 12 decimal digits; both are
// opaque strings of 1 to 64 of A-Z a-z 0-9 _ -). An empty project list means
// every project, for a dev-loop credential. The verifiers report the
// credential's principal: [Principal].Name and Projects, with ID the access
// key (or "token") and Method how it authenticated. The handler must then
// call [Principal.AllowsProject] with the project the request acts in (the
// Huawei URL's project_id, the AWS key's account) and refuse the request
// when it returns false, before any key lookup.
//
// [LoadCredentials] reads a JSON file:
//
//	{"credentials": [
//	  {"principal": "alice", "projects": ["0123456789abcdef0123456789abcdef"], "token_file": "alice.token"},
//	  {"principal": "svc", "projects": ["0123456789abcdef0123456789abcdef", "123456789012"],
//	   "access_key": "AKSVC0000000000001", "secret_key_file": "/run/secrets/svc.sk"},
//	  {"principal": "dev", "projects": [], "access_key": "AKDEV", "secret_key": "dev-only-secret"}
//	]}
//
// Each entry holds one credential: "token" or "token_file", or
// "access_key" with "secret_key" or "secret_key_file". A *_file is read
// (relative names against the credentials file's folder) and one trailing
// newline is removed. "projects" is required, so that no entry gets every
// project by omission. A principal may have several entries, all with the
// same projects. Parsing is strict: unknown, misspelled or repeated fields,
// a value and a file for one secret, empty secrets, secrets with spaces or
// control characters, duplicate access keys or tokens, all are refused with
// a message naming the entry by index and principal, never a secret.
// [Credential] and [Credentials] print without their secrets.
//
// The single-credential constructors stay for the dev loop: Token(s) is
// principal "token", StaticCredentials names each principal after its
// access key; both allow every project.
//
// # Rules shared by both signature schemes
//
// Clock skew: the signed date (X-Sdk-Date, X-Amz-Date) may be at most
// [DefaultMaxSkew], 5 minutes, before or after the server's clock, the bound
// included; [WithMaxSkew] changes it.
//
// Replay: every accepted signature is recorded in a [ReplayCache] until
// its date plus the skew, the last instant the skew check accepts it; a
// second request with the same signature is refused with [ErrReplayed] (a
// replay arriving later is refused by the skew check). Signatures are
// recorded only after they verify, so no one can fill or poison another
// key's entries. Two requests identical in method, URL, signed headers and
// body, signed within the same second, have the same signature: clients
// that may send such twins must make them differ, or retry (aws-sdk-go-v2
// signs a unique Amz-Sdk-Invocation-Id header per call; botocore does not,
// and the AWS dialect answers the twin as retryable a second later, which
// botocore's default retries do, signed anew; Huawei's SDK adds nothing,
// so its users should set a sequence in the body or a unique header; our
// own clients add X-Ecdkp-Nonce). The
// default cache is a [MemoryReplayCache] per verifier, bounded per access
// key ([DefaultReplayEntriesPerKey]); when a key's bound is reached, its
// new requests are refused with [ErrReplayCacheFull] rather than unexpired
// entries forgotten: forgetting would silently reopen replay for the
// busiest key, while refusing is visible and can only hurt that key's own
// holders. Give the AK/SK and SigV4 verifiers one cache with
// [WithReplayCache]; a fleet gives every replica one shared implementation
// (the interface is small for that), since a per-process cache lets a
// request captured at one replica be replayed at another.
//
// Unknown access keys: a signature made with an unknown access key is
// refused with the same message as a wrong signature ("signature does not
// match or access key unknown") after the same work (the HMACs are computed
// with a stand-in secret), so neither the text nor the time of the answer
// tells which access keys exist.
//
// An Authorization header of the other scheme is "no credentials" for a
// verifier, so Any(AKSK(c), SigV4(c)) accepts either.
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
//   - The signature binds neither the host nor a nonce; the replay cache
//     stops a captured request from being sent again, at one replica (see
//     above). Use TLS.
//
// # AWS Signature Version 4
//
// The verifier accepts the header form only:
//
//	Authorization: AWS4-HMAC-SHA256 Credential=AK/yyyymmdd/region/service/aws4_request,
//	    SignedHeaders=a;b;c, Signature=hex
//	X-Amz-Date: yyyymmddThhmmssZ
//
// parsed strictly (each parameter once, any order, "," with optional
// spaces; five scope parts; signed headers lower case, sorted, unique; a
// signature of 64 lower-case hex digits). The scope's date must be
// X-Amz-Date's, its region the configured one ([WithRegion], default
// [DefaultRegion] "us-east-1"), its service [WithService]'s (default
// [DefaultService] "kms"). SignedHeaders must include host and x-amz-date,
// plus any [WithRequiredSignedHeaders] names (an AWS JSON 1.1 dialect should
// require x-amz-target and content-type, which every AWS SDK signs), and
// every X-Amz-* header present must be signed. Refused outright:
// X-Amz-Security-Token (temporary credentials are not supported),
// presigned URLs (X-Amz-Signature in the query), an X-Amz-Content-Sha256
// that is UNSIGNED-PAYLOAD, STREAMING-* or not the body's hash.
//
// The canonical request is six lines joined by "\n":
//
//	METHOD
//	canonical URI     the path as sent (already percent-encoded) encoded again,
//	                  each byte but A-Z a-z 0-9 - _ . ~ and "/" as %XX: the
//	                  double encoding of every service but S3 (S3 is not supported)
//	canonical query   each name and value decoded, then encoded (space as %20),
//	                  sorted by encoded name, then encoded value; "k=v" joined by "&"
//	canonical headers "name:value\n" per signed header: host is the request's Host,
//	                  content-length its Content-Length; the values of a repeated
//	                  header trimmed, runs of spaces collapsed, joined by ","
//	                  in the order received
//	signed headers    as in SignedHeaders
//	body hash         hex(SHA-256(body))
//
// The string to sign is "AWS4-HMAC-SHA256\n" + X-Amz-Date + "\n" + scope +
// "\n" + hex(SHA-256(canonical request)), the signing key the HMAC-SHA256
// chain over "AWS4"+secret, the date, region, service and "aws4_request",
// and the signature hex(HMAC-SHA256(signing key, string to sign)).
//
// A path with an empty, "." or ".." segment (other than a final "/") is
// refused: AWS's SDKs disagree on how to sign it (the Go SDK signs the path
// as sent, botocore and the JavaScript SDK remove dot segments and empty
// segments first), so no verifier could accept them all. The JSON 1.1 API
// uses the path "/".
package auth
