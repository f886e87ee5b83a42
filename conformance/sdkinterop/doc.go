// Package sdkinterop proves that the official Huawei Cloud Go SDK
// (github.com/huaweicloud/huaweicloud-sdk-go-v3, services/kms/v2) talks to
// ecdkp's HTTP handler unchanged: its AK/SK signatures verify, its
// create-ec-datakey-pair requests decode, our responses parse into its
// model, and our errors surface in its sdkerr.ServiceResponseError with the
// status, KMS error code, message and X-Request-Id we sent.
//
// It is a separate module (its own go.mod, replacing github.com/ecdkp/ecdkp
// with the enclosing repository) so the SDK and its dependencies never enter
// the library's go.mod. It holds only tests; run them with
//
//	cd conformance/sdkinterop && go test -race ./...
//
// The tests start provider.NewHandler on 127.0.0.1 with auth.AKSK, point a
// KmsClient at it with the endpoint override and a fixed project id, and
// check every returned key with package encoding and
// Provider.DecryptDatakeyPair in process (the SDK has no decrypt API for
// data key pairs). Whenever the library's go.mod gains a dependency that
// the tested packages import, run `go mod tidy` here too.
package sdkinterop
