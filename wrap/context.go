package wrap

import (
	"encoding/binary"
	"maps"
	"slices"
)

// The context binding (DESIGN.md, "Context binding"): the bytes ctx a
// master-key envelope binds, the same for both HTTP dialects. ctx is empty
// when the caller gives no AAD or no encryption context; otherwise it is a
// one-byte dialect tag followed by the dialect's bytes:
//
//	Huawei: 0x48 ('H') || additional_authenticated_data (its UTF-8 bytes)
//	AWS:    0x41 ('A') || enc(EncryptionContext)
//	enc:    for each pair in ascending byte order of the keys:
//	        uvarint(len(k)) || k || uvarint(len(v)) || v
//
// No two different contexts give the same bytes: the tags differ between
// the dialects, the Huawei bytes are the AAD itself, and enc is a sequence
// of length-prefixed strings in a canonical order, which decodes one way
// only. "No context" is one value in both dialects (an empty AAD and an
// empty or nil map both give empty ctx), so an envelope sealed without a
// context opens without one whichever dialect asks.
const (
	// ContextTagHuawei starts the context of a Huawei
	// additional_authenticated_data.
	ContextTagHuawei = 0x48
	// ContextTagAWS starts the context of an AWS EncryptionContext.
	ContextTagAWS = 0x41
)

// AppendHuaweiContext appends the context of a Huawei
// additional_authenticated_data to dst: nothing for "", otherwise
// ContextTagHuawei followed by aad's bytes.
func AppendHuaweiContext(dst []byte, aad string) []byte {
	if aad == "" {
		return dst
	}
	return append(append(dst, ContextTagHuawei), aad...)
}

// HuaweiContext returns the context of a Huawei
// additional_authenticated_data (nil for "").
func HuaweiContext(aad string) []byte {
	if aad == "" {
		return nil
	}
	return AppendHuaweiContext(make([]byte, 0, 1+len(aad)), aad)
}

// AppendAWSContext appends the context of an AWS EncryptionContext to dst:
// nothing for an empty or nil map, otherwise ContextTagAWS followed by each
// pair, keys in ascending byte order, each key and value preceded by its
// length as an unsigned varint (encoding/binary's AppendUvarint).
func AppendAWSContext(dst []byte, ec map[string]string) []byte {
	if len(ec) == 0 {
		return dst
	}
	dst = append(dst, ContextTagAWS)
	for _, k := range slices.Sorted(maps.Keys(ec)) {
		v := ec[k]
		dst = append(binary.AppendUvarint(dst, uint64(len(k))), k...)
		dst = append(binary.AppendUvarint(dst, uint64(len(v))), v...)
	}
	return dst
}

// AWSContextLen is the length of AppendAWSContext's bytes for ec.
func AWSContextLen(ec map[string]string) int {
	if len(ec) == 0 {
		return 0
	}
	n := 1
	for k, v := range ec {
		n += uvarintLen(len(k)) + len(k) + uvarintLen(len(v)) + len(v)
	}
	return n
}

func uvarintLen(x int) int {
	n := 1
	for ; x >= 0x80; x >>= 7 {
		n++
	}
	return n
}

// AWSContext returns the context of an AWS EncryptionContext (nil for an
// empty or nil map).
func AWSContext(ec map[string]string) []byte { return AppendAWSContext(nil, ec) }

// huaweiAAD returns the Huawei additional_authenticated_data that ctx is the
// context of, which is what a v1 envelope binds: nil for empty ctx, ctx[1:]
// for a Huawei context. Any other ctx (an AWS context, or the tag alone,
// which AppendHuaweiContext never writes) has no v1 equivalent.
func huaweiAAD(ctx []byte) ([]byte, bool) {
	switch {
	case len(ctx) == 0:
		return nil, true
	case ctx[0] == ContextTagHuawei && len(ctx) > 1:
		return ctx[1:], true
	}
	return nil, false
}
