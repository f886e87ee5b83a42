//go:build goexperiment.runtimesecret && linux && (amd64 || arm64)

package curves

import "runtime/secret"

// RuntimeSecret reports whether this build erases the copies of secret
// scalars that the backends (crypto/ecdh, gmsm, dcrd) keep out of reach of
// [PrivateKey.Destroy]. It is true only when built with
// GOEXPERIMENT=runtimesecret on linux/amd64 or linux/arm64, where every
// backend call that touches a scalar runs inside runtime/secret.Do.
const RuntimeSecret = true

// erasing runs f, the backend computation on a secret scalar, inside
// runtime/secret.Do: the registers and stack f used are erased when it
// returns, and its heap allocations (the backends' own copies of the
// scalar) as soon as the garbage collector finds them unreachable.
func erasing(f func()) { secret.Do(f) }
