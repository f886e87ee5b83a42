package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"math/rand/v2"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEscape(t *testing.T) {
	tests := map[string]string{
		"":             "",
		"AZaz09-_.~":   "AZaz09-_.~",
		"a b":          "a%20b",
		"+/*=&%":       "%2B%2F%2A%3D%26%25",
		"é":            "%C3%A9",
		"\x00\x7f\xff": "%00%7F%FF",
	}
	for in, want := range tests {
		assert.Equal(t, want, escape(in), "%q", in)
	}
}

func TestCanonicalURI(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"http://h", "/"},
		{"http://h/", "/"},
		{"http://h/a", "/a/"},
		{"http://h/a/", "/a/"},
		{"http://h/a//b", "/a//b/"},
		{"http://h/a%20b/c%25d", "/a%20b/c%25d/"},
		{"http://h/a+b/*", "/a%2Bb/%2A/"},
		{"http://h/a%2Fb", "/a%2Fb/"},
		{"http://h/%c3%a9", "/%C3%A9/"},
	}
	for _, tc := range tests {
		u, err := url.Parse(tc.raw)
		require.NoError(t, err)
		got, err := canonicalURI(u)
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, tc.raw)
	}
}

func TestCanonicalQuery(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"", ""},
		{"b=2&a=1&a=0", "a=0&a=1&b=2"},
		{"k", "k="},
		{"k=", "k="},
		{"a+b=c%20d", "a%20b=c%20d"},
		{"Z=1&a=1", "Z=1&a=1"},
		{"x=%2B%2F", "x=%2B%2F"},
		{"t=b&t=a&t=a%20b", "t=a&t=a%20b&t=b"},
	}
	for _, tc := range tests {
		got, err := canonicalQuery(tc.raw)
		require.NoError(t, err, tc.raw)
		assert.Equal(t, tc.want, got, tc.raw)
	}
	for _, bad := range []string{"a=%zz", "a;b=1", "%"} {
		_, err := canonicalQuery(bad)
		assert.Error(t, err, bad)
	}
}

// TestHMACSHA256MatchesCryptoHMAC checks the package's HMAC against
// crypto/hmac for keys and data around the block size and the stack
// buffer's limit.
func TestHMACSHA256MatchesCryptoHMAC(t *testing.T) {
	rng := rand.New(rand.NewChaCha8([32]byte{1}))
	for _, kl := range []int{0, 1, 20, 40, 63, 64, 65, 100, 200} {
		for _, dl := range []int{0, 1, 8, 55, 56, 64, 119, 191, 192, 193, 500} {
			key, data := make([]byte, kl), make([]byte, dl)
			for i := range key {
				key[i] = byte(rng.Uint32())
			}
			for i := range data {
				data[i] = byte(rng.Uint32())
			}
			m := hmac.New(sha256.New, key)
			m.Write(data)
			got := hmacSHA256(key, string(data))
			assert.Equal(t, m.Sum(nil), got[:], "key %d, data %d", kl, dl)
		}
	}
}
