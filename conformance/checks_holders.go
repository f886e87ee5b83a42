package conformance

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/wrap"
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// wrappingAAD is the AAD of the wrapping_key check.
const wrappingAAD = "conformance;wrapping_key"

// checkWrappingKey asks for the private key wrapped under a caller's HPKE
// P-256 key and opens it with that key's private half.
func checkWrappingKey(ctx context.Context, e *env) error {
	c, err := curves.Lookup(curves.P256)
	if err != nil {
		return err
	}
	scalar := sha256.Sum256([]byte("ecdkp/conformance/wrapping-key"))
	holder, err := c.NewPrivateKey(scalar[:])
	if err != nil {
		return fmt.Errorf("the suite's holder key: %w", err)
	}
	defer holder.Destroy()
	spki, err := encoding.MarshalSPKI(holder.PublicKey())
	if err != nil {
		return err
	}
	const alg = wrap.HPKEP256SHA256AES256GCM
	resp, err := e.target.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{
		KeyID: e.cfg.keyID, KeySpec: string(curves.P256), AdditionalAuthenticatedData: wrappingAAD,
		WrappingPublicKey: b64(spki), WrappingAlgorithm: alg,
	})
	if err != nil {
		return fmt.Errorf("create-ec-datakey-pair with wrapping_public_key (%s) was refused: %w", alg, err)
	}
	if resp == nil {
		return fmt.Errorf("create-ec-datakey-pair returned neither a response nor an error")
	}
	var p problems
	if resp.PrivateKeyPlainText != "" {
		p.add("private_key_plain_text is present although a wrapping_public_key was given (at most one form of the private key)")
	}
	if resp.CiphertextRecipient != "" {
		p.add("ciphertext_recipient is set although no recipient was given")
	}
	pub, _, err := parsePublic("public_key", resp.PublicKey, curves.P256)
	if err != nil {
		p.addErr(err)
		return p.err()
	}
	wrapped, err := decodeField("wrapped_private_key", resp.WrappedPrivateKey)
	if err != nil {
		p.addErr(err)
		return p.err()
	}
	u, err := wrap.NewCustomKeyUnwrapper(alg, holder)
	if err != nil {
		return err
	}
	pt, err := u.Unwrap(ctx, wrapped, []byte(wrappingAAD))
	if err != nil {
		p.add("wrapped_private_key does not open with the holder's key (%s, the request's AAD): %v", alg, err)
		return p.err()
	}
	defer clear(pt)
	priv, _, err := checkPKCS8("wrapped_private_key's plaintext", pt, pub)
	if err != nil {
		p.addErr(err)
		return p.err()
	}
	priv.Destroy()
	dec, err := e.target.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{
		CipherText: resp.PrivateKeyCipherText, AdditionalAuthenticatedData: wrappingAAD,
	})
	switch {
	case err != nil:
		p.add("decrypt-datakey-pair of private_key_cipher_text was refused: %v", err)
	case dec == nil:
		p.add("decrypt-datakey-pair returned neither a response nor an error")
	case dec.PrivateKeyPlainText != b64(pt):
		p.add("private_key_cipher_text and wrapped_private_key hold different private keys")
	}
	return p.err()
}

// checkDisabledKey creates under the disabled master key.
func checkDisabledKey(ctx context.Context, e *env) error {
	_, err := e.target.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{
		KeyID: e.cfg.disabledKeyID, KeySpec: string(e.cfg.specs[0]),
	})
	return e.expectRefused("create-ec-datakey-pair under the disabled master key", err, e.want(provider.FailKeyDisabled))
}
