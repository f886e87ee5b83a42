package curves

import "github.com/ecdkp/ecdkp/internal/secret"

// RuntimeSecret reports whether this build erases the copies of secret
// scalars that the backends (crypto/ecdh, gmsm, dcrd) keep out of reach of
// [PrivateKey.Destroy]. It is true only when built with
// GOEXPERIMENT=runtimesecret on linux/amd64 or linux/arm64, where every
// backend call that touches a scalar runs inside runtime/secret.Do.
const RuntimeSecret = secret.Enabled

// erasing runs f, a backend computation on a secret scalar, through
// secret.Do.
func erasing(f func()) { secret.Do(f) }
