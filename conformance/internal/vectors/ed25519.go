package vectors

import (
	"bytes"
	"encoding/hex"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
)

// Ed25519 (ECC_NIST_EDWARDS25519, an extension of Huawei's list) has key
// vectors and decode negatives, after every EC spec's: its keys are fixed
// 32-byte seeds, not scalars, and it has no SEC 1 form.

// edSeedInput is one fixed seed of keys.json.
type edSeedInput struct {
	name    string
	comment string
	seed    func() []byte
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// edSeedInputs are the Ed25519 seeds, in file order.
var edSeedInputs = []edSeedInput{
	{"rfc8032", "the seed of RFC 8032, 7.1, TEST 1",
		func() []byte { return mustHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60") }},
	{"rfc8410", "the seed of RFC 8410, 10.3",
		func() []byte { return mustHex("d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842") }},
	{"one", "seed 00..01 (the all-zero seed is refused: it is what a destroyed key holds)",
		func() []byte { return append(make([]byte, 31), 1) }},
	{"ff", "seed ff..ff", func() []byte { return bytes.Repeat([]byte{0xff}, 32) }},
	{"sha256", "SHA-256(\"ecdkp/conformance/keys/ECC_NIST_EDWARDS25519/a\")",
		func() []byte { return sha256Label("ecdkp/conformance/keys/" + string(curves.Ed25519) + "/a") }},
	{"sha512", "the first 32 bytes of SHA-512(\"ecdkp/conformance/keys/ECC_NIST_EDWARDS25519/b\")",
		func() []byte { return sha512Label("ecdkp/conformance/keys/" + string(curves.Ed25519) + "/b")[:32] }},
}

// genEdKeys appends the Ed25519 vectors to ks: the seed, the public key,
// SPKI and PKCS#8 (SEC1 empty).
func genEdKeys(ks *keySet) error {
	spec := curves.Ed25519
	c, err := curves.Lookup(spec)
	if err != nil {
		return err
	}
	if _, err := c.NewPrivateKey(make([]byte, 32)); err == nil {
		return fmt.Errorf("vectors: %s accepts the all-zero seed", spec)
	}
	ks.byName[spec] = map[string]*fixedKey{}
	for _, in := range edSeedInputs {
		seed := in.seed()
		priv, err := c.NewPrivateKey(seed)
		if err != nil {
			return fmt.Errorf("vectors: %s seed %s: %w", spec, in.name, err)
		}
		spki, err := encoding.MarshalSPKI(priv.PublicKey())
		if err != nil {
			return err
		}
		p8, err := encoding.MarshalPKCS8(priv)
		if err != nil {
			return err
		}
		v := Key{
			ID:          len(ks.vectors) + 1,
			Comment:     fmt.Sprintf("%s: %s", spec, in.comment),
			KeySpec:     string(spec),
			Scalar:      seed,
			PublicPoint: priv.PublicKey().Bytes(),
			SPKI:        spki,
			PKCS8:       p8,
			SEC1:        Hex{},
		}
		ks.vectors = append(ks.vectors, v)
		ks.byName[spec][in.name] = &fixedKey{id: v.ID, priv: priv, vec: v}
	}
	return nil
}

// Ed25519 points no seed has: one of order 8, the identity, and the RFC
// 8410 public key plus that point of order 8 (computed with math/big by
// package curves' reference implementation).
var (
	edOrder8     = mustHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")
	edIdentity   = append([]byte{1}, make([]byte, 31)...)
	edMixedOrder = mustHex("036a01e72dd58be864f5021a4f57c2b748cd11cb7f526e4a180c1fe58cb235be")
)

// edPKCS8 writes an Ed25519 PrivateKeyInfo: version, the algorithm with
// optional parameters, privateKey holding inner, then extra fields.
func edPKCS8(version int64, p params, inner []byte, extra ...[]byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(version)
		algorithmID(b, oidEd25519, p)
		b.AddASN1OctetString(inner)
		for _, e := range extra {
			b.AddBytes(e)
		}
	})
	return b.BytesOrPanic()
}

// curvePrivateKey is RFC 8410's CurvePrivateKey: the seed in an OCTET
// STRING.
func curvePrivateKey(seed []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1OctetString(seed)
	return b.BytesOrPanic()
}

// oakPublicKey is OneAsymmetricKey's [1] IMPLICIT BIT STRING publicKey.
func oakPublicKey(pub []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.Tag(1).ContextSpecific(), func(b *cryptobyte.Builder) {
		b.AddUint8(0)
		b.AddBytes(pub)
	})
	return b.BytesOrPanic()
}

// genEdNegatives appends the Ed25519 decode negatives to n, built from the
// "rfc8410" and "rfc8032" keys.
func genEdNegatives(n *negatives, ks *keySet) {
	const spec = curves.Ed25519
	k, other := ks.get(spec, "rfc8410"), ks.get(spec, "rfc8032")
	seed, pub := k.priv.Bytes(), k.priv.PublicKey().Bytes()
	unreduced := bytes.Repeat([]byte{0xff}, 32)
	unreduced[0], unreduced[31] = 0xee, 0x7f // p+1, standing for y = 1
	negZero := clone(edIdentity)
	negZero[31] |= 0x80 // x = 0 with the sign bit
	s := string(spec) + ": "

	n.add("spki", spec, s+"NULL parameters (RFC 8410: absent)", spkiDER(oidEd25519, nullParams, 0, pub, nil), ClassMalformed)
	n.add("spki", spec, s+"BIT STRING with 1 unused bit", spkiDER(oidEd25519, nil, 1, pub, nil), ClassMalformed)
	n.add("spki", spec, s+"public key of 31 bytes", spkiDER(oidEd25519, nil, 0, pub[:31], nil), ClassInvalidKey)
	n.add("spki", spec, s+"public key with a SEC 1 04 prefix (33 bytes)", spkiDER(oidEd25519, nil, 0, append([]byte{4}, pub...), nil), ClassInvalidKey)
	n.add("spki", spec, s+"point of order 8", spkiDER(oidEd25519, nil, 0, edOrder8, nil), ClassInvalidKey)
	n.add("spki", spec, s+"the identity (0, 1)", spkiDER(oidEd25519, nil, 0, edIdentity, nil), ClassInvalidKey)
	n.add("spki", spec, s+"y = p+1: the identity, not reduced", spkiDER(oidEd25519, nil, 0, unreduced, nil), ClassInvalidKey)
	n.add("spki", spec, s+"x = 0 with the sign bit set", spkiDER(oidEd25519, nil, 0, negZero, nil), ClassInvalidKey)
	n.add("spki", spec, s+"the RFC 8410 public key plus a point of order 8 (on the curve, not in the prime-order subgroup)",
		spkiDER(oidEd25519, nil, 0, edMixedOrder, nil), ClassInvalidKey)
	n.add("spki", spec, s+"id-ecPublicKey with the Ed25519 OID as named curve",
		spkiDER(oidECPublicKey, namedCurve(oidEd25519), 0, pub, nil), ClassUnsupportedAlgorithm)

	n.add("pkcs8", spec, s+"all-zero seed", edPKCS8(0, nil, curvePrivateKey(make([]byte, 32))), ClassInvalidKey)
	n.add("pkcs8", spec, s+"seed of 31 bytes", edPKCS8(0, nil, curvePrivateKey(seed[:31])), ClassMalformed)
	n.add("pkcs8", spec, s+"seed of 64 bytes (seed || public key)", edPKCS8(0, nil, curvePrivateKey(append(clone(seed), pub...))), ClassMalformed)
	n.add("pkcs8", spec, s+"seed not wrapped in CurvePrivateKey's OCTET STRING", edPKCS8(0, nil, seed), ClassMalformed)
	n.add("pkcs8", spec, s+"NULL parameters (RFC 8410: absent)", edPKCS8(0, nullParams, curvePrivateKey(seed)), ClassMalformed)
	n.add("pkcs8", spec, s+"[0] attributes", edPKCS8(0, nil, curvePrivateKey(seed), []byte{0xa0, 0x00}), ClassMalformed)
	n.add("pkcs8", spec, s+"version 0 with a [1] publicKey", edPKCS8(0, nil, curvePrivateKey(seed), oakPublicKey(pub)), ClassMalformed)
	n.add("pkcs8", spec, s+"version 1 (v2) without a [1] publicKey", edPKCS8(1, nil, curvePrivateKey(seed)), ClassMalformed)
	n.add("pkcs8", spec, s+"version 1 (v2) with the public key of another seed",
		edPKCS8(1, nil, curvePrivateKey(seed), oakPublicKey(other.priv.PublicKey().Bytes())), ClassKeyMismatch)
	n.add("pkcs8", spec, s+"version 1 (v2) with a [1] publicKey of order 8",
		edPKCS8(1, nil, curvePrivateKey(seed), oakPublicKey(edOrder8)), ClassInvalidKey)

	n.add("sec1", spec, s+"ECPrivateKey naming Ed25519 in [0] (Ed25519 has no SEC 1 form)",
		ecPriv{version: 1, scalar: seed, params: namedCurve(oidEd25519), point: pub}.der(), ClassUnsupportedAlgorithm)
}

// appendEdNegatives adds the Ed25519 decode negatives after the others,
// numbering on.
func appendEdNegatives(out []DecodeNegative, ks *keySet) []DecodeNegative {
	n := &negatives{out: out}
	genEdNegatives(n, ks)
	return n.out
}
