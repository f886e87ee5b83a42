package auth

import (
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
