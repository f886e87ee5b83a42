package provider_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/providertest"
)

// TestResponsesRedactPlaintext: no fmt verb prints a plaintext private key,
// while JSON still carries it.
func TestResponsesRedactPlaintext(t *testing.T) {
	f := providertest.NewFixture(t, newKeyring)
	ctx := context.Background()
	resp, err := f.P.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: "SM2"})
	require.NoError(t, err)
	dec, err := f.P.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: resp.PrivateKeyCipherText})
	require.NoError(t, err)
	secret := resp.PrivateKeyPlainText
	require.NotEmpty(t, secret)
	for _, v := range []any{resp, *resp, dec, *dec, []any{resp}, map[string]any{"r": dec}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, secret[:40], verb)
			assert.NotContains(t, out, fmt.Sprintf("%x", secret[:20]), verb)
		}
	}
	assert.Contains(t, fmt.Sprint(resp), resp.PublicKey, "public parts still print")
	b, err := json.Marshal(resp)
	require.NoError(t, err)
	assert.Contains(t, string(b), secret)

	// slog, with either built-in handler, logs the public parts only.
	var logs bytes.Buffer
	for _, l := range []*slog.Logger{slog.New(slog.NewJSONHandler(&logs, nil)), slog.New(slog.NewTextHandler(&logs, nil))} {
		l.Info("create", "resp", resp, "value", *resp)
		l.Info("decrypt", "resp", dec, "value", *dec)
	}
	assert.NotContains(t, logs.String(), secret[:40])
	assert.Contains(t, logs.String(), resp.PublicKey)
	assert.Contains(t, logs.String(), "REDACTED")
}

// TestFailuresNamed: every failure has a distinct name.
func TestFailuresNamed(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range provider.Failures() {
		name := f.String()
		assert.NotEmpty(t, name, int(f))
		assert.NotContains(t, name, "Failure(", int(f))
		assert.False(t, seen[name], "name %q twice", name)
		seen[name] = true
	}
	assert.False(t, provider.Failure(0).Valid())
	assert.Equal(t, provider.FailInternal, provider.Errorf(provider.Failure(999), "x").Failure)
}
