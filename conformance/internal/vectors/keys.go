package vectors

import (
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"math/big"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/emmansun/gmsm/sm2"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
)

// Specs are the EC key specs the vectors cover, in file order: every file
// has vectors of each. Ed25519 follows them in keys.json and
// decode_negatives.json (see ed25519.go).
var Specs = []curves.Spec{curves.P256, curves.P384, curves.P521, curves.Secp256k1, curves.SM2}

// Order returns the order n of a spec's base point, as the reference
// implementations publish it (crypto/elliptic, dcrd, gmsm), not from
// package curves: genKeys checks curves against it.
func Order(spec curves.Spec) *big.Int {
	switch spec {
	case curves.P256:
		return elliptic.P256().Params().N
	case curves.P384:
		return elliptic.P384().Params().N
	case curves.P521:
		return elliptic.P521().Params().N
	case curves.Secp256k1:
		return secp256k1.Params().N
	case curves.SM2:
		return sm2.P256().Params().N
	}
	return nil
}

// MaxScalar is the largest valid private scalar of a spec: n-1, or n-2 for
// SM2 (GB/T 32918.1 keeps d+1 invertible).
func MaxScalar(spec curves.Spec) *big.Int {
	m := new(big.Int).Sub(Order(spec), big.NewInt(1))
	if spec == curves.SM2 {
		m.Sub(m, big.NewInt(1))
	}
	return m
}

// scalarBytes writes n big-endian in the spec's scalar size.
func scalarBytes(c curves.Curve, n *big.Int) []byte {
	return n.FillBytes(make([]byte, c.ScalarSize()))
}

// derivedScalar is 1 + (H(label) mod MaxScalar): a scalar in [1, max].
func derivedScalar(spec curves.Spec, sum []byte) *big.Int {
	d := new(big.Int).SetBytes(sum)
	d.Mod(d, MaxScalar(spec))
	return d.Add(d, big.NewInt(1))
}

// keyInput is one fixed scalar of keys.json.
type keyInput struct {
	name    string
	comment string
	scalar  func(spec curves.Spec) *big.Int
}

func sha256Label(label string) []byte { s := sha256.Sum256([]byte(label)); return s[:] }
func sha512Label(label string) []byte { s := sha512.Sum512([]byte(label)); return s[:] }

// keyInputs are the scalars every spec gets, in file order.
var keyInputs = []keyInput{
	{"one", "scalar 1: the public key is the base point", func(curves.Spec) *big.Int { return big.NewInt(1) }},
	{"two", "scalar 2", func(curves.Spec) *big.Int { return big.NewInt(2) }},
	{"max", "the largest valid scalar (n-1; n-2 for SM2)", MaxScalar},
	{"sha256", "1 + (SHA-256(\"ecdkp/conformance/keys/<spec>/a\") mod max)", func(s curves.Spec) *big.Int {
		return derivedScalar(s, sha256Label("ecdkp/conformance/keys/"+string(s)+"/a"))
	}},
	{"sha512", "1 + (SHA-512(\"ecdkp/conformance/keys/<spec>/b\") mod max)", func(s curves.Spec) *big.Int {
		return derivedScalar(s, sha512Label("ecdkp/conformance/keys/"+string(s)+"/b"))
	}},
	{"sha512c", "1 + (SHA-512(\"ecdkp/conformance/keys/<spec>/c\") mod max)", func(s curves.Spec) *big.Int {
		return derivedScalar(s, sha512Label("ecdkp/conformance/keys/"+string(s)+"/c"))
	}},
}

// fixedKey is a generated key with its keys.json id.
type fixedKey struct {
	id   int
	priv *curves.PrivateKey
	vec  Key
}

// keySet is keys.json while it is built; other files refer to its keys.
type keySet struct {
	vectors []Key
	byName  map[curves.Spec]map[string]*fixedKey
}

func (ks *keySet) get(spec curves.Spec, name string) *fixedKey { return ks.byName[spec][name] }

// genKeys builds keys.json, checking the order constants on the way: the
// largest scalar must be accepted and the next one refused.
func genKeys() (*keySet, error) {
	ks := &keySet{byName: map[curves.Spec]map[string]*fixedKey{}}
	for _, spec := range Specs {
		c, err := curves.Lookup(spec)
		if err != nil {
			return nil, err
		}
		above := new(big.Int).Add(MaxScalar(spec), big.NewInt(1))
		if _, err := c.NewPrivateKey(scalarBytes(c, above)); err == nil {
			return nil, fmt.Errorf("vectors: %s accepts scalar max+1; the order constant is wrong", spec)
		}
		ks.byName[spec] = map[string]*fixedKey{}
		for _, in := range keyInputs {
			scalar := scalarBytes(c, in.scalar(spec))
			priv, err := c.NewPrivateKey(scalar)
			if err != nil {
				return nil, fmt.Errorf("vectors: %s scalar %s: %w", spec, in.name, err)
			}
			spki, err := encoding.MarshalSPKI(priv.PublicKey())
			if err != nil {
				return nil, err
			}
			p8, err := encoding.MarshalPKCS8(priv)
			if err != nil {
				return nil, err
			}
			sec1, err := encoding.MarshalSEC1(priv)
			if err != nil {
				return nil, err
			}
			v := Key{
				ID:          len(ks.vectors) + 1,
				Comment:     fmt.Sprintf("%s: %s", spec, in.comment),
				KeySpec:     string(spec),
				Scalar:      scalar,
				PublicPoint: priv.PublicKey().Bytes(),
				SPKI:        spki,
				PKCS8:       p8,
				SEC1:        sec1,
			}
			ks.vectors = append(ks.vectors, v)
			ks.byName[spec][in.name] = &fixedKey{id: v.ID, priv: priv, vec: v}
		}
	}
	if err := genEdKeys(ks); err != nil {
		return nil, err
	}
	return ks, nil
}
