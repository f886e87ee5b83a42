package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/provider"
)

func runCreate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "create", "create --key-spec SPEC [--key-id ID] [--with-plain-text=false] [--aad S] [--sequence S] [--pem] [--keystore keyring|pkcs11|etcd] [--keyring PATH] [--etcd-* ...]")
	spec := fs.String("key-spec", "", "data key pair spec: "+specList()+" (required)")
	keyID := fs.String("key-id", "", "master key id (default: the keyring's default key, created on first use)")
	withPlain := fs.Bool("with-plain-text", true, "return the private key in plaintext")
	aad := fs.String("aad", "", "additional authenticated data bound into the ciphertext")
	seq := fs.String("sequence", "", "36-byte request sequence number")
	pemOut := fs.Bool("pem", false, "also print the keys as PEM (public_key_pem, private_key_pem)")
	sf := addStoreFlags(fs)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *spec == "" {
		return fmt.Errorf("--key-spec is required: %s", specList())
	}
	st, p, err := sf.openProvider(ctx, e)
	if err != nil {
		return err
	}
	defer st.close()
	if *keyID == "" {
		md, err := st.DefaultKey(ctx)
		if err != nil {
			return err
		}
		*keyID = md.KeyID
	}
	req := &provider.CreateEcDatakeyPairRequest{KeyID: *keyID, KeySpec: *spec, AdditionalAuthenticatedData: *aad, Sequence: *seq}
	req.WithPlainText = withPlain
	resp, err := p.CreateEcDatakeyPair(ctx, req)
	if err != nil {
		return err
	}
	return printKeys(e.stdout, resp, *pemOut, resp.PublicKey, resp.PrivateKeyPlainText)
}

// specList is the registered key specs, for the help text: "A, B or C".
func specList() string {
	var names []string
	for _, s := range curves.Specs() {
		names = append(names, string(s))
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
