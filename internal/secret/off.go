//go:build !(goexperiment.runtimesecret && linux && (amd64 || arm64))

package secret

// Enabled reports whether Do erases what f leaves behind: true only when
// built with GOEXPERIMENT=runtimesecret on linux/amd64 or linux/arm64.
const Enabled = false

// Do runs f. Without runtime/secret it is a plain call, which the compiler
// inlines, so callers pay nothing for it.
func Do(f func()) { f() }
