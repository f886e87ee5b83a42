// Package awsinterop proves that AWS's own Go SDK (github.com/aws/
// aws-sdk-go-v2) works unchanged against ecdkp's AWS dialect, and runs the
// AWS conformance suite against a real peer, local-kms.
//
// Signature Version 4: requests signed by the SDK's signer (aws/signer/v4)
// and by a real KMS client (service/kms) verify with auth.SigV4 over a real
// HTTP server, tampering with what they sign is refused, retries and
// back-to-back identical calls are not mistaken for replays, and
// auth.SignV4 produces exactly the SDK signer's Authorization header for
// the same request.
//
// The KMS client (endpoint override to provider/aws's handler on
// 127.0.0.1): GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext
// for every spec (ECC_NIST_EDWARDS25519 is in the SDK's DataKeyPairSpec),
// with EncryptionContext and GrantTokens; Decrypt by id, ARN and without a
// KeyId; a Recipient with a synthetic Nitro attestation document; DryRun;
// the dev-loop key operations with ListKeys through the SDK's paginator;
// refusals as the SDK's typed exceptions (or API errors with the code,
// for types KMS's model lacks: ValidationException, AccessDeniedException,
// InvalidSignatureException); 503 DependencyTimeoutException and 500
// KMSInternalException retried by the SDK, client errors not.
//
// TestLocalKMS starts local-kms (from $LOCAL_KMS, PATH or $(go env
// GOPATH)/bin; skipped when absent; install it with
// GOFLAGS=-mod=mod go install github.com/nsmithuk/local-kms@v0.0.0-20260228092603-2a5e92d09ab6)
// on a free port, runs the suite and the fuzzer against it, and asserts
// what they find there (its EncryptionContext binding joins keys and
// values without separators, it ignores Recipient and DryRun, offers no
// SM2 or Ed25519, answers MissingParameterException) while the same checks
// pass against ecdkp. The test logs a table of the results by check.
//
// It is a separate module (its own go.mod, replacing github.com/ecdkp/ecdkp
// with the enclosing repository) so the SDK and its dependencies never enter
// the library's go.mod. It holds only tests; run them with
//
//	cd conformance/awsinterop && go test -race ./...
//
// The servers listen on 127.0.0.1 only. Whenever the library's go.mod gains
// a dependency that provider/auth imports, run `go mod tidy` here too.
package awsinterop
