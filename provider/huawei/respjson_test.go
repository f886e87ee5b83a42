package huawei_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/huawei"
)

// tricky holds strings that exercise every escaping rule of encoding/json.
var tricky = []string{
	"", "plain", "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE+/=",
	`quote " backslash \ slash /`, "\x00\x01\x1f\x7f", "\b\f\n\r\t",
	"<script>&amp;</script>", "line\u2028para\u2029end", "é中😀",
	"bad \xff utf8 \xc3", "\xed\xa0\x80 surrogate", strings.Repeat("\x00", 40),
}

// TestResponseJSONMatchesEncodingJSON checks that the handler's own encoder
// writes exactly what json.Marshal writes for both responses, for every
// tricky string in every field, and stays within the bound it reserves.
func TestResponseJSONMatchesEncodingJSON(t *testing.T) {
	// A field added to a response must be added to the encoder too.
	require.Equal(t, 7, reflect.TypeFor[provider.CreateEcDatakeyPairResponse]().NumField())
	require.Equal(t, 4, reflect.TypeFor[provider.DecryptDatakeyPairResponse]().NumField())
	for _, s := range tricky {
		for field := range 7 {
			var c provider.CreateEcDatakeyPairResponse
			ptrs := []*string{&c.KeyID, &c.KeySpec, &c.PublicKey, &c.PrivateKeyCipherText, &c.PrivateKeyPlainText, &c.WrappedPrivateKey, &c.CiphertextRecipient}
			for i, p := range ptrs {
				*p = []string{"k", "s", "p", "c", "", "", ""}[i]
			}
			*ptrs[field] = s
			want, err := json.Marshal(&c)
			require.NoError(t, err)
			got := huawei.EncodeCreateResponse(&c)
			assert.Equal(t, string(want), string(got), "create, field %d = %q", field, s)
			assert.LessOrEqual(t, len(got), huawei.JSONBound(&c))
		}
		d := provider.DecryptDatakeyPairResponse{KeyID: s, KeySpec: s, PublicKey: s, PrivateKeyPlainText: s}
		want, err := json.Marshal(&d)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(huawei.EncodeDecryptResponse(&d)), "decrypt, %q", s)
	}
}

// FuzzResponseJSON compares the handler's encoder with json.Marshal on
// arbitrary strings.
func FuzzResponseJSON(f *testing.F) {
	for _, s := range tricky {
		f.Add(s, s, "")
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		r := provider.CreateEcDatakeyPairResponse{KeyID: a, KeySpec: b, PublicKey: c, PrivateKeyCipherText: a, PrivateKeyPlainText: b, WrappedPrivateKey: c}
		want, err := json.Marshal(&r)
		require.NoError(t, err)
		got := huawei.EncodeCreateResponse(&r)
		require.Equal(t, string(want), string(got))
		require.LessOrEqual(t, len(got), huawei.JSONBound(&r))
	})
}
