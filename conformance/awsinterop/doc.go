// Package awsinterop proves that AWS's own Go SDK (github.com/aws/
// aws-sdk-go-v2) and package provider/auth agree on Signature Version 4:
// requests signed by the SDK's signer (aws/signer/v4) and by a real KMS
// client (service/kms) verify with auth.SigV4 over a real HTTP server,
// tampering with what they sign is refused, retries and back-to-back
// identical calls are not mistaken for replays, and auth.SignV4 produces
// exactly the SDK signer's Authorization header for the same request.
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
