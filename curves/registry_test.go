package curves_test

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/asn1"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
)

// toyCurve is a test-only Curve registered by an "embedding KMS": P-256 math
// from crypto/ecdh under a spec and a private-arc OID of its own, built with
// the Unchecked constructors as the package documents.
type toyCurve struct {
	spec curves.Spec
	oid  asn1.ObjectIdentifier
}

const toySpec curves.Spec = "TEST_TOY_P256"

var toyOID = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}

func (c *toyCurve) Spec() curves.Spec          { return c.spec }
func (c *toyCurve) OID() asn1.ObjectIdentifier { return c.oid }
func (c *toyCurve) ScalarSize() int            { return 32 }

func (c *toyCurve) GenerateKey() (*curves.PrivateKey, error) {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return curves.UncheckedPrivateKey(c, k.Bytes(), k.PublicKey().Bytes()), nil
}

func (c *toyCurve) NewPrivateKey(scalar []byte) (*curves.PrivateKey, error) {
	k, err := ecdh.P256().NewPrivateKey(scalar)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", curves.ErrInvalidPrivateKey, c.spec)
	}
	return curves.UncheckedPrivateKey(c, k.Bytes(), k.PublicKey().Bytes()), nil
}

func (c *toyCurve) NewPublicKey(point []byte) (*curves.PublicKey, error) {
	k, err := ecdh.P256().NewPublicKey(point)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", curves.ErrInvalidPublicKey, c.spec)
	}
	return curves.UncheckedPublicKey(c, k.Bytes()), nil
}

var (
	toy         = &toyCurve{spec: toySpec, oid: toyOID}
	toyOnce     sync.Once
	toyRegister error
)

// registerToy registers the toy curve once per test binary: the registry is
// global, so -count=N must not register it again.
func registerToy(t *testing.T) {
	t.Helper()
	toyOnce.Do(func() { toyRegister = curves.Register(toy) })
	require.NoError(t, toyRegister)
}

func TestLookup(t *testing.T) {
	for _, sc := range specCases {
		t.Run(string(sc.spec), func(t *testing.T) {
			c, err := curves.Lookup(sc.spec)
			require.NoError(t, err)
			assert.Equal(t, sc.spec, c.Spec())
			assert.True(t, sc.oid.Equal(c.OID()), "OID %s, want %s", c.OID(), sc.oid)
			assert.Equal(t, sc.size, c.ScalarSize())
			_, ok := c.(curves.KeyAgreement)
			assert.True(t, ok, "built-in curves offer ECDH")

			byOID, err := curves.LookupOID(sc.oid)
			require.NoError(t, err)
			assert.Same(t, c, byOID)
		})
	}
}

func TestLookupUnknown(t *testing.T) {
	for _, s := range []curves.Spec{"", "ECC_NIST_P192", "ecc_nist_p256", "ECC_NIST_P256 ", "SM2P256V1"} {
		c, err := curves.Lookup(s)
		assert.ErrorIs(t, err, curves.ErrUnknownSpec, "%q", s)
		assert.Nil(t, c)
	}
	for _, oid := range []asn1.ObjectIdentifier{nil, {1, 2, 840, 10045, 3, 1, 1}, {1, 3, 132, 0}, {1, 2, 156, 10197, 1, 301, 1}} {
		c, err := curves.LookupOID(oid)
		assert.ErrorIs(t, err, curves.ErrUnknownOID, "%s", oid)
		assert.Nil(t, c)
	}
}

func TestSpecsOrder(t *testing.T) {
	specs := curves.Specs()
	require.GreaterOrEqual(t, len(specs), 5)
	assert.Equal(t, []curves.Spec{curves.P256, curves.P384, curves.P521, curves.Secp256k1, curves.SM2}, specs[:5],
		"built-in specs come first, in this order")
	specs[0] = "MUTATED"
	assert.Equal(t, curves.P256, curves.Specs()[0], "Specs returns a copy")
}

func TestRegisterToyCurve(t *testing.T) {
	registerToy(t)

	c, err := curves.Lookup(toySpec)
	require.NoError(t, err)
	assert.Same(t, toy, c)
	byOID, err := curves.LookupOID(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1})
	require.NoError(t, err)
	assert.Same(t, toy, byOID)
	specs := curves.Specs()
	assert.Contains(t, specs[5:], toySpec, "registered specs come after the built-in ones")

	// The registered curve is usable like a built-in one.
	k, err := c.GenerateKey()
	require.NoError(t, err)
	assert.Same(t, toy, k.Curve())
	pub, err := c.NewPublicKey(k.PublicKey().Bytes())
	require.NoError(t, err)
	assert.True(t, pub.Equal(k.PublicKey()))
	p256, err := curves.Lookup(curves.P256)
	require.NoError(t, err)
	same, err := p256.NewPrivateKey(k.Bytes())
	require.NoError(t, err)
	assert.Equal(t, same.PublicKey().Bytes(), k.PublicKey().Bytes(), "same math as P-256")
	assert.False(t, same.Equal(k), "but keys of another spec are not Equal")
}

func TestRegisterDuplicate(t *testing.T) {
	registerToy(t)
	p256, err := curves.Lookup(curves.P256)
	require.NoError(t, err)

	cases := []struct {
		name  string
		curve curves.Curve
		spec  curves.Spec
		owner curves.Curve // what Lookup(spec) returns after; nil: unknown
	}{
		{"same curve again", toy, toySpec, toy},
		{"toy spec, new OID", &toyCurve{spec: toySpec, oid: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 2}}, toySpec, toy},
		{"new spec, toy OID", &toyCurve{spec: "TEST_TOY_OTHER", oid: toyOID}, "TEST_TOY_OTHER", nil},
		{"built-in spec", &toyCurve{spec: curves.P256, oid: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 3}}, curves.P256, p256},
		{"built-in OID", &toyCurve{spec: "TEST_TOY_P256_OID", oid: p256.OID()}, "TEST_TOY_P256_OID", nil},
		{"built-in curve", p256, curves.P256, p256},
	}
	for _, tc := range cases {
		before := curves.Specs()
		err := curves.Register(tc.curve)
		assert.ErrorIs(t, err, curves.ErrDuplicate, tc.name)
		assert.Equal(t, before, curves.Specs(), "%s: a refused curve is not listed", tc.name)
		got, err := curves.Lookup(tc.spec)
		if tc.owner == nil {
			assert.ErrorIs(t, err, curves.ErrUnknownSpec, "%s: no partial registration", tc.name)
			continue
		}
		require.NoError(t, err)
		assert.Same(t, tc.owner, got, "%s: the first registration stays", tc.name)
	}
	// The OIDs still resolve to their first owners.
	got, err := curves.LookupOID(toyOID)
	require.NoError(t, err)
	assert.Same(t, toy, got)
	got, err = curves.LookupOID(p256.OID())
	require.NoError(t, err)
	assert.Same(t, p256, got)
}

func TestRegisterIncomplete(t *testing.T) {
	cases := map[string]curves.Curve{
		"nil":        nil,
		"empty spec": &toyCurve{spec: "", oid: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 4}},
		"empty OID":  &toyCurve{spec: "TEST_TOY_NO_OID"},
	}
	for name, c := range cases {
		err := curves.Register(c)
		assert.Error(t, err, name)
		assert.False(t, errors.Is(err, curves.ErrDuplicate), "%s is not a duplicate", name)
	}
	_, err := curves.Lookup("TEST_TOY_NO_OID")
	assert.ErrorIs(t, err, curves.ErrUnknownSpec)
}
