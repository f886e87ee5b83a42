package jsonwrite

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAppendStringMatchesEncodingJSON checks the escaping against
// encoding/json's on every byte, the runes it treats apart, invalid UTF-8
// and random strings.
func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	cases := []string{"", "plain", `quote " and \ backslash`, "<script>&</script>", "\u2028\u2029", "\xff\xfe", "é日本\U0001F600", "a\x00b\x1fc\x7f"}
	for c := range 256 {
		cases = append(cases, string([]byte{byte(c)}), "x"+string([]byte{byte(c)})+"y")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		want, err := json.Marshal(s)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(AppendString(nil, s)), "%q", s)
	}
}

// TestAppendObject checks members, order and omitEmpty against
// encoding/json.
func TestAppendObject(t *testing.T) {
	tests := []struct {
		fields []Field
		want   string
	}{
		{nil, `{}`},
		{[]Field{{Name: "a", Value: "1"}, {Name: "b", Value: "", OmitEmpty: true}, {Name: "c", Value: "<"}}, `{"a":"1","c":"\u003c"}`},
		{[]Field{{Name: "a", Value: "", OmitEmpty: true}, {Name: "b", Value: ""}}, `{"b":""}`},
	}
	for _, tc := range tests {
		out := AppendObject(nil, tc.fields)
		assert.Equal(t, tc.want, string(out))
		assert.LessOrEqual(t, len(out), Bound(tc.fields))
	}
}

// TestWithBodyWipes checks the buffer handed to write is zeroed once
// written.
func TestWithBodyWipes(t *testing.T) {
	var last *[]byte
	restore := SwapPool(func() *[]byte { b := make([]byte, 0, 16); last = &b; return &b })
	defer restore()
	var seen string
	WithBody([]Field{{Name: "PrivateKeyPlaintext", Value: strings.Repeat("k", 100)}}, func(out []byte) { seen = string(out) })
	require.NotNil(t, last)
	assert.Contains(t, seen, strings.Repeat("k", 100))
	buf := (*last)[:cap(*last)]
	assert.NotContains(t, string(buf), "k")
}
