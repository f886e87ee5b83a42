//go:build !(goexperiment.runtimesecret && linux && (amd64 || arm64))

package curves

// RuntimeSecret reports whether this build erases the copies of secret
// scalars that the backends (crypto/ecdh, gmsm, dcrd) keep out of reach of
// [PrivateKey.Destroy]. It is true only when built with
// GOEXPERIMENT=runtimesecret on linux/amd64 or linux/arm64, where every
// backend call that touches a scalar runs inside runtime/secret.Do.
const RuntimeSecret = false

// erasing runs f, the backend computation on a secret scalar. Without
// runtime/secret it is a plain call, which the compiler inlines.
func erasing(f func()) { f() }
