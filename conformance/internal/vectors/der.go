package vectors

import (
	"crypto/elliptic"
	"encoding/asn1"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Object identifiers of the malformed inputs.
var (
	oidECPublicKey  = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidRSA          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidECDH         = asn1.ObjectIdentifier{1, 3, 132, 1, 12}
	oidEd25519      = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidX25519       = asn1.ObjectIdentifier{1, 3, 101, 110}
	oidSM2Sign      = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 301, 1}
	oidP224         = asn1.ObjectIdentifier{1, 3, 132, 0, 33}
	oidBrainpool256 = asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 7}
	oidPrimeField   = asn1.ObjectIdentifier{1, 2, 840, 10045, 1, 1}
)

var (
	tagParameters = cbasn1.Tag(0).Constructed().ContextSpecific()
	tagPublicKey  = cbasn1.Tag(1).Constructed().ContextSpecific()
)

// params writes an algorithm's parameters element; nil writes none.
type params func(b *cryptobyte.Builder)

func namedCurve(oid asn1.ObjectIdentifier) params {
	return func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oid) }
}

func nullParams(b *cryptobyte.Builder) { b.AddASN1NULL() }

// explicitP256 writes P-256 as specifiedCurve ECParameters (SEC 1 C.2).
func explicitP256(b *cryptobyte.Builder) {
	p := elliptic.P256().Params()
	a := new(big.Int).Sub(p.P, big.NewInt(3))
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidPrimeField)
			b.AddASN1BigInt(p.P)
		})
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1OctetString(a.FillBytes(make([]byte, 32)))
			b.AddASN1OctetString(p.B.FillBytes(make([]byte, 32)))
		})
		g := append([]byte{4}, p.Gx.FillBytes(make([]byte, 32))...)
		b.AddASN1OctetString(append(g, p.Gy.FillBytes(make([]byte, 32))...))
		b.AddASN1BigInt(p.N)
		b.AddASN1Int64(1)
	})
}

func algorithmID(b *cryptobyte.Builder, alg asn1.ObjectIdentifier, p params) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(alg)
		if p != nil {
			p(b)
		}
	})
}

// bitString writes a BIT STRING with the given unused-bits count.
func bitString(b *cryptobyte.Builder, unused byte, data []byte) {
	b.AddASN1(cbasn1.BIT_STRING, func(b *cryptobyte.Builder) {
		b.AddUint8(unused)
		b.AddBytes(data)
	})
}

// spkiDER writes SubjectPublicKeyInfo; extra, when set, adds fields after
// the BIT STRING.
func spkiDER(alg asn1.ObjectIdentifier, p params, unused byte, point []byte, extra params) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		algorithmID(b, alg, p)
		bitString(b, unused, point)
		if extra != nil {
			extra(b)
		}
	})
	return b.BytesOrPanic()
}

// ecPriv describes an ECPrivateKey to write.
type ecPriv struct {
	version   int64
	scalar    []byte
	params    params // [0]; nil for none
	point     []byte // [1]; nil for none
	pubUnused byte   // unused bits of the [1] BIT STRING
}

func (k ecPriv) der() []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(k.version)
		b.AddASN1OctetString(k.scalar)
		if k.params != nil {
			b.AddASN1(tagParameters, func(b *cryptobyte.Builder) { k.params(b) })
		}
		if k.point != nil {
			b.AddASN1(tagPublicKey, func(b *cryptobyte.Builder) { bitString(b, k.pubUnused, k.point) })
		}
	})
	return b.BytesOrPanic()
}

// pkcs8DER writes PrivateKeyInfo around inner; attrs adds an empty [0]
// attributes set.
func pkcs8DER(version int64, alg asn1.ObjectIdentifier, p params, inner []byte, attrs bool) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(version)
		algorithmID(b, alg, p)
		b.AddASN1OctetString(inner)
		if attrs {
			b.AddASN1(tagParameters, func(*cryptobyte.Builder) {})
		}
	})
	return b.BytesOrPanic()
}

// longFormLength re-encodes the outer length of a short-form DER element
// in the non-minimal long form 0x81 len.
func longFormLength(der []byte) []byte {
	out := []byte{der[0], 0x81, der[1]}
	return append(out, der[2:]...)
}

// indefiniteLength re-encodes the outer element of a short-form DER
// element with BER's indefinite length and end-of-contents octets.
func indefiniteLength(der []byte) []byte {
	out := []byte{der[0], 0x80}
	out = append(out, der[2:]...)
	return append(out, 0, 0)
}

// withTag replaces the outer tag byte.
func withTag(der []byte, tag byte) []byte {
	out := clone(der)
	out[0] = tag
	return out
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
