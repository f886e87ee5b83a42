package curves_test

import (
	"bytes"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
)

// TestNewPublicKeyCompressed decompresses points of both parities: G and -G
// (which always differ in parity), and a generated key.
func TestNewPublicKeyCompressed(t *testing.T) {
	for _, sc := range specCases {
		t.Run(string(sc.spec), func(t *testing.T) {
			c := sc.curve(t)
			k, err := c.GenerateKey()
			require.NoError(t, err)
			g := sc.generator(t)
			parities := map[byte]int{}
			for _, point := range [][]byte{g, sc.negate(g), k.PublicKey().Bytes(), sc.negate(k.PublicKey().Bytes())} {
				compressed := sc.compress(point)
				parities[compressed[0]]++
				pub, err := c.NewPublicKey(compressed)
				if !assert.NoError(t, err, "compressed %x", compressed) {
					continue
				}
				assert.Equal(t, point, pub.Bytes(), "decompresses to the same uncompressed point")
				full, err := c.NewPublicKey(point)
				require.NoError(t, err)
				assert.True(t, pub.Equal(full))

				// The other prefix is the other root: -P, a different key.
				flipped := bytes.Clone(compressed)
				flipped[0] ^= 1
				neg, err := c.NewPublicKey(flipped)
				if assert.NoError(t, err) {
					assert.Equal(t, sc.negate(point), neg.Bytes())
					assert.False(t, neg.Equal(pub))
				}
			}
			assert.Equal(t, map[byte]int{2: 2, 3: 2}, parities, "both parities exercised")
		})
	}
}

func TestNewPublicKeyRejects(t *testing.T) {
	for _, sc := range specCases {
		t.Run(string(sc.spec), func(t *testing.T) {
			c := sc.curve(t)
			g := sc.generator(t)
			gx, gy := sc.xy(g)
			p := sc.params.P
			compressedG := sc.compress(g)
			body := g[1:]

			hybrid := func(prefix byte) []byte { return append([]byte{prefix}, body...) }
			rightHybrid := byte(6 | gy.Bit(0))
			yPlus1 := new(big.Int).Add(gy, big.NewInt(1))
			xEqualsP := make([]byte, 1+sc.size)
			xEqualsP[0] = 2
			p.FillBytes(xEqualsP[1:])
			noPointX := make([]byte, 1+sc.size)
			noPointX[0] = 3
			sc.nonResidueX().FillBytes(noPointX[1:])

			cases := []struct {
				name  string
				point []byte
			}{
				{"off curve (Gx, Gy+1)", sc.uncompressed(gx, yPlus1.Mod(yPlus1, p))},
				{"off curve (0, 0)", sc.uncompressed(big.NewInt(0), big.NewInt(0))},
				{"x = p", append(append([]byte{4}, p.FillBytes(make([]byte, sc.size))...), g[1+sc.size:]...)},
				{"y = p", append(bytes.Clone(g[:1+sc.size]), p.FillBytes(make([]byte, sc.size))...)},
				{"all 0xff coordinates", append([]byte{4}, bytes.Repeat([]byte{0xff}, 2*sc.size)...)},
				{"compressed x = p", xEqualsP},
				{"compressed all 0xff", append([]byte{2}, bytes.Repeat([]byte{0xff}, sc.size)...)},
				{"compressed x with no point", noPointX},
				{"infinity 0x00", []byte{0}},
				{"empty", []byte{}},
				{"nil", nil},
				{"infinity 0x00 with coordinates", append([]byte{0}, body...)},
				{"hybrid with right parity", hybrid(rightHybrid)},
				{"hybrid with wrong parity", hybrid(rightHybrid ^ 1)},
				{"hybrid 0x06 short", append([]byte{6}, body[:sc.size]...)},
				{"uncompressed short", g[:len(g)-1]},
				{"uncompressed long", append(bytes.Clone(g), 0)},
				{"uncompressed prefix only", []byte{4}},
				{"compressed short", compressedG[:len(compressedG)-1]},
				{"compressed long", append(bytes.Clone(compressedG), 0)},
				{"compressed prefix only", []byte{2}},
				{"compressed with leading zero", append([]byte{compressedG[0], 0}, compressedG[1:]...)},
				{"prefix 0x01", append([]byte{1}, body...)},
				{"prefix 0x05", append([]byte{5}, body...)},
				{"prefix 0x08", append([]byte{8}, body...)},
				{"prefix 0x14", append([]byte{0x14}, body...)},
				{"prefix 0xff", append([]byte{0xff}, body...)},
				{"bare X||Y", bytes.Clone(body)},
			}
			// Where p fits twice in the coordinate width (P-521: 66 bytes for
			// 521 bits), Gy+p is the same residue but not reduced.
			if unreduced := new(big.Int).Add(gy, p); unreduced.BitLen() <= 8*sc.size {
				cases = append(cases, struct {
					name  string
					point []byte
				}{"unreduced y = Gy+p", sc.uncompressed(gx, unreduced)})
			} else {
				assert.NotEqual(t, curves.P521, sc.spec, "P-521 must run the unreduced case")
			}
			for _, tc := range cases {
				if len(tc.point) > 0 && tc.point[0] == 4 && len(tc.point) == len(g) {
					require.False(t, sc.onCurve(tc.point), "%s: the test point must be invalid", tc.name)
				}
				pub, err := c.NewPublicKey(tc.point)
				assert.ErrorIs(t, err, curves.ErrInvalidPublicKey, tc.name)
				assert.Nil(t, pub, tc.name)
			}
			// The valid encodings of the same point are accepted, so the
			// rejections above are about the encoding, not the point.
			for _, ok := range [][]byte{g, compressedG} {
				_, err := c.NewPublicKey(ok)
				assert.NoError(t, err)
			}
		})
	}
}

// TestNewPublicKeyCopiesInput checks that the key does not alias the caller's
// buffer.
func TestNewPublicKeyCopiesInput(t *testing.T) {
	for _, sc := range specCases {
		t.Run(string(sc.spec), func(t *testing.T) {
			g := sc.generator(t)
			in := bytes.Clone(g)
			pub, err := sc.curve(t).NewPublicKey(in)
			require.NoError(t, err)
			in[1] ^= 0xff
			assert.Equal(t, g, pub.Bytes())
			out := pub.Bytes()
			out[1] ^= 0xff
			assert.Equal(t, g, pub.Bytes(), "Bytes returns a copy")
		})
	}
}

// TestPublicKeyIsOnlyUncompressed checks that a key parsed from any encoding
// is kept as 0x04||X||Y, the form every encoder writes.
func TestPublicKeyIsOnlyUncompressed(t *testing.T) {
	for _, sc := range specCases {
		t.Run(string(sc.spec), func(t *testing.T) {
			pub, err := sc.curve(t).NewPublicKey(sc.compress(sc.generator(t)))
			require.NoError(t, err)
			assert.Len(t, pub.Bytes(), 1+2*sc.size)
			assert.Equal(t, byte(4), pub.Bytes()[0])
		})
	}
}
