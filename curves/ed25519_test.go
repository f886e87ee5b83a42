package curves_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
)

// rfc8032Keys are the seeds and public keys of RFC 8032, 7.1 (TEST 1, 2,
// 3, 1024 and SHA(abc)).
var rfc8032Keys = []struct{ seed, pub string }{
	{"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"},
	{"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"},
	{"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7", "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025"},
	{"f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5", "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e"},
	{"833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42", "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf"},
}

func ed25519Curve(t testing.TB) curves.Curve {
	t.Helper()
	c, err := curves.Lookup(curves.Ed25519)
	require.NoError(t, err)
	return c
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

func TestEd25519Registered(t *testing.T) {
	c := ed25519Curve(t)
	assert.Equal(t, curves.Spec("ECC_NIST_EDWARDS25519"), c.Spec(), "AWS KMS's KeyPairSpec name")
	assert.True(t, asn1.ObjectIdentifier{1, 3, 101, 112}.Equal(c.OID()), "id-Ed25519 (RFC 8410)")
	assert.Equal(t, 32, c.ScalarSize())
	assert.Equal(t, curves.EdDSA, curves.TypeOf(c))
	assert.Equal(t, 32, curves.TypeOf(c).PublicKeySize(c.ScalarSize()))
	_, ok := c.(curves.KeyAgreement)
	assert.False(t, ok, "Ed25519 offers no ECDH")
	byOID, err := curves.LookupOID(asn1.ObjectIdentifier{1, 3, 101, 112})
	require.NoError(t, err)
	assert.Same(t, c, byOID)
	assert.Equal(t, curves.Ed25519, curves.Specs()[5], "Ed25519 comes right after Huawei's five")
	assert.Equal(t, "ECC_NIST_EDWARDS25519", fmt.Sprint(c))
}

func TestKeyTypes(t *testing.T) {
	for _, sc := range specCases {
		c := sc.curve(t)
		assert.Equal(t, curves.EC, curves.TypeOf(c), sc.spec)
		assert.Equal(t, 1+2*sc.size, curves.TypeOf(c).PublicKeySize(c.ScalarSize()), sc.spec)
	}
	assert.Equal(t, curves.EC, curves.TypeOf(toy), "a curve without a KeyType method is EC")
	assert.Equal(t, "EC", curves.EC.String())
	assert.Equal(t, "EdDSA", curves.EdDSA.String())
	assert.Equal(t, "KeyType(7)", curves.KeyType(7).String())
}

// oddTypeCurve claims a key type nobody knows.
type oddTypeCurve struct{ toyCurve }

func (oddTypeCurve) KeyType() curves.KeyType { return 7 }

func TestRegisterRefusesUnknownKeyType(t *testing.T) {
	c := &oddTypeCurve{toyCurve{spec: "TEST_ODD_TYPE", oid: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 7}}}
	err := curves.Register(c)
	assert.ErrorContains(t, err, "unknown key type")
	_, err = curves.Lookup("TEST_ODD_TYPE")
	assert.ErrorIs(t, err, curves.ErrUnknownSpec)
}

func TestEd25519RFC8032Keys(t *testing.T) {
	c := ed25519Curve(t)
	for _, v := range rfc8032Keys {
		seed, pub := unhex(t, v.seed), unhex(t, v.pub)
		k, err := c.NewPrivateKey(seed)
		require.NoError(t, err)
		assert.Equal(t, seed, k.Bytes())
		assert.Equal(t, pub, k.PublicKey().Bytes(), "public key of seed %s", v.seed[:8])
		p, err := c.NewPublicKey(pub)
		require.NoError(t, err)
		assert.True(t, p.Equal(k.PublicKey()))
	}
}

func TestEd25519GenerateKey(t *testing.T) {
	c := ed25519Curve(t)
	k, err := c.GenerateKey()
	require.NoError(t, err)
	seed, pub := k.Bytes(), k.PublicKey().Bytes()
	require.Len(t, seed, 32)
	require.Len(t, pub, 32)
	assert.Same(t, c, k.Curve())
	assert.Same(t, c, k.PublicKey().Curve())
	std := ed25519.NewKeyFromSeed(seed)
	assert.Equal(t, []byte(std.Public().(ed25519.PublicKey)), pub, "crypto/ed25519 derives the same public key")
	sig := ed25519.Sign(std, []byte("message"))
	assert.True(t, ed25519.Verify(pub, []byte("message"), sig), "the key pair signs and verifies")
	assert.Equal(t, seed, k.AppendScalar(nil))
	assert.Equal(t, append([]byte{9}, pub...), k.PublicKey().AppendPoint([]byte{9}))

	again, err := c.NewPrivateKey(seed)
	require.NoError(t, err)
	assert.True(t, again.Equal(k))
	assert.True(t, again.PublicKey().Equal(k.PublicKey()))
	p, err := c.NewPublicKey(pub)
	require.NoError(t, err)
	assert.True(t, p.Equal(k.PublicKey()), "a generated public key is accepted")

	other, err := c.GenerateKey()
	require.NoError(t, err)
	assert.False(t, other.Equal(k))
	assert.False(t, other.PublicKey().Equal(k.PublicKey()))

	// Appending to the seed or the public key never writes into the other.
	s := k.AppendScalar(k.Bytes()[:0])
	assert.Equal(t, seed, s)
	assert.Equal(t, pub, k.PublicKey().Bytes())
}

// TestEd25519DiffersFromOtherCurves: a seed that is also a valid scalar of
// a 32-byte EC curve is another key there.
func TestEd25519DiffersFromOtherCurves(t *testing.T) {
	seed := make([]byte, 32)
	seed[31] = 7
	ed, err := ed25519Curve(t).NewPrivateKey(seed)
	require.NoError(t, err)
	for _, s := range []curves.Spec{curves.P256, curves.Secp256k1, curves.SM2} {
		c, err := curves.Lookup(s)
		require.NoError(t, err)
		k, err := c.NewPrivateKey(seed)
		require.NoError(t, err)
		assert.False(t, ed.Equal(k), s)
		assert.False(t, k.Equal(ed), s)
		assert.False(t, ed.PublicKey().Equal(k.PublicKey()), s)
	}
}

func TestEd25519NewPrivateKey(t *testing.T) {
	c := ed25519Curve(t)
	seed := unhex(t, rfc8032Keys[0].seed)
	for _, tc := range []struct {
		name string
		seed []byte
	}{
		{"all zeros (what Destroy leaves)", make([]byte, 32)},
		{"short", seed[1:]},
		{"long", append(bytes.Clone(seed), 0)},
		{"64-byte crypto/ed25519 private key", ed25519.NewKeyFromSeed(seed)},
		{"empty", []byte{}},
		{"nil", nil},
	} {
		k, err := c.NewPrivateKey(tc.seed)
		assert.ErrorIs(t, err, curves.ErrInvalidPrivateKey, tc.name)
		assert.Nil(t, k, tc.name)
		if err != nil && len(tc.seed) >= 8 {
			assert.NotContains(t, err.Error(), hex.EncodeToString(tc.seed[:8]), "%s: error leaks the seed", tc.name)
		}
	}
	// Every other seed is a key, all-0xff and a single 1 bit included.
	for _, s := range [][]byte{bytes.Repeat([]byte{0xff}, 32), append(make([]byte, 31), 1)} {
		_, err := c.NewPrivateKey(s)
		assert.NoError(t, err, "%x", s)
	}
	// The input is copied.
	in := bytes.Clone(seed)
	k, err := c.NewPrivateKey(in)
	require.NoError(t, err)
	in[0] ^= 1
	assert.Equal(t, seed, k.Bytes())
}

func TestEd25519DestroyAndRedact(t *testing.T) {
	k, err := ed25519Curve(t).GenerateKey()
	require.NoError(t, err)
	seed, pub := k.Bytes(), k.PublicKey().Bytes()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q"} {
		out := fmt.Sprintf(verb, k)
		assert.Contains(t, out, "REDACTED", verb)
		assert.NotContains(t, strings.ToLower(out), hex.EncodeToString(seed), verb)
		assert.Contains(t, out, string(curves.Ed25519), verb)
	}
	k.Destroy()
	assert.Equal(t, make([]byte, 32), k.Bytes())
	assert.Equal(t, pub, k.PublicKey().Bytes(), "the public key stays")
}

// Small-order points, canonically encoded: the identity, the point of
// order 2, the two of order 4 and the four of order 8.
var ed25519SmallOrder = []string{
	"0100000000000000000000000000000000000000000000000000000000000000",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0000000000000000000000000000000000000000000000000000000000000080",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
}

func TestEd25519NewPublicKeyRejects(t *testing.T) {
	c := ed25519Curve(t)
	valid := unhex(t, rfc8032Keys[0].pub)
	// unreduced encodes p+d, one of the 19 values in [p, 2^255) that stand
	// for y = d.
	unreduced := func(d byte, sign bool) []byte {
		b := unhex(t, "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f") // p
		b[0] += d
		if sign {
			b[31] |= 0x80
		}
		return b
	}
	cases := []struct {
		name, want string
		point      []byte
	}{
		{"y = p (y = 0 unreduced)", "not canonical", unreduced(0, false)},
		{"y = p+1 (the identity unreduced)", "not canonical", unreduced(1, false)},
		{"y = p+1 with the sign bit", "not canonical", unreduced(1, true)},
		{"y = 2^255-1", "not canonical", bytes.Repeat([]byte{0xff}, 32)},
		{"y = 1 with the sign bit (x = 0)", "not canonical", unhex(t, "0100000000000000000000000000000000000000000000000000000000000080")},
		{"y = -1 with the sign bit (x = 0)", "not canonical", unhex(t, "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")},
		{"y = 2: not on the curve", "not on the curve", unhex(t, "0200000000000000000000000000000000000000000000000000000000000000")},
		{"31 bytes", "must be 32 bytes", valid[:31]},
		{"33 bytes", "must be 32 bytes", append(bytes.Clone(valid), 0)},
		{"SEC1-style 0x04 prefix", "must be 32 bytes", append([]byte{4}, valid...)},
		{"empty", "must be 32 bytes", []byte{}},
		{"nil", "must be 32 bytes", nil},
	}
	for i, h := range ed25519SmallOrder {
		want := "not in the prime-order subgroup"
		if i == 0 {
			want = "identity"
		}
		cases = append(cases, struct {
			name, want string
			point      []byte
		}{fmt.Sprintf("small-order point %d", i), want, unhex(t, h)})
	}
	for _, tc := range cases {
		pub, err := c.NewPublicKey(tc.point)
		assert.ErrorIs(t, err, curves.ErrInvalidPublicKey, tc.name)
		assert.ErrorContains(t, err, tc.want, tc.name)
		assert.Nil(t, pub, tc.name)
	}
	// The negation of a valid key (sign bit flipped) is a valid point too.
	neg := bytes.Clone(valid)
	neg[31] ^= 0x80
	_, err := c.NewPublicKey(neg)
	assert.NoError(t, err)
	// The input is copied.
	in := bytes.Clone(valid)
	pub, err := c.NewPublicKey(in)
	require.NoError(t, err)
	in[0] ^= 1
	assert.Equal(t, valid, pub.Bytes())
}

// TestEd25519PublicKeysOfSeedsAccepted: NewPublicKey accepts the public key
// of every seed (here, many), so the subgroup check refuses nothing a seed
// can give.
func TestEd25519PublicKeysOfSeedsAccepted(t *testing.T) {
	c := ed25519Curve(t)
	for i := range 64 {
		seed := bytes.Repeat([]byte{byte(i)}, 32)
		seed[0] = 0x80 | byte(i)
		pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
		_, err := c.NewPublicKey(pub)
		assert.NoError(t, err, "public key of seed %d", i)
	}
}
