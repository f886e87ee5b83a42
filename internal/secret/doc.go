// Package secret runs the code that handles plaintext key material inside
// runtime/secret.Do when the build has GOEXPERIMENT=runtimesecret (Go 1.26,
// linux on amd64 or arm64), and calls it directly otherwise. Key generation
// in curves and the provider's operations use it, so that the copies of
// scalars and plaintext private keys that no API can wipe (inside
// crypto/ecdh and gmsm, in strings, on the stack) are erased once dead.
package secret
