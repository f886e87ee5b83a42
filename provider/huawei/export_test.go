package huawei

import (
	"sync"

	"github.com/ecdkp/ecdkp/provider"
)

// SwapBodyPool replaces the handler's response body pool by an empty one
// whose New is newBuf and returns a function that puts the old pool back.
func SwapBodyPool(newBuf func() *[]byte) (restore func()) {
	old := bodyPool
	bodyPool = &sync.Pool{New: func() any { return newBuf() }}
	return func() { bodyPool = old }
}

// EncodeCreateResponse is the handler's JSON encoding of a create response.
func EncodeCreateResponse(r *provider.CreateEcDatakeyPairResponse) []byte {
	f := r.Fields()
	return appendJSONObject(nil, f[:])
}

// EncodeDecryptResponse is the handler's JSON encoding of a decrypt
// response.
func EncodeDecryptResponse(r *provider.DecryptDatakeyPairResponse) []byte {
	f := r.Fields()
	return appendJSONObject(nil, f[:])
}

// JSONBound is the buffer size the handler reserves for a create response.
func JSONBound(r *provider.CreateEcDatakeyPairResponse) int {
	f := r.Fields()
	return jsonBound(f[:])
}

// DecodeCreate and DecodeDecrypt expose the request decoders.
var (
	DecodeCreate  = decodeCreate
	DecodeDecrypt = decodeDecrypt
)
