package provider

import (
	"strings"
	"sync"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/wrap"
)

// ScratchSize is what CreateEcDatakeyPair reserves for a curve and an AAD
// length.
func ScratchSize(c curves.Curve, aadLen int) int {
	n, err := scratchSize(c, wrap.MasterKeyWrapper{Spec: c.Spec()}, contextLen(strings.Repeat("a", aadLen), nil))
	if err != nil {
		panic(err)
	}
	return n
}

// SwapScratchPool replaces CreateEcDatakeyPair's scratch pool by an empty
// one whose New is newBuf and returns a function that puts the old pool
// back.
func SwapScratchPool(newBuf func() *[]byte) (restore func()) {
	old := scratchPool
	scratchPool = &sync.Pool{New: func() any { return newBuf() }}
	return func() { scratchPool = old }
}
