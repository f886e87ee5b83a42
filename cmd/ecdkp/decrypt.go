package main

import (
	"context"
	"fmt"

	"github.com/ecdkp/ecdkp/provider"
)

func runDecrypt(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "decrypt", "decrypt --cipher-text B64 [--aad S] [--key-spec SPEC] [--pem] [--keystore keyring|pkcs11|etcd] [--keyring PATH] [--etcd-* ...]")
	ct := fs.String("cipher-text", "", "private_key_cipher_text from create (required)")
	aad := fs.String("aad", "", "the additional authenticated data given to create")
	spec := fs.String("key-spec", "", "the data key pair's spec, if known")
	pemOut := fs.Bool("pem", false, "also print the keys as PEM (public_key_pem, private_key_pem)")
	sf := addStoreFlags(fs)
	sf.noFirstUse = true
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *ct == "" {
		return fmt.Errorf("--cipher-text is required")
	}
	st, p, err := sf.openProvider(ctx, e)
	if err != nil {
		return err
	}
	defer st.close()
	resp, err := p.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: *ct, AdditionalAuthenticatedData: *aad, KeySpec: *spec})
	if err != nil {
		return err
	}
	return printKeys(e.stdout, resp, *pemOut, resp.PublicKey, resp.PrivateKeyPlainText)
}
