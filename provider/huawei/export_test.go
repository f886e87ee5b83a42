package huawei

import (
	"github.com/ecdkp/ecdkp/internal/jsonwrite"
	"github.com/ecdkp/ecdkp/provider"
)

// SwapBodyPool replaces the handler's response body pool by an empty one
// whose New is newBuf and returns a function that puts the old pool back.
var SwapBodyPool = jsonwrite.SwapPool

// EncodeCreateResponse is the handler's JSON encoding of a create response.
func EncodeCreateResponse(r *provider.CreateEcDatakeyPairResponse) []byte {
	f := r.Fields()
	return jsonwrite.AppendObject(nil, wireFields(f[:], nil))
}

// EncodeDecryptResponse is the handler's JSON encoding of a decrypt
// response.
func EncodeDecryptResponse(r *provider.DecryptDatakeyPairResponse) []byte {
	f := r.Fields()
	return jsonwrite.AppendObject(nil, wireFields(f[:], nil))
}

// JSONBound is the buffer size the handler reserves for a create response.
func JSONBound(r *provider.CreateEcDatakeyPairResponse) int {
	f := r.Fields()
	return jsonwrite.Bound(wireFields(f[:], nil))
}

// DecodeCreate and DecodeDecrypt expose the request decoders.
var (
	DecodeCreate  = decodeCreate
	DecodeDecrypt = decodeDecrypt
)
