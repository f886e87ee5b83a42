//go:build goexperiment.runtimesecret && linux && (amd64 || arm64)

package secret

import "runtime/secret"

// Enabled reports whether Do erases what f leaves behind: true only when
// built with GOEXPERIMENT=runtimesecret on linux/amd64 or linux/arm64.
const Enabled = true

// Do runs f inside runtime/secret.Do: the registers and stack f used are
// erased when it returns, and the heap allocations it made as soon as the
// garbage collector finds them unreachable.
func Do(f func()) { secret.Do(f) }
