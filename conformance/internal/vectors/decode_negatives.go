package vectors

import (
	"encoding/binary"
	"math/big"
	"strconv"

	"golang.org/x/crypto/cryptobyte"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/wrap"
)

// negatives accumulates decode_negatives.json.
type negatives struct{ out []DecodeNegative }

func (n *negatives) add(format string, spec curves.Spec, comment string, input []byte, class string) {
	n.out = append(n.out, DecodeNegative{
		ID: len(n.out) + 1, Comment: comment, Format: format, KeySpec: string(spec), Input: input, Error: class,
	})
}

func (n *negatives) addEnvelope(ref *Envelope, comment string, input []byte, spec string, aad []byte, material []byte, class string) {
	n.out = append(n.out, DecodeNegative{
		ID: len(n.out) + 1, Comment: comment, Format: "envelope", KeySpec: spec, Input: input,
		Envelope: ref.ID, MasterKey: material, AAD: aad, Error: class,
	})
}

// genDecodeNegatives builds decode_negatives.json from the keys and
// envelopes already generated.
func genDecodeNegatives(ks *keySet, envs []Envelope) []DecodeNegative {
	n := &negatives{}
	for i, spec := range Specs {
		c, _ := curves.Lookup(spec) // Specs are registered: genKeys checked
		oid := c.OID()
		other := Specs[(i+1)%len(Specs)]
		otherCurve, _ := curves.Lookup(other)
		// Another curve's point under this OID: of the wrong length, or off
		// this curve; either way the curve refuses it.
		one, two := ks.get(spec, "one"), ks.get(spec, "two")
		point := two.priv.PublicKey().Bytes()
		offCurve := clone(point)
		offCurve[len(offCurve)-1] ^= 1
		hybrid := clone(point)
		hybrid[0] = 6 | point[len(point)-1]&1
		zero := make([]byte, c.ScalarSize())
		order := scalarBytes(c, Order(spec))
		s := string(spec)

		n.add("spki", spec, s+": point off the curve (y's low bit flipped)", spkiDER(oidECPublicKey, namedCurve(oid), 0, offCurve, nil), ClassInvalidKey)
		n.add("spki", spec, s+": point at infinity (the single byte 00)", spkiDER(oidECPublicKey, namedCurve(oid), 0, []byte{0}, nil), ClassInvalidKey)
		n.add("spki", spec, s+": hybrid point encoding (06/07) of a valid point", spkiDER(oidECPublicKey, namedCurve(oid), 0, hybrid, nil), ClassInvalidKey)
		n.add("spki", spec, s+": uncompressed point one byte short", spkiDER(oidECPublicKey, namedCurve(oid), 0, point[:len(point)-1], nil), ClassInvalidKey)
		n.add("spki", spec, s+": point of "+string(other)+" under this curve's OID",
			spkiDER(oidECPublicKey, namedCurve(oid), 0, ks.get(other, "two").priv.PublicKey().Bytes(), nil), ClassInvalidKey)

		n.add("pkcs8", spec, s+": zero scalar", pkcs8DER(0, oidECPublicKey, namedCurve(oid), ecPriv{version: 1, scalar: zero}.der(), false), ClassInvalidKey)
		n.add("pkcs8", spec, s+": scalar equal to the order n", pkcs8DER(0, oidECPublicKey, namedCurve(oid), ecPriv{version: 1, scalar: order}.der(), false), ClassInvalidKey)
		n.add("pkcs8", spec, s+": [1] public key of another scalar (2G for scalar 1)",
			pkcs8DER(0, oidECPublicKey, namedCurve(oid), ecPriv{version: 1, scalar: one.priv.Bytes(), point: point}.der(), false), ClassKeyMismatch)
		n.add("pkcs8", spec, s+": [1] public key off the curve",
			pkcs8DER(0, oidECPublicKey, namedCurve(oid), ecPriv{version: 1, scalar: two.priv.Bytes(), point: offCurve}.der(), false), ClassInvalidKey)
		n.add("pkcs8", spec, s+": inner [0] names "+string(other)+", the algorithm "+s,
			pkcs8DER(0, oidECPublicKey, namedCurve(oid), ecPriv{version: 1, scalar: two.priv.Bytes(), params: namedCurve(otherCurve.OID()), point: point}.der(), false), ClassKeyMismatch)

		n.add("sec1", spec, s+": zero scalar", ecPriv{version: 1, scalar: zero, params: namedCurve(oid)}.der(), ClassInvalidKey)
		n.add("sec1", spec, s+": scalar equal to the order n", ecPriv{version: 1, scalar: order, params: namedCurve(oid)}.der(), ClassInvalidKey)
		n.add("sec1", spec, s+": [1] public key of another scalar (2G for scalar 1)",
			ecPriv{version: 1, scalar: one.priv.Bytes(), params: namedCurve(oid), point: point}.der(), ClassKeyMismatch)
		long := append([]byte{1}, make([]byte, c.ScalarSize())...)
		n.add("sec1", spec, s+": scalar one byte longer than the curve's", ecPriv{version: 1, scalar: long, params: namedCurve(oid)}.der(), ClassMalformed)

		if spec == curves.SM2 {
			nMinus1 := scalarBytes(c, new(big.Int).Sub(Order(spec), big.NewInt(1)))
			n.add("pkcs8", spec, s+": scalar n-1 (SM2 keys stop at n-2)", pkcs8DER(0, oidECPublicKey, namedCurve(oid), ecPriv{version: 1, scalar: nMinus1}.der(), false), ClassInvalidKey)
			n.add("sec1", spec, s+": scalar n-1 (SM2 keys stop at n-2)", ecPriv{version: 1, scalar: nMinus1, params: namedCurve(oid)}.der(), ClassInvalidKey)
		}
	}
	genericKeyNegatives(n, ks)
	genEnvelopeNegatives(n, envs)
	return n.out
}

// genericKeyNegatives are the structural negatives, on P-256 (key "two").
func genericKeyNegatives(n *negatives, ks *keySet) {
	const spec = curves.P256
	k := ks.get(spec, "two")
	c := k.priv.Curve()
	oid := c.OID()
	point := k.priv.PublicKey().Bytes()
	scalar := k.priv.Bytes()
	spki, p8, sec1 := k.vec.SPKI, k.vec.PKCS8, k.vec.SEC1
	inner := ecPriv{version: 1, scalar: scalar, point: point}
	p256Point224 := append([]byte{4}, make([]byte, 56)...)
	copy(p256Point224[1:], point[1:57])

	// SPKI.
	n.add("spki", spec, "empty input", []byte{}, ClassMalformed)
	n.add("spki", spec, "truncated by one byte", spki[:len(spki)-1], ClassMalformed)
	n.add("spki", spec, "trailing zero byte after the SEQUENCE", append(clone(spki), 0), ClassMalformed)
	n.add("spki", spec, "outer length in non-minimal long form (81 59)", longFormLength(spki), ClassMalformed)
	n.add("spki", spec, "BER indefinite length", indefiniteLength(spki), ClassMalformed)
	n.add("spki", spec, "outer SET instead of SEQUENCE", withTag(spki, 0x31), ClassMalformed)
	n.add("spki", spec, "BIT STRING with 1 unused bit", spkiDER(oidECPublicKey, namedCurve(oid), 1, point, nil), ClassMalformed)
	n.add("spki", spec, "NULL curve parameters (implicitCurve)", spkiDER(oidECPublicKey, nullParams, 0, point, nil), ClassMalformed)
	n.add("spki", spec, "no curve parameters", spkiDER(oidECPublicKey, nil, 0, point, nil), ClassMalformed)
	n.add("spki", spec, "extra INTEGER after the BIT STRING", spkiDER(oidECPublicKey, namedCurve(oid), 0, point, func(b *cryptobyte.Builder) { b.AddASN1Int64(0) }), ClassMalformed)
	n.add("spki", spec, "algorithm rsaEncryption (1.2.840.113549.1.1.1)", spkiDER(oidRSA, nullParams, 0, point, nil), ClassUnsupportedAlgorithm)
	n.add("spki", spec, "algorithm id-ecDH (1.3.132.1.12)", spkiDER(oidECDH, namedCurve(oid), 0, point, nil), ClassUnsupportedAlgorithm)
	n.add("spki", spec, "algorithm X25519 (1.3.101.110)", spkiDER(oidX25519, nil, 0, point[1:33], nil), ClassUnsupportedAlgorithm)
	n.add("spki", curves.SM2, "algorithm SM2 signature OID (1.2.156.10197.1.301.1) instead of id-ecPublicKey",
		spkiDER(oidSM2Sign, namedCurve(ks.get(curves.SM2, "two").priv.Curve().OID()), 0, ks.get(curves.SM2, "two").priv.PublicKey().Bytes(), nil), ClassUnsupportedAlgorithm)
	n.add("spki", "", "unknown curve secp224r1 (1.3.132.0.33)", spkiDER(oidECPublicKey, namedCurve(oidP224), 0, p256Point224, nil), ClassUnknownCurve)
	n.add("spki", "", "unknown curve brainpoolP256r1 (1.3.36.3.3.2.8.1.1.7)", spkiDER(oidECPublicKey, namedCurve(oidBrainpool256), 0, point, nil), ClassUnknownCurve)
	n.add("spki", spec, "explicit (specifiedCurve) P-256 parameters", spkiDER(oidECPublicKey, explicitP256, 0, point, nil), ClassExplicitParameters)

	// PKCS#8.
	n.add("pkcs8", spec, "empty input", []byte{}, ClassMalformed)
	n.add("pkcs8", spec, "truncated by one byte", p8[:len(p8)-1], ClassMalformed)
	n.add("pkcs8", spec, "trailing zero byte after the SEQUENCE", append(clone(p8), 0), ClassMalformed)
	n.add("pkcs8", spec, "version 1 (OneAsymmetricKey v2)", pkcs8DER(1, oidECPublicKey, namedCurve(oid), inner.der(), false), ClassMalformed)
	n.add("pkcs8", spec, "version 2", pkcs8DER(2, oidECPublicKey, namedCurve(oid), inner.der(), false), ClassMalformed)
	n.add("pkcs8", spec, "[0] attributes after privateKey", pkcs8DER(0, oidECPublicKey, namedCurve(oid), inner.der(), true), ClassMalformed)
	n.add("pkcs8", spec, "a SEC1 ECPrivateKey given as PKCS#8", sec1, ClassMalformed)
	n.add("pkcs8", spec, "NULL curve parameters", pkcs8DER(0, oidECPublicKey, nullParams, inner.der(), false), ClassMalformed)
	n.add("pkcs8", spec, "algorithm rsaEncryption", pkcs8DER(0, oidRSA, nullParams, inner.der(), false), ClassUnsupportedAlgorithm)
	n.add("pkcs8", "", "unknown curve secp224r1", pkcs8DER(0, oidECPublicKey, namedCurve(oidP224), ecPriv{version: 1, scalar: scalar[:28]}.der(), false), ClassUnknownCurve)
	n.add("pkcs8", spec, "explicit parameters in the algorithm identifier", pkcs8DER(0, oidECPublicKey, explicitP256, inner.der(), false), ClassExplicitParameters)
	n.add("pkcs8", spec, "explicit parameters in ECPrivateKey [0]",
		pkcs8DER(0, oidECPublicKey, namedCurve(oid), ecPriv{version: 1, scalar: scalar, params: explicitP256, point: point}.der(), false), ClassExplicitParameters)
	n.add("pkcs8", spec, "ECPrivateKey version 0", pkcs8DER(0, oidECPublicKey, namedCurve(oid), ecPriv{version: 0, scalar: scalar, point: point}.der(), false), ClassMalformed)
	n.add("pkcs8", spec, "trailing byte after ECPrivateKey inside the OCTET STRING",
		pkcs8DER(0, oidECPublicKey, namedCurve(oid), append(inner.der(), 0), false), ClassMalformed)
	n.add("pkcs8", spec, "ECPrivateKey [1] BIT STRING with 1 unused bit",
		pkcs8DER(0, oidECPublicKey, namedCurve(oid), ecPriv{version: 1, scalar: scalar, point: point, pubUnused: 1}.der(), false), ClassMalformed)

	// SEC1.
	n.add("sec1", spec, "empty input", []byte{}, ClassMalformed)
	n.add("sec1", spec, "truncated by one byte", sec1[:len(sec1)-1], ClassMalformed)
	n.add("sec1", spec, "trailing zero byte after the SEQUENCE", append(clone(sec1), 0), ClassMalformed)
	n.add("sec1", spec, "no [0] parameters (a bare key cannot name its curve)", inner.der(), ClassMalformed)
	n.add("sec1", spec, "version 0", ecPriv{version: 0, scalar: scalar, params: namedCurve(oid), point: point}.der(), ClassMalformed)
	n.add("sec1", spec, "version 2", ecPriv{version: 2, scalar: scalar, params: namedCurve(oid), point: point}.der(), ClassMalformed)
	n.add("sec1", spec, "a PKCS#8 PrivateKeyInfo given as SEC1", p8, ClassMalformed)
	n.add("sec1", spec, "NULL [0] parameters", ecPriv{version: 1, scalar: scalar, params: nullParams, point: point}.der(), ClassMalformed)
	n.add("sec1", "", "unknown curve secp224r1 in [0]", ecPriv{version: 1, scalar: scalar[:28], params: namedCurve(oidP224)}.der(), ClassUnknownCurve)
	n.add("sec1", spec, "explicit parameters in [0]", ecPriv{version: 1, scalar: scalar, params: explicitP256, point: point}.der(), ClassExplicitParameters)
	n.add("sec1", spec, "[1] BIT STRING with 1 unused bit", ecPriv{version: 1, scalar: scalar, params: namedCurve(oid), point: point, pubUnused: 1}.der(), ClassMalformed)
}

// genEnvelopeNegatives tampers with the ECC_NIST_P256 envelopes that have
// an AAD (one AES_256, one SM4), and opens an AAD-less one with an AAD.
func genEnvelopeNegatives(n *negatives, envs []Envelope) {
	var refs []*Envelope
	var noAAD *Envelope
	for i := range envs {
		e := &envs[i]
		if e.KeySpec != string(curves.P256) || e.KeyVersion == 0xffffffff {
			continue
		}
		if len(e.AAD) > 0 {
			refs = append(refs, e)
		} else if noAAD == nil {
			noAAD = e
		}
	}
	const (
		hdr   = wrap.MasterHeaderSize
		nonce = hdr
		ct    = hdr + wrap.MasterNonceSize
	)
	for _, ref := range refs {
		env := []byte(ref.Envelope)
		spec, aad := ref.KeySpec, []byte(ref.AAD)
		pre := ref.Algorithm + " envelope " + strconv.Itoa(ref.ID) + ": "
		flip := func(i int, mask byte) []byte { out := clone(env); out[i] ^= mask; return out }
		set := func(i int, v byte) []byte { out := clone(env); out[i] = v; return out }
		otherAlg := byte(wrap.AES256GCM)
		if env[4] == byte(wrap.AES256GCM) {
			otherAlg = byte(wrap.SM4GCM)
		}
		version := clone(env)
		binary.BigEndian.PutUint32(version[21:25], ref.KeyVersion+1)
		otherMaterial := sha256Label("ecdkp/conformance/master-key/other")[:len(ref.MasterKey)]

		n.addEnvelope(ref, pre+"empty", []byte{}, spec, aad, nil, ClassMalformedEnvelope)
		n.addEnvelope(ref, pre+"header only", env[:hdr], spec, aad, nil, ClassMalformedEnvelope)
		n.addEnvelope(ref, pre+"one byte shorter than header, nonce and tag", env[:wrap.MasterOverhead-1], spec, aad, nil, ClassMalformedEnvelope)
		n.addEnvelope(ref, pre+"magic EKP2", set(3, '2'), spec, aad, nil, ClassMalformedEnvelope)
		n.addEnvelope(ref, pre+"magic in lower case (ekp1)", append([]byte("ekp1"), env[4:]...), spec, aad, nil, ClassMalformedEnvelope)
		n.addEnvelope(ref, pre+"algorithm byte 0", set(4, 0), spec, aad, nil, ClassMalformedEnvelope)
		n.addEnvelope(ref, pre+"algorithm byte 3", set(4, 3), spec, aad, nil, ClassMalformedEnvelope)
		n.addEnvelope(ref, pre+"algorithm byte of the other master key algorithm", set(4, otherAlg), spec, aad, nil, ClassDecrypt)
		n.addEnvelope(ref, pre+"key_id bit flipped", flip(5, 0x01), spec, aad, nil, ClassDecrypt)
		n.addEnvelope(ref, pre+"key_version + 1 (a version the key does not hold)", version, spec, aad, nil, ClassKeyUnavailable)
		n.addEnvelope(ref, pre+"nonce bit flipped", flip(nonce, 0x80), spec, aad, nil, ClassDecrypt)
		n.addEnvelope(ref, pre+"first ciphertext byte flipped", flip(ct, 0x01), spec, aad, nil, ClassDecrypt)
		n.addEnvelope(ref, pre+"last tag byte flipped", flip(len(env)-1, 0x01), spec, aad, nil, ClassDecrypt)
		n.addEnvelope(ref, pre+"truncated by one byte", env[:len(env)-1], spec, aad, nil, ClassDecrypt)
		n.addEnvelope(ref, pre+"one byte appended", append(clone(env), 0), spec, aad, nil, ClassDecrypt)
		n.addEnvelope(ref, pre+"another AAD", env, spec, append(clone(aad), '!'), nil, ClassDecrypt)
		n.addEnvelope(ref, pre+"no AAD", env, spec, nil, nil, ClassDecrypt)
		n.addEnvelope(ref, pre+"opened as key_spec SM2", env, string(curves.SM2), aad, nil, ClassDecrypt)
		n.addEnvelope(ref, pre+"other master key material under the same key_id", env, spec, aad, otherMaterial, ClassDecrypt)
	}
	if noAAD != nil {
		n.addEnvelope(noAAD, noAAD.Algorithm+" envelope "+strconv.Itoa(noAAD.ID)+" (no AAD): opened with an AAD", noAAD.Envelope, noAAD.KeySpec, []byte("tenant=42"), nil, ClassDecrypt)
	}
}
