package conformance

import (
	"context"
	"fmt"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/wrap"
)

// checkRecipient creates with a Recipient (WithRecipient): the private key
// must come back only as ciphertext_recipient (CiphertextForRecipient), a
// CMS EnvelopedData the enclave's RSA key opens to the PKCS#8 of the
// public key. A KMS that ignores the Recipient and answers the plaintext
// fails.
func checkRecipient(ctx context.Context, e *env) error {
	spec := e.cfg.specs[0]
	resp, err := e.target.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{
		KeyID: e.cfg.keyID, KeySpec: string(spec),
		Recipient: &provider.Recipient{AttestationDocument: e.cfg.recipientDoc, KeyEncryptionAlgorithm: wrap.KeyEncryptionRSAESOAEPSHA256},
	})
	if err != nil {
		return fmt.Errorf("create with a Recipient was refused: %w", err)
	}
	if resp == nil {
		return fmt.Errorf("create-ec-datakey-pair returned neither a response nor an error")
	}
	var p problems
	if resp.PrivateKeyPlainText != "" {
		p.add("%s is present although a Recipient was given: the private key left the KMS in plaintext", e.f("private_key_plain_text"))
	}
	if resp.WrappedPrivateKey != "" {
		p.add("wrapped_private_key is set although no wrapping_public_key was given")
	}
	pub, _, err := parsePublic(e.f("public_key"), resp.PublicKey, spec)
	if err != nil {
		p.addErr(err)
		return p.err()
	}
	env, err := decodeField(e.f("ciphertext_recipient"), resp.CiphertextRecipient)
	if err != nil {
		p.addErr(err)
		return p.err()
	}
	u, err := wrap.NewRecipientUnwrapper(e.cfg.recipientKey)
	if err != nil {
		return err
	}
	pt, err := u.Unwrap(ctx, env, nil)
	if err != nil {
		p.add("%s does not open with the recipient's RSA key: %v", e.f("ciphertext_recipient"), err)
		return p.err()
	}
	defer clear(pt)
	priv, _, err := checkPKCS8(e.f("ciphertext_recipient")+"'s plaintext", pt, pub)
	if err != nil {
		p.addErr(err)
		return p.err()
	}
	priv.Destroy()
	return p.err()
}
