package encoding_test

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"testing"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/internal/wycheproof"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var errorClasses = []error{
	encoding.ErrMalformed, encoding.ErrUnknownCurve, encoding.ErrExplicitParameters,
	encoding.ErrUnsupportedAlgorithm, encoding.ErrKeyMismatch, encoding.ErrInvalidKey,
}

// assertClassified checks err wraps exactly one of the package's classes.
func assertClassified(t *testing.T, err error, msgAndArgs ...any) {
	t.Helper()
	n := 0
	for _, class := range errorClasses {
		if errors.Is(err, class) {
			n++
		}
	}
	assert.Equal(t, 1, n, append([]any{"error %q is not in exactly one class", err}, msgAndArgs...)...)
}

// ecdhStats records what the parser did with one vector file.
type ecdhStats struct {
	run                          int
	valid, validAccepted         int
	invalid, invalidRejected     int
	invalidOtherCurve            int // parsed fine, but as another registered curve
	acceptable, acceptedAccepted int
	explicitParams               int
}

func (s ecdhStats) String() string {
	return fmt.Sprintf("%d vectors: valid %d/%d accepted; invalid %d: %d rejected, %d parsed as another registered curve; "+
		"acceptable %d: %d accepted, %d rejected (%d of them explicit parameters)",
		s.run, s.validAccepted, s.valid, s.invalid, s.invalidRejected, s.invalidOtherCurve,
		s.acceptable, s.acceptedAccepted, s.acceptable-s.acceptedAccepted, s.explicitParams)
}

// checkECDHVector applies the Wycheproof verdict to our parse of the public
// key (pub, err) and, where we accepted it, checks ECDH with the vector's
// private key against its shared secret.
func checkECDHVector(t *testing.T, c curves.Curve, tc *wycheproof.Test, priv func() *curves.PrivateKey,
	pub *curves.PublicKey, err error, st *ecdhStats) {
	t.Helper()
	id := fmt.Sprintf("tcId %d (%s) %v", tc.TcID, tc.Comment, tc.Flags)
	st.run++
	if err != nil {
		assert.Nil(t, pub, id)
		assertClassified(t, err, id)
		if errors.Is(err, encoding.ErrExplicitParameters) {
			st.explicitParams++
		}
	}
	accepted := err == nil && pub.Curve().Spec() == c.Spec()
	switch tc.Result {
	case "valid":
		st.valid++
		if !assert.True(t, accepted, "%s: valid key rejected: %v", id, err) {
			return
		}
		st.validAccepted++
	case "invalid":
		st.invalid++
		assert.False(t, accepted, "%s: invalid key accepted", id)
		if err == nil && !accepted {
			st.invalidOtherCurve++
			// A valid key of a curve we also support: a caller doing ECDH
			// on c must (and curves.ECDH does) refuse it.
			assert.True(t, tc.HasFlag("WrongCurve") || tc.HasFlag("ModifiedGroup"), "%s: parsed as %s", id, pub.Curve().Spec())
			_, ecdhErr := c.(curves.KeyAgreement).ECDH(priv(), pub)
			assert.Error(t, ecdhErr, "%s: ECDH across curves", id)
		} else if !accepted {
			st.invalidRejected++
		}
		return
	case "acceptable":
		st.acceptable++
		// What we do with "acceptable" keys, pinned: strict DER, named
		// curves only, compressed points accepted.
		switch {
		case tc.HasFlag("InvalidAsn") || tc.HasFlag("InvalidPem"):
			assert.False(t, accepted, "%s: non-canonical encoding accepted", id)
		case tc.HasFlag("UnnamedCurve"):
			assert.ErrorIs(t, err, encoding.ErrExplicitParameters, id)
		case tc.HasFlag("CompressedPublic"):
			assert.True(t, accepted, "%s: compressed point rejected: %v", id, err)
		}
		if !accepted {
			return
		}
		st.acceptedAccepted++
	default:
		t.Fatalf("%s: unknown result %q", id, tc.Result)
	}
	k := priv()
	if k == nil {
		return
	}
	shared, err := c.(curves.KeyAgreement).ECDH(k, pub)
	if assert.NoError(t, err, id) {
		assert.Equal(t, []byte(tc.Shared), shared, "%s: shared secret", id)
	}
}

// scalarFromHex turns a Wycheproof private key (a hex integer, maybe with a
// sign byte or without leading zeros) into a ScalarSize-byte key.
func scalarFromHex(t *testing.T, c curves.Curve, s string) *curves.PrivateKey {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	n := new(big.Int).SetBytes(b)
	require.LessOrEqual(t, (n.BitLen()+7)/8, c.ScalarSize(), "private key longer than the scalar")
	k, err := c.NewPrivateKey(n.FillBytes(make([]byte, c.ScalarSize())))
	require.NoError(t, err)
	return k
}

func TestWycheproofECDHSPKI(t *testing.T) {
	for _, v := range []struct {
		file string
		spec curves.Spec
	}{
		{"ecdh_secp256r1_test.json", curves.P256},
		{"ecdh_secp384r1_test.json", curves.P384},
		{"ecdh_secp521r1_test.json", curves.P521},
		{"ecdh_secp256k1_test.json", curves.Secp256k1},
	} {
		t.Run(v.file, func(t *testing.T) {
			f := wycheproof.Load(t, v.file)
			c := lookup(t, v.spec)
			var st ecdhStats
			keys := map[string]*curves.PrivateKey{} // files reuse a few dozen keys
			for _, g := range f.TestGroups {
				require.Equal(t, "asn", g.Encoding)
				for i := range g.Tests {
					tc := &g.Tests[i]
					der, err := hex.DecodeString(tc.Public)
					require.NoError(t, err)
					pub, err := encoding.ParseSPKI(der)
					priv := func() *curves.PrivateKey {
						if keys[tc.Private] == nil {
							keys[tc.Private] = scalarFromHex(t, c, tc.Private)
						}
						return keys[tc.Private]
					}
					checkECDHVector(t, c, tc, priv, pub, err, &st)
				}
			}
			assert.Equal(t, f.NumberOfTests, st.run, "vectors run")
			assert.Equal(t, f.Count(), st.run, "vectors run")
			assert.Equal(t, st.valid, st.validAccepted)
			t.Log(st)
		})
	}
}

func TestWycheproofECDHPEM(t *testing.T) {
	for _, v := range []struct {
		file string
		spec curves.Spec
	}{
		{"ecdh_secp256r1_pem_test.json", curves.P256},
		{"ecdh_secp384r1_pem_test.json", curves.P384},
		{"ecdh_secp521r1_pem_test.json", curves.P521},
	} {
		t.Run(v.file, func(t *testing.T) {
			f := wycheproof.Load(t, v.file)
			c := lookup(t, v.spec)
			var st ecdhStats
			privates := 0 // vectors whose private key parsed
			parsed := map[string]*curves.PrivateKey{}
			for _, g := range f.TestGroups {
				require.Equal(t, "pem", g.Encoding)
				for i := range g.Tests {
					tc := &g.Tests[i]
					// Every vector's private key is PKCS#8 whose ECPrivateKey
					// has no [1]: we compute the public key. Files reuse a few
					// dozen keys; each distinct PEM is parsed once.
					k, seen := parsed[tc.Private]
					if !seen {
						var err error
						k, err = encoding.ParsePKCS8PEM([]byte(tc.Private))
						assert.NoError(t, err, "tcId %d private key", tc.TcID)
						parsed[tc.Private] = k
					}
					if k != nil {
						assert.Equal(t, c.Spec(), k.Curve().Spec())
						privates++
					}
					priv := func() *curves.PrivateKey { return k }
					pub, err := encoding.ParseSPKIPEM([]byte(tc.Public))
					checkECDHVector(t, c, tc, priv, pub, err, &st)
				}
			}
			assert.Equal(t, f.NumberOfTests, st.run, "vectors run")
			assert.Equal(t, f.Count(), st.run, "vectors run")
			assert.Equal(t, st.run, privates, "private keys parsed")
			t.Logf("%v; %d distinct private keys", st, len(parsed))
		})
	}
}
