package provider_test

import (
	"context"
	"fmt"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/keyring"
)

// The README's example: a master key in a memory keyring, a P-256 data key
// pair bound to an AAD, and its private key recovered later.
func Example() {
	ctx := context.Background()
	kr := keyring.New()
	mk, _ := kr.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	p, _ := provider.New(kr)
	resp, err := p.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{
		KeyID: mk.KeyID, KeySpec: "ECC_NIST_P256", AdditionalAuthenticatedData: "order-42",
	})
	if err != nil {
		panic(err)
	}
	dec, err := p.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{
		CipherText: resp.PrivateKeyCipherText, AdditionalAuthenticatedData: "order-42"})
	if err != nil {
		panic(err)
	}
	fmt.Println(dec.KeySpec, dec.PrivateKeyPlainText == resp.PrivateKeyPlainText, dec.PublicKey == resp.PublicKey)
	_, err = p.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{
		CipherText: resp.PrivateKeyCipherText, AdditionalAuthenticatedData: "order-43"})
	fmt.Println(err.(*provider.Error).Failure)
	// Output:
	// ECC_NIST_P256 true true
	// decryption failed
}
