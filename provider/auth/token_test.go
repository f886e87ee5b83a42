package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestToken(t *testing.T) {
	const secret = "tok-secret-value-0123456789"
	tests := []struct {
		name       string
		configured string
		headers    []string
		want       string // "" means accepted
		absent     bool
	}{
		{name: "right token", configured: secret, headers: []string{secret}},
		{name: "wrong token", configured: secret, headers: []string{"tok-secret-value-0123456780"}, want: "invalid X-Auth-Token"},
		{name: "prefix of the token", configured: secret, headers: []string{secret[:5]}, want: "invalid X-Auth-Token"},
		{name: "token with suffix", configured: secret, headers: []string{secret + "x"}, want: "invalid X-Auth-Token"},
		{name: "missing header", configured: secret, want: "missing X-Auth-Token header", absent: true},
		{name: "empty header", configured: secret, headers: []string{""}, want: "empty X-Auth-Token header"},
		{name: "two headers", configured: secret, headers: []string{secret, secret}, want: "2 X-Auth-Token headers"},
		{name: "not configured", configured: "", headers: []string{"anything"}, want: "token authentication is not configured"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			for _, h := range tc.headers {
				r.Header.Add(TokenHeader, h)
			}
			p, err := Token(tc.configured).Authenticate(r, nil)
			if tc.want == "" {
				require.NoError(t, err)
				assert.Equal(t, Principal{ID: "token", Method: MethodToken, Name: "token"}, p)
				return
			}
			require.ErrorIs(t, err, ErrUnauthenticated)
			assert.Equal(t, Principal{}, p)
			assert.Equal(t, tc.absent, errors.Is(err, ErrNoCredentials))
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), secret)
		})
	}
}
