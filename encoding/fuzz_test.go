package encoding_test

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
)

// The fuzz targets of the parsers. Each checks, for arbitrary input:
//
//   - no panic, and every error wraps exactly one of the package's classes;
//   - what parses re-encodes (Marshal) to the canonical bytes, which parse
//     back to the Equal key with the same public key, and re-encoding those
//     is a fixed point: an accepted non-canonical input decodes to the key
//     its canonical form decodes to;
//   - an independent decoder agrees on the key whenever it accepts the same
//     input too: crypto/x509 for the NIST curves and Ed25519, gmsm's smx509
//     for SM2 (and the NIST curves and Ed25519 again); the point or public
//     key is recomputed with crypto/ecdh, crypto/elliptic, dcrd's secp256k1,
//     gmsm's sm2 or crypto/ed25519 (which has no point decoder: an Ed25519
//     point is checked against the reference parsers only, which accept any
//     32 bytes, and against package curves' own tests).
//
// Seeds: the canonical encodings of a fixed key of every registered spec
// and the lenient and malformed variants of the hand-made DER helpers, added
// here and (a handful) checked in under testdata/fuzz/<FuzzName>/.

func FuzzParseSPKI(f *testing.F) {
	for _, seed := range fzSPKISeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pub, err := encoding.ParseSPKI(data)
		if err != nil {
			fzRequireClassified(t, "ParseSPKI", err)
			return
		}
		fzCheckPublic(t, data, pub)
	})
}

func FuzzParsePKCS8(f *testing.F) {
	for _, seed := range fzPKCS8Seeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := encoding.ParsePKCS8(data)
		if err != nil {
			fzRequireClassified(t, "ParsePKCS8", err)
			return
		}
		fzCheckPrivate(t, fzFormats[0], data, k)
	})
}

func FuzzParseSEC1(f *testing.F) {
	for _, seed := range fzSEC1Seeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := encoding.ParseSEC1(data)
		if err != nil {
			fzRequireClassified(t, "ParseSEC1", err)
			return
		}
		fzCheckPrivate(t, fzFormats[1], data, k)
	})
}

// FuzzParsePEM feeds the same bytes to the three PEM parsers. What one
// accepts must be a single clean block of its type whose DER the DER parser
// reads to the same key, and must re-encode to the PEM of the canonical DER.
func FuzzParsePEM(f *testing.F) {
	for _, seed := range fzPEMSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if pub, err := encoding.ParseSPKIPEM(data); err != nil {
			fzRequireClassified(t, "ParseSPKIPEM", err)
		} else {
			der := fzRequireBlock(t, data, encoding.PEMTypeSPKI)
			fromDER, err := encoding.ParseSPKI(der)
			if err != nil || !fromDER.Equal(pub) {
				t.Fatalf("ParseSPKIPEM accepted a block whose DER ParseSPKI reads differently (err %v)", err)
			}
			fzCheckPublic(t, der, pub)
			p, err := encoding.MarshalSPKIPEM(pub)
			if err != nil {
				t.Fatalf("MarshalSPKIPEM of an accepted key: %v", err)
			}
			canonical, _ := encoding.MarshalSPKI(pub)
			fzRequirePEMOf(t, p, encoding.PEMTypeSPKI, canonical)
			again, err := encoding.ParseSPKIPEM(p)
			if err != nil || !again.Equal(pub) {
				t.Fatalf("MarshalSPKIPEM output does not parse back to the key (err %v)", err)
			}
		}
		for _, pf := range fzFormats {
			k, err := pf.parsePEM(data)
			if err != nil {
				fzRequireClassified(t, pf.name+" PEM", err)
				continue
			}
			der := fzRequireBlock(t, data, pf.pemTypes...)
			fromDER, err := pf.parse(der)
			if err != nil || !fromDER.Equal(k) {
				t.Fatalf("%s PEM parser accepted a block whose DER the DER parser reads differently (err %v)", pf.name, err)
			}
			fzCheckPrivate(t, pf, der, k)
			p, err := pf.marshalPEM(k)
			if err != nil {
				t.Fatalf("%s MarshalPEM of an accepted key: %v", pf.name, err)
			}
			canonical, _ := pf.marshal(k)
			fzRequirePEMOf(t, p, pf.pemTypes[0], canonical)
			again, err := pf.parsePEM(p)
			if err != nil || !again.Equal(k) {
				t.Fatalf("%s MarshalPEM output does not parse back to the key (err %v)", pf.name, err)
			}
		}
	})
}

// fzFormat is one private-key format with its parsers and marshalers.
type fzFormat struct {
	name       string
	pemTypes   []string // the first is the one the marshaler writes
	marshal    func(*curves.PrivateKey) ([]byte, error)
	parse      func([]byte) (*curves.PrivateKey, error)
	marshalPEM func(*curves.PrivateKey) ([]byte, error)
	parsePEM   func([]byte) (*curves.PrivateKey, error)
	// reference parsers: each returns a description of the key or ok=false.
	refs []func([]byte) (string, bool)
}

var fzFormats = []fzFormat{
	{"PKCS#8", []string{encoding.PEMTypePKCS8}, encoding.MarshalPKCS8, encoding.ParsePKCS8,
		encoding.MarshalPKCS8PEM, encoding.ParsePKCS8PEM,
		[]func([]byte) (string, bool){
			func(der []byte) (string, bool) { return fzDescribePrivate(x509.ParsePKCS8PrivateKey(der)) },
			func(der []byte) (string, bool) { return fzDescribePrivate(smx509.ParsePKCS8PrivateKey(der)) },
		}},
	{"SEC1", []string{encoding.PEMTypeSEC1, encoding.PEMTypeSEC1SM2}, encoding.MarshalSEC1, encoding.ParseSEC1,
		encoding.MarshalSEC1PEM, encoding.ParseSEC1PEM,
		[]func([]byte) (string, bool){
			func(der []byte) (string, bool) { return fzDescribePrivate(x509.ParseECPrivateKey(der)) },
			func(der []byte) (string, bool) { return fzDescribePrivate(smx509.ParseTypedECPrivateKey(der)) },
		}},
}

// fzRequireClassified fails unless err wraps exactly one error class.
func fzRequireClassified(t *testing.T, what string, err error) {
	t.Helper()
	n := 0
	for _, class := range errorClasses {
		if errors.Is(err, class) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%s: error %q wraps %d of the error classes, want exactly 1", what, err, n)
	}
}

// fzCheckPublic checks an SPKI that ParseSPKI accepted as pub.
func fzCheckPublic(t *testing.T, input []byte, pub *curves.PublicKey) {
	t.Helper()
	der, err := encoding.MarshalSPKI(pub)
	if err != nil {
		t.Fatalf("accepted SPKI does not re-encode: %v", err)
	}
	again, err := encoding.ParseSPKI(der)
	if err != nil {
		t.Fatalf("re-encoded SPKI does not parse: %v", err)
	}
	if !again.Equal(pub) {
		t.Fatalf("SPKI re-encoding decodes to another key than the input")
	}
	if der2, err := encoding.MarshalSPKI(again); err != nil || !bytes.Equal(der2, der) {
		t.Fatalf("SPKI re-encoding is not a fixed point (err %v)", err)
	}
	point := fzSPKIPoint(t, input)
	if !bytes.Equal(der, input) && (len(point) == len(pub.Bytes()) || curves.TypeOf(pub.Curve()) != curves.EC) {
		// Accepted, not canonical: the only leniency is a compressed EC point.
		t.Fatalf("accepted a non-canonical SPKI whose point is not a compressed EC point")
	}
	// The point against an independent decoder of the same bytes.
	if ref, ok := fzRefPoint(pub.Curve().Spec(), point); ok && !bytes.Equal(ref, pub.Bytes()) {
		t.Fatalf("%s point decodes to %x, an independent decoder says %x", pub.Curve().Spec(), pub.Bytes(), ref)
	}
	want := fzDescribePublic(pub)
	for name, ref := range map[string]func([]byte) (any, error){
		"crypto/x509": x509.ParsePKIXPublicKey, "gmsm smx509": smx509.ParsePKIXPublicKey,
	} {
		if got, ok := fzDescribeStdPublic(ref(input)); ok && got != want {
			t.Fatalf("%s reads the SPKI as %s, ParseSPKI as %s", name, got, want)
		}
	}
}

// fzCheckPrivate checks a private key that pf's DER parser accepted from
// input (DER).
func fzCheckPrivate(t *testing.T, pf fzFormat, input []byte, k *curves.PrivateKey) {
	t.Helper()
	if len(k.Bytes()) != k.Curve().ScalarSize() {
		t.Fatalf("%s: scalar is %d bytes, want %d", pf.name, len(k.Bytes()), k.Curve().ScalarSize())
	}
	der, err := pf.marshal(k)
	if err != nil {
		t.Fatalf("accepted %s does not re-encode: %v", pf.name, err)
	}
	again, err := pf.parse(der)
	if err != nil {
		t.Fatalf("re-encoded %s does not parse: %v", pf.name, err)
	}
	if !again.Equal(k) || !again.PublicKey().Equal(k.PublicKey()) {
		t.Fatalf("%s re-encoding decodes to another key than the input", pf.name)
	}
	if der2, err := pf.marshal(again); err != nil || !bytes.Equal(der2, der) {
		t.Fatalf("%s re-encoding is not a fixed point (err %v)", pf.name, err)
	}
	// The public key, recomputed independently from the scalar.
	if ref, ok := fzRefPublicFromScalar(k.Curve().Spec(), k.Bytes()); ok && !bytes.Equal(ref, k.PublicKey().Bytes()) {
		t.Fatalf("%s: public key %x, an independent implementation computes %x", k.Curve().Spec(), k.PublicKey().Bytes(), ref)
	}
	want := fzDescribeKey(k)
	for i, ref := range pf.refs {
		if got, ok := ref(input); ok && got != want {
			t.Fatalf("%s: reference parser %d reads %s, we read %s", pf.name, i, got, want)
		}
	}
}

// fzRequireBlock returns the DER of the single PEM block a PEM parser
// accepted, checking it is of one of types with nothing but white space
// around it and no headers.
func fzRequireBlock(t *testing.T, data []byte, types ...string) []byte {
	t.Helper()
	block, rest := pem.Decode(data)
	if block == nil {
		t.Fatalf("accepted PEM input that encoding/pem finds no block in")
	}
	if !slices.Contains(types, block.Type) || len(block.Headers) != 0 || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("accepted PEM input with block type %q, %d headers, %d trailing bytes", block.Type, len(block.Headers), len(rest))
	}
	// One block, first in the input: anything before it (even another
	// "-----BEGIN" line that encoding/pem skips as malformed) is refused.
	if n := bytes.Count(data, []byte("-----BEGIN")); n != 1 {
		t.Fatalf("accepted PEM input with %d \"-----BEGIN\" lines, want 1", n)
	}
	if !bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("-----BEGIN "+block.Type+"-----")) {
		t.Fatalf("accepted PEM input with data before the block")
	}
	return block.Bytes
}

// fzRequirePEMOf checks p is exactly encoding/pem's block of typ around der.
func fzRequirePEMOf(t *testing.T, p []byte, typ string, der []byte) {
	t.Helper()
	if want := pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}); !bytes.Equal(p, want) {
		t.Fatalf("PEM marshaler output differs from encoding/pem's %q block of the canonical DER", typ)
	}
}

// fzSPKIPoint returns the subjectPublicKey bits of an SPKI that parsed.
func fzSPKIPoint(t *testing.T, der []byte) []byte {
	t.Helper()
	in := cryptobyte.String(der)
	var spki, bits cryptobyte.String
	if !in.ReadASN1(&spki, cbasn1.SEQUENCE) || !spki.SkipASN1(cbasn1.SEQUENCE) ||
		!spki.ReadASN1(&bits, cbasn1.BIT_STRING) || len(bits) == 0 {
		t.Fatalf("accepted SPKI that cryptobyte cannot split")
	}
	return bits[1:]
}

// Descriptions compared between our parsers and the reference ones: the
// spec, the scalar (private keys) and the uncompressed point, in hex.

func fzDescribePublic(k *curves.PublicKey) string {
	return fmt.Sprintf("%s pub %x", k.Curve().Spec(), k.Bytes())
}

func fzDescribeKey(k *curves.PrivateKey) string {
	return fmt.Sprintf("%s priv %x pub %x", k.Curve().Spec(), k.Bytes(), k.PublicKey().Bytes())
}

// fzStdCurve maps the elliptic.Curve of a reference parser to our spec and
// scalar size.
func fzStdCurve(c elliptic.Curve) (curves.Spec, int, bool) {
	switch c {
	case elliptic.P256():
		return curves.P256, 32, true
	case elliptic.P384():
		return curves.P384, 48, true
	case elliptic.P521():
		return curves.P521, 66, true
	case sm2.P256():
		return curves.SM2, 32, true
	}
	return "", 0, false
}

func fzUncompressed(size int, x, y *big.Int) []byte {
	if x == nil || y == nil || x.Sign() < 0 || y.Sign() < 0 || x.BitLen() > 8*size || y.BitLen() > 8*size {
		return nil
	}
	out := make([]byte, 1+2*size)
	out[0] = 4
	x.FillBytes(out[1 : 1+size])
	y.FillBytes(out[1+size:])
	return out
}

// fzDescribeStdPublic describes what a reference SPKI parser returned; a
// key of another kind is described by its type, so that it never equals
// ours.
func fzDescribeStdPublic(pub any, err error) (string, bool) {
	if err != nil {
		return "", false
	}
	if k, ok := pub.(ed25519.PublicKey); ok {
		return fmt.Sprintf("%s pub %x", curves.Ed25519, []byte(k)), true
	}
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return fmt.Sprintf("a %T", pub), true
	}
	spec, size, ok := fzStdCurve(k.Curve)
	if !ok {
		return fmt.Sprintf("a key on %s", k.Curve.Params().Name), true
	}
	return fmt.Sprintf("%s pub %x", spec, fzUncompressed(size, k.X, k.Y)), true
}

// fzDescribePrivate describes what a reference private-key parser returned.
func fzDescribePrivate(key any, err error) (string, bool) {
	if err != nil {
		return "", false
	}
	var k *ecdsa.PrivateKey
	switch v := key.(type) {
	case ed25519.PrivateKey:
		if len(v) != ed25519.PrivateKeySize {
			return "a malformed ed25519.PrivateKey", true
		}
		return fmt.Sprintf("%s priv %x pub %x", curves.Ed25519, v.Seed(), []byte(v[ed25519.SeedSize:])), true
	case *ecdsa.PrivateKey:
		k = v
	case *sm2.PrivateKey:
		k = &v.PrivateKey
	default:
		return fmt.Sprintf("a %T", key), true
	}
	spec, size, ok := fzStdCurve(k.Curve)
	if !ok {
		return fmt.Sprintf("a key on %s", k.Curve.Params().Name), true
	}
	if k.D == nil || k.D.BitLen() > 8*size {
		return "a key with an out-of-range scalar", true
	}
	return fmt.Sprintf("%s priv %x pub %x", spec, k.D.FillBytes(make([]byte, size)), fzUncompressed(size, k.X, k.Y)), true
}

// fzRefPoint decodes a SEC 1 point of spec with another implementation and
// returns it uncompressed, or ok=false if that implementation refuses it.
func fzRefPoint(spec curves.Spec, point []byte) ([]byte, bool) {
	if len(point) == 0 {
		return nil, false
	}
	switch spec {
	case curves.P256, curves.P384, curves.P521:
		curve, ec := map[curves.Spec]elliptic.Curve{curves.P256: elliptic.P256(), curves.P384: elliptic.P384(), curves.P521: elliptic.P521()}[spec],
			map[curves.Spec]ecdh.Curve{curves.P256: ecdh.P256(), curves.P384: ecdh.P384(), curves.P521: ecdh.P521()}[spec]
		if point[0] == 4 {
			k, err := ec.NewPublicKey(point)
			if err != nil {
				return nil, false
			}
			return k.Bytes(), true
		}
		x, y := elliptic.UnmarshalCompressed(curve, point)
		if x == nil {
			return nil, false
		}
		return fzUncompressed((curve.Params().BitSize+7)/8, x, y), true
	case curves.Secp256k1:
		if point[0] != 2 && point[0] != 3 && point[0] != 4 {
			return nil, false // dcrd still reads hybrid points
		}
		k, err := secp256k1.ParsePubKey(point)
		if err != nil {
			return nil, false
		}
		return k.SerializeUncompressed(), true
	case curves.SM2:
		if point[0] != 4 {
			// gmsm reads only uncompressed points (it misreads compressed
			// ones); SM2's a is -3, so crypto/elliptic's generic
			// decompression applies.
			x, y := elliptic.UnmarshalCompressed(sm2.P256(), point)
			if x == nil {
				return nil, false
			}
			return fzUncompressed(32, x, y), true
		}
		k, err := sm2.NewPublicKey(point)
		if err != nil {
			return nil, false
		}
		return fzUncompressed(32, k.X, k.Y), true
	}
	return nil, false
}

// fzRefPublicFromScalar computes the public point of a valid scalar of spec
// with another implementation.
func fzRefPublicFromScalar(spec curves.Spec, scalar []byte) ([]byte, bool) {
	switch spec {
	case curves.P256, curves.P384, curves.P521:
		ec := map[curves.Spec]ecdh.Curve{curves.P256: ecdh.P256(), curves.P384: ecdh.P384(), curves.P521: ecdh.P521()}[spec]
		k, err := ec.NewPrivateKey(scalar)
		if err != nil {
			return nil, false
		}
		return k.PublicKey().Bytes(), true
	case curves.Secp256k1:
		return secp256k1.PrivKeyFromBytes(scalar).PubKey().SerializeUncompressed(), true
	case curves.SM2:
		k, err := sm2.NewPrivateKey(scalar)
		if err != nil {
			return nil, false // gmsm refuses n-1, which SM2 signing cannot use
		}
		return fzUncompressed(32, k.X, k.Y), true
	case curves.Ed25519:
		if len(scalar) != ed25519.SeedSize {
			return nil, false
		}
		return ed25519.NewKeyFromSeed(scalar)[ed25519.SeedSize:], true
	}
	return nil, false
}

// Seeds. Each builder returns valid and interesting invalid inputs for one
// target, for every registered spec.

// fzSeedKey is the fixed key of every spec the seeds encode.
func fzSeedKey(tb testing.TB, spec curves.Spec) (*curves.PrivateKey, keyParts) {
	tb.Helper()
	c, err := curves.Lookup(spec)
	if err != nil {
		tb.Fatal(err)
	}
	k, err := c.NewPrivateKey(fixedScalar(c, 3))
	if err != nil {
		tb.Fatal(err)
	}
	return k, partsOf(k)
}

var (
	fzOIDRSA      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	fzOIDUnknown  = asn1.ObjectIdentifier{1, 3, 132, 0, 99}
	fzNullElement = []byte{0x05, 0x00}
)

func fzSPKISeeds(tb testing.TB) [][]byte {
	var seeds [][]byte
	for _, spec := range curves.Specs() {
		k, p := fzSeedKey(tb, spec)
		der, err := encoding.MarshalSPKI(k.PublicKey())
		if err != nil {
			tb.Fatal(err)
		}
		if curves.TypeOf(k.Curve()) != curves.EC {
			seeds = append(seeds, fzEdSPKISeeds(der, p)...)
			continue
		}
		hybrid := append([]byte{6 | p.point[len(p.point)-1]&1}, p.point[1:]...)
		seeds = append(seeds,
			der,
			compressed(p).spki(),
			seq(p.algorithm(), bitString(0, hybrid)),
			seq(p.algorithm(), bitString(1, p.point)),
			seq(seq(oid(oidECPublicKey), seq(integer(1))), bitString(0, p.point)), // specifiedCurve
			seq(seq(oid(oidECPublicKey), fzNullElement), bitString(0, p.point)),
			seq(seq(oid(fzOIDRSA), oid(p.curveOID)), bitString(0, p.point)),
			seq(seq(oid(oidECPublicKey), oid(fzOIDUnknown)), bitString(0, p.point)),
			append(append([]byte(nil), der...), 0),
			der[:len(der)-1],
		)
	}
	return seeds
}

func fzPKCS8Seeds(tb testing.TB) [][]byte {
	var seeds [][]byte
	for _, spec := range curves.Specs() {
		k, p := fzSeedKey(tb, spec)
		der, err := encoding.MarshalPKCS8(k)
		if err != nil {
			tb.Fatal(err)
		}
		if curves.TypeOf(k.Curve()) != curves.EC {
			_, q := fzSeedKeyOther(tb, spec)
			seeds = append(seeds, fzEdPKCS8Seeds(der, p, q)...)
			continue
		}
		short := p
		short.scalar = p.scalar[1:] // fixedScalar starts with a zero byte
		other := p
		other.curveOID = fzOIDUnknown
		seeds = append(seeds,
			der,
			p.pkcs8(p.ecPrivateKey(true, true)),
			p.pkcs8(p.ecPrivateKey(false, false)),
			p.pkcs8(compressed(p).ecPrivateKey(false, true)),
			p.pkcs8(short.ecPrivateKey(false, true)),
			p.pkcs8(other.ecPrivateKey(true, true)),                                          // [0] names another curve
			seq(integer(0), p.algorithm(), octets(p.ecPrivateKey(false, true)), explicit(0)), // attributes
			seq(integer(1), p.algorithm(), octets(p.ecPrivateKey(false, true))),
			p.ecPrivateKey(true, true), // SEC1 given as PKCS#8
			append(append([]byte(nil), der...), 0),
		)
	}
	return seeds
}

func fzSEC1Seeds(tb testing.TB) [][]byte {
	var seeds [][]byte
	for _, spec := range curves.Specs() {
		k, p := fzSeedKey(tb, spec)
		if curves.TypeOf(k.Curve()) != curves.EC {
			// No SEC1 form: an ECPrivateKey naming the curve anyway.
			seeds = append(seeds, p.ecPrivateKey(true, true), p.ecPrivateKey(true, false))
			continue
		}
		der, err := encoding.MarshalSEC1(k)
		if err != nil {
			tb.Fatal(err)
		}
		short := p
		short.scalar = p.scalar[1:]
		mismatched := p
		_, q := fzSeedKeyOther(tb, spec)
		mismatched.point = q.point
		seeds = append(seeds,
			der,
			p.ecPrivateKey(true, false),
			compressed(p).ecPrivateKey(true, true),
			short.ecPrivateKey(true, true),
			p.ecPrivateKey(false, true), // no curve
			mismatched.ecPrivateKey(true, true),
			p.pkcs8(p.ecPrivateKey(false, true)), // PKCS#8 given as SEC1
			append(append([]byte(nil), der...), 0),
		)
	}
	return seeds
}

// fzEdSPKISeeds are the SPKI seeds of an EdDSA key: der is its canonical
// SPKI.
func fzEdSPKISeeds(der []byte, p keyParts) [][]byte {
	notOnCurve := bytes.Clone(p.point)
	notOnCurve[0] ^= 1 // another y; off the curve about half the time
	unreduced := bytes.Repeat([]byte{0xff}, 32)
	unreduced[0], unreduced[31] = 0xee, 0x7f // y = p+1: the identity, not reduced
	algOID := oid(p.curveOID)
	return [][]byte{
		der,
		seq(seq(algOID, fzNullElement), bitString(0, p.point)),        // parameters present
		seq(seq(oid(oidECPublicKey), algOID), bitString(0, p.point)),  // named as an EC curve
		seq(seq(oid(oidX25519)), bitString(0, p.point)),               // unknown algorithm
		seq(seq(algOID), bitString(0, append([]byte{4}, p.point...))), // SEC 1-style prefix
		seq(seq(algOID), bitString(0, p.point[:31])),                  // short
		seq(seq(algOID), bitString(1, p.point)),                       // unused bits
		seq(seq(algOID), bitString(0, notOnCurve)),                    // other y
		seq(seq(algOID), bitString(0, fzSmallOrderEd25519)),           // small order
		seq(seq(algOID), bitString(0, unreduced)),                     // not canonical
		append(append([]byte(nil), der...), 0),
		der[:len(der)-1],
	}
}

// fzSmallOrderEd25519 is an Ed25519 point of order 8.
var fzSmallOrderEd25519 = []byte{
	0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
	0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
}

// fzEdPKCS8Seeds are the PKCS#8 seeds of an EdDSA key p (der its canonical
// PKCS#8) and another key q of the curve.
func fzEdPKCS8Seeds(der []byte, p, q keyParts) [][]byte {
	algOID := oid(p.curveOID)
	return [][]byte{
		der,
		seq(integer(1), seq(algOID), octets(octets(p.scalar)), edPublicKeyField(p.point)), // v2, consistent
		seq(integer(1), seq(algOID), octets(octets(p.scalar)), edPublicKeyField(q.point)), // v2, another key's
		seq(integer(1), seq(algOID), octets(octets(p.scalar))),                            // v2 without a public key
		seq(integer(0), seq(algOID), octets(octets(p.scalar)), edPublicKeyField(p.point)), // v1 with one
		seq(integer(0), seq(algOID), octets(octets(p.scalar)), explicit(0)),               // attributes
		seq(integer(0), seq(algOID, fzNullElement), octets(octets(p.scalar))),             // parameters
		seq(integer(0), seq(algOID), octets(p.scalar)),                                    // seed not wrapped
		seq(integer(0), seq(algOID), octets(octets(p.scalar[1:]))),                        // short seed
		seq(integer(0), seq(algOID), octets(octets(make([]byte, len(p.scalar))))),         // zero seed
		seq(integer(0), seq(oid(oidECPublicKey), algOID), octets(octets(p.scalar))),       // named as an EC curve
		append(append([]byte(nil), der...), 0),
	}
}

// fzSeedKeyOther is a second fixed key of spec.
func fzSeedKeyOther(tb testing.TB, spec curves.Spec) (*curves.PrivateKey, keyParts) {
	tb.Helper()
	c, err := curves.Lookup(spec)
	if err != nil {
		tb.Fatal(err)
	}
	k, err := c.NewPrivateKey(fixedScalar(c, 11))
	if err != nil {
		tb.Fatal(err)
	}
	return k, partsOf(k)
}

func fzPEMSeeds(tb testing.TB) [][]byte {
	var seeds [][]byte
	for _, spec := range curves.Specs() {
		k, _ := fzSeedKey(tb, spec)
		spki, err1 := encoding.MarshalSPKIPEM(k.PublicKey())
		p8, err2 := encoding.MarshalPKCS8PEM(k)
		if err := errors.Join(err1, err2); err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, spki, p8)
		if curves.TypeOf(k.Curve()) != curves.EC {
			der, _ := encoding.MarshalPKCS8(k)
			seeds = append(seeds, pem.EncodeToMemory(&pem.Block{Type: encoding.PEMTypeSEC1, Bytes: der}))
			continue
		}
		sec1, err := encoding.MarshalSEC1PEM(k)
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, sec1)
		if spec == curves.SM2 {
			der, err := encoding.MarshalSEC1(k)
			if err != nil {
				tb.Fatal(err)
			}
			seeds = append(seeds, pem.EncodeToMemory(&pem.Block{Type: encoding.PEMTypeSEC1SM2, Bytes: der}))
		}
	}
	k, _ := fzSeedKey(tb, curves.P256)
	der, err := encoding.MarshalPKCS8(k)
	if err != nil {
		tb.Fatal(err)
	}
	seeds = append(seeds,
		pem.EncodeToMemory(&pem.Block{Type: encoding.PEMTypePKCS8, Bytes: der, Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}}),
		append(pem.EncodeToMemory(&pem.Block{Type: encoding.PEMTypePKCS8, Bytes: der}), "junk"...),
		pem.EncodeToMemory(&pem.Block{Type: encoding.PEMTypeSEC1SM2, Bytes: der}),
		append([]byte("\r\n\t "), pem.EncodeToMemory(&pem.Block{Type: encoding.PEMTypeSPKI, Bytes: []byte(hex.EncodeToString(der))})...),
		// Regression: pem.Decode skips a broken block and decodes the
		// next; these were once accepted.
		append([]byte("-----BEGIN junk\n"), pem.EncodeToMemory(&pem.Block{Type: encoding.PEMTypePKCS8, Bytes: der})...),
		append([]byte("-----BEGIN PRIVATE KEY-----\nnot base64 !!\n-----END PRIVATE KEY-----\n"), pem.EncodeToMemory(&pem.Block{Type: encoding.PEMTypePKCS8, Bytes: der})...),
	)
	return seeds
}

// TestFuzzReferenceDecoders: the independent decoders the fuzz targets
// compare against do accept the seed keys and agree with them, so the
// comparisons in the targets are not vacuous.
func TestFuzzReferenceDecoders(t *testing.T) {
	refCounts := map[curves.Spec]int{curves.P256: 2, curves.P384: 2, curves.P521: 2, curves.Secp256k1: 0, curves.SM2: 1, curves.Ed25519: 2}
	for _, spec := range specs(t) {
		k, p := fzSeedKey(t, spec)
		if isEC(t, spec) {
			for name, point := range map[string][]byte{"uncompressed": p.point, "compressed": compressed(p).point} {
				got, ok := fzRefPoint(spec, point)
				if assert.True(t, ok, "%s: %s point refused", spec, name) {
					assert.Equal(t, p.point, got, "%s: %s point", spec, name)
				}
			}
		}
		got, ok := fzRefPublicFromScalar(spec, k.Bytes())
		if assert.True(t, ok, "%s: public key from scalar", spec) {
			assert.Equal(t, p.point, got, spec)
		}
		want, ok := refCounts[spec]
		if !ok {
			continue // a curve registered by someone else: no reference
		}
		spki, err := encoding.MarshalSPKI(k.PublicKey())
		require.NoError(t, err)
		n := 0
		for _, ref := range []func([]byte) (any, error){x509.ParsePKIXPublicKey, smx509.ParsePKIXPublicKey} {
			if d, ok := fzDescribeStdPublic(ref(spki)); ok {
				assert.Equal(t, fzDescribePublic(k.PublicKey()), d, spec)
				n++
			}
		}
		assert.Equal(t, want, n, "%s: reference SPKI parsers that accept the key", spec)
		for _, pf := range fzFormats {
			der, err := pf.marshal(k)
			if pf.name == "SEC1" && !isEC(t, spec) {
				assert.ErrorIs(t, err, encoding.ErrUnsupportedAlgorithm)
				continue
			}
			require.NoError(t, err)
			n := 0
			for _, ref := range pf.refs {
				if d, ok := ref(der); ok {
					assert.Equal(t, fzDescribeKey(k), d, "%s %s", spec, pf.name)
					n++
				}
			}
			assert.Equal(t, want, n, "%s: reference %s parsers that accept the key", spec, pf.name)
		}
	}
	// The v2 Ed25519 form is read by crypto/x509 too, to the same key.
	k, p := fzSeedKey(t, curves.Ed25519)
	d, ok := fzDescribePrivate(x509.ParsePKCS8PrivateKey(edPKCS8v2(p.scalar, p.point)))
	assert.True(t, ok)
	assert.Equal(t, fzDescribeKey(k), d)
}
