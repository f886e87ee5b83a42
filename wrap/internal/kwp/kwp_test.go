package kwp

import (
	"bytes"
	"crypto/aes"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/ecdkp/ecdkp/internal/wycheproof"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/wrap/internal/errs"
)

func TestWycheproof(t *testing.T) {
	f := wycheproof.Load(t, "aes_kwp_test.json")
	var valid, invalid int
	for _, g := range f.TestGroups {
		for _, tc := range g.Tests {
			block, err := aes.NewCipher(tc.Key)
			require.NoError(t, err, "tcId %d", tc.TcID)
			switch tc.Result {
			case "valid":
				valid++
				ct, err := AppendWrap(nil, block, tc.Msg)
				require.NoError(t, err, "tcId %d wrap", tc.TcID)
				assert.Equal(t, []byte(tc.CT), ct, "tcId %d (%s) wrap", tc.TcID, tc.Comment)
				pt, err := Unwrap(block, tc.CT)
				require.NoError(t, err, "tcId %d unwrap", tc.TcID)
				assert.Equal(t, []byte(tc.Msg), pt, "tcId %d (%s) unwrap", tc.TcID, tc.Comment)
			case "invalid":
				invalid++
				pt, err := Unwrap(block, tc.CT)
				assert.ErrorIs(t, err, errs.Decrypt, "tcId %d (%s) must not unwrap", tc.TcID, tc.Comment)
				assert.Nil(t, pt, "tcId %d", tc.TcID)
			default:
				t.Fatalf("tcId %d: unexpected result %q", tc.TcID, tc.Result)
			}
		}
	}
	assert.Equal(t, 77, valid, "valid vectors run")
	assert.Equal(t, 177, invalid, "invalid vectors run")
	assert.Equal(t, f.NumberOfTests, valid+invalid, "every vector of the file run")
}

// RFC 5649 section 6.
func TestRFC5649Examples(t *testing.T) {
	kek := testHex(t, "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8")
	tests := []struct{ key, wrapped string }{
		{"c37b7e6492584340bed12207808941155068f738", "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a"},
		{"466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f"},
	}
	block, err := aes.NewCipher(kek)
	require.NoError(t, err)
	for _, tt := range tests {
		ct, err := AppendWrap(nil, block, testHex(t, tt.key))
		require.NoError(t, err)
		assert.Equal(t, tt.wrapped, hex.EncodeToString(ct))
		pt, err := Unwrap(block, testHex(t, tt.wrapped))
		require.NoError(t, err)
		assert.Equal(t, tt.key, hex.EncodeToString(pt))
	}
}

func TestRoundTripLengths(t *testing.T) {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	block, err := aes.NewCipher(key)
	require.NoError(t, err)
	prefix := []byte("prefix")
	for m := 1; m <= 100; m++ {
		msg := make([]byte, m)
		_, _ = rand.Read(msg)
		out, err := AppendWrap(bytes.Clone(prefix), block, msg)
		require.NoError(t, err)
		require.Equal(t, prefix, out[:len(prefix)], "m=%d: dst kept", m)
		ct := out[len(prefix):]
		assert.Len(t, ct, 8+(m+7)/8*8, "m=%d", m)
		pt, err := Unwrap(block, ct)
		require.NoError(t, err, "m=%d", m)
		assert.Equal(t, msg, pt, "m=%d", m)

		// Every single-bit change anywhere is caught.
		for i := range ct {
			bad := bytes.Clone(ct)
			bad[i] ^= 1 << (i % 8)
			_, err := Unwrap(block, bad)
			assert.ErrorIs(t, err, errs.Decrypt, "m=%d flipped byte %d", m, i)
		}
	}
}

func TestRejects(t *testing.T) {
	block, err := aes.NewCipher(make([]byte, 32))
	require.NoError(t, err)
	_, err = AppendWrap(nil, block, nil)
	assert.ErrorIs(t, err, errs.MalformedEnvelope)
	assert.ErrorContains(t, err, "got 0")
	for _, n := range []int{0, 8, 15, 17, 23} {
		_, err := Unwrap(block, make([]byte, n))
		assert.ErrorIs(t, err, errs.Decrypt, "%d bytes", n)
		assert.ErrorContains(t, err, "multiple of 8", "%d bytes", n)
	}
	// Well-formed lengths of garbage fail the integrity check.
	_, err = Unwrap(block, make([]byte, 32))
	assert.ErrorIs(t, err, errs.Decrypt)
	assert.ErrorContains(t, err, "integrity")
}

func TestCTLessOrEq(t *testing.T) {
	for _, tt := range []struct {
		x, y int64
		want int
	}{{0, 0, 1}, {0, 1, 1}, {1, 0, 0}, {7, 8, 1}, {9, 8, 0}, {1 << 32, 1<<32 - 1, 0}, {1<<32 - 1, 1 << 32, 1}} {
		assert.Equal(t, tt.want, ctLessOrEq(tt.x, tt.y), "%d <= %d", tt.x, tt.y)
	}
}

func testHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}
