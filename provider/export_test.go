package provider

import "sync"

// ScratchSize exposes scratchSize to the external tests.
var ScratchSize = scratchSize

// SwapScratchPool replaces CreateEcDatakeyPair's scratch pool by an empty
// one whose New is newBuf and returns a function that puts the old pool
// back.
func SwapScratchPool(newBuf func() *[]byte) (restore func()) {
	old := scratchPool
	scratchPool = &sync.Pool{New: func() any { return newBuf() }}
	return func() { scratchPool = old }
}
