package provider

import "sync"

// ScratchSize exposes scratchSize to the external tests.
var ScratchSize = scratchSize

// SwapScratchPool replaces CreateEcDatakeyPair's scratch pool by an empty
// one whose New is newBuf and returns a function that puts the old pool
// back.
func SwapScratchPool(newBuf func() *[]byte) (restore func()) { return swapPool(&scratchPool, newBuf) }

// SwapBodyPool does the same for the handler's response body pool.
func SwapBodyPool(newBuf func() *[]byte) (restore func()) { return swapPool(&bodyPool, newBuf) }

func swapPool(pool **sync.Pool, newBuf func() *[]byte) (restore func()) {
	old := *pool
	*pool = &sync.Pool{New: func() any { return newBuf() }}
	return func() { *pool = old }
}

// EncodeCreateResponse is the handler's JSON encoding of a create response.
func EncodeCreateResponse(r *CreateEcDatakeyPairResponse) []byte {
	f := createFields(r)
	return appendJSONObject(nil, f[:])
}

// EncodeDecryptResponse is the handler's JSON encoding of a decrypt
// response.
func EncodeDecryptResponse(r *DecryptDatakeyPairResponse) []byte {
	f := decryptFields(r)
	return appendJSONObject(nil, f[:])
}

// JSONBound is the buffer size the handler reserves for a create response.
func JSONBound(r *CreateEcDatakeyPairResponse) int {
	f := createFields(r)
	return jsonBound(f[:])
}
