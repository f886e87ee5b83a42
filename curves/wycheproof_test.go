package curves_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/internal/wycheproof"
)

// wycheproofScalar turns a vector's private key, a hex integer that may
// carry a leading 00 (or be shorter), into a ScalarSize-byte scalar.
func wycheproofScalar(t *testing.T, h string, size int) []byte {
	t.Helper()
	v, ok := new(big.Int).SetString(h, 16)
	require.True(t, ok, "private key %q is not hex", h)
	require.LessOrEqual(t, v.BitLen(), 8*size, "private key wider than the curve")
	return v.FillBytes(make([]byte, size))
}

// wycheproofECDH runs one vector: the point through NewPublicKey, and where
// it is accepted, ECDH through KeyAgreement against the expected secret.
func wycheproofECDH(t *testing.T, c curves.Curve, tc *wycheproof.Test, point []byte, counts map[string]int) {
	t.Helper()
	pub, err := c.NewPublicKey(point)
	switch tc.Result {
	case "invalid":
		assert.ErrorIs(t, err, curves.ErrInvalidPublicKey, "tcId %d (%s) must be rejected", tc.TcID, tc.Comment)
		assert.Nil(t, pub)
		counts["invalid rejected"]++
		return
	case "acceptable":
		// Compressed points are accepted by this package. Other
		// "acceptable" vectors are about the DER around the point (such
		// as a modified last byte), which may leave it off the curve.
		if err != nil {
			assert.False(t, tc.HasFlag("CompressedPublic"), "tcId %d (%s): compressed points are accepted: %v", tc.TcID, tc.Comment, err)
			assert.ErrorIs(t, err, curves.ErrInvalidPublicKey)
			counts["acceptable rejected"]++
			return
		}
	case "valid":
		if !assert.NoError(t, err, "tcId %d (%s) must be accepted", tc.TcID, tc.Comment) {
			return
		}
	default:
		t.Fatalf("tcId %d: unknown result %q", tc.TcID, tc.Result)
	}
	priv, err := c.NewPrivateKey(wycheproofScalar(t, tc.Private, c.ScalarSize()))
	require.NoError(t, err, "tcId %d private key", tc.TcID)
	ka, ok := c.(curves.KeyAgreement)
	require.True(t, ok, "%s offers ECDH", c.Spec())
	shared, err := ka.ECDH(priv, pub)
	if assert.NoError(t, err, "tcId %d ECDH", tc.TcID) {
		assert.Equal(t, hex.EncodeToString(tc.Shared), hex.EncodeToString(shared), "tcId %d (%s) shared secret", tc.TcID, tc.Comment)
	}
	counts[tc.Result+" agreed"]++
}

func TestWycheproofECDHPoints(t *testing.T) {
	files := []struct {
		file string
		spec curves.Spec
	}{
		{"ecdh_secp256r1_ecpoint_test.json", curves.P256},
		{"ecdh_secp384r1_ecpoint_test.json", curves.P384},
		{"ecdh_secp521r1_ecpoint_test.json", curves.P521},
	}
	for _, f := range files {
		t.Run(string(f.spec), func(t *testing.T) {
			vectors := wycheproof.Load(t, f.file)
			c, err := curves.Lookup(f.spec)
			require.NoError(t, err)
			counts := map[string]int{}
			for _, g := range vectors.TestGroups {
				require.Equal(t, "ecpoint", g.Encoding)
				for i := range g.Tests {
					tc := &g.Tests[i]
					point, err := hex.DecodeString(tc.Public)
					require.NoError(t, err)
					wycheproofECDH(t, c, tc, point, counts)
				}
			}
			t.Logf("%s: %v", f.file, counts)
			assert.Equal(t, vectors.Count(), counts["valid agreed"]+counts["acceptable agreed"]+counts["invalid rejected"],
				"every vector ran, and no acceptable one was rejected")
			assert.Equal(t, vectors.NumberOfTests, vectors.Count())
			assert.Greater(t, counts["valid agreed"], 100)
			assert.Positive(t, counts["acceptable agreed"], "compressed point vectors")
			assert.GreaterOrEqual(t, counts["invalid rejected"], 18)
		})
	}
}

// TestWycheproofECDHSecp256k1 runs the secp256k1 ECDH vectors whose public
// key is a plain named-curve SubjectPublicKeyInfo: the fixed DER header is
// stripped and the point goes through NewPublicKey. Vectors about other DER
// (bad ASN.1, explicit parameters) test an encoder, not this package, and
// are counted as skipped.
func TestWycheproofECDHSecp256k1(t *testing.T) {
	vectors := wycheproof.Load(t, "ecdh_secp256k1_test.json")
	c, err := curves.Lookup(curves.Secp256k1)
	require.NoError(t, err)
	// SEQUENCE { SEQUENCE { id-ecPublicKey, secp256k1 }, BIT STRING 00 ... }
	headers := [][]byte{
		mustHex(t, "3056301006072a8648ce3d020106052b8104000a034200"), // 65-byte point
		mustHex(t, "3036301006072a8648ce3d020106052b8104000a032200"), // 33-byte point
	}
	counts := map[string]int{}
	for _, g := range vectors.TestGroups {
		for i := range g.Tests {
			tc := &g.Tests[i]
			der, err := hex.DecodeString(tc.Public)
			require.NoError(t, err)
			var point []byte
			for _, h := range headers {
				if bytes.HasPrefix(der, h) && len(der) == len(h)+int(h[len(h)-2])-1 {
					point = der[len(h):]
				}
			}
			if point == nil {
				counts["skipped (not a plain SPKI)"]++
				continue
			}
			wycheproofECDH(t, c, tc, point, counts)
		}
	}
	t.Logf("ecdh_secp256k1_test.json: %v", counts)
	assert.Equal(t, vectors.Count(), counts["valid agreed"]+counts["acceptable agreed"]+counts["acceptable rejected"]+
		counts["invalid rejected"]+counts["skipped (not a plain SPKI)"], "every vector counted")
	assert.Equal(t, 473, counts["valid agreed"], "every valid vector uses a plain SPKI")
	assert.Positive(t, counts["acceptable agreed"], "compressed point vector")
	assert.GreaterOrEqual(t, counts["invalid rejected"], 16, "invalid-curve points")
}

// TestWycheproofSecp256k1PublicKeys feeds the uncompressed public keys of the
// secp256k1 ECDSA vectors (one per group) to NewPublicKey.
func TestWycheproofSecp256k1PublicKeys(t *testing.T) {
	vectors := wycheproof.Load(t, "ecdsa_secp256k1_sha256_test.json")
	c, err := curves.Lookup(curves.Secp256k1)
	require.NoError(t, err)
	ran := 0
	for _, g := range vectors.TestGroups {
		var key struct {
			Curve        string `json:"curve"`
			Uncompressed string `json:"uncompressed"`
		}
		require.NoError(t, json.Unmarshal(g.PublicKey, &key))
		require.Equal(t, "secp256k1", key.Curve)
		point, err := hex.DecodeString(key.Uncompressed)
		require.NoError(t, err)
		pub, err := c.NewPublicKey(point)
		if !assert.NoError(t, err, "public key %s", key.Uncompressed) {
			continue
		}
		assert.Equal(t, point, pub.Bytes())
		compressed := append([]byte{2 | point[len(point)-1]&1}, point[1:33]...)
		again, err := c.NewPublicKey(compressed)
		if assert.NoError(t, err) {
			assert.True(t, again.Equal(pub), "compressed form decodes to the same key")
		}
		ran++
	}
	assert.Equal(t, len(vectors.TestGroups), ran)
	assert.Greater(t, ran, 10)
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}
