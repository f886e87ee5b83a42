package provider

import "fmt"

// Responses carry plaintext private keys; fmt never prints them, whatever
// the verb (%v, %+v, %#v, %s, %x ...), so a logged response leaks nothing.
// JSON encoding is unaffected.

// Format implements fmt.Formatter with the plaintext redacted.
func (r CreateEcDatakeyPairResponse) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "{KeyID:%s KeySpec:%s PublicKey:%s PrivateKeyCipherText:%s PrivateKeyPlainText:%s WrappedPrivateKey:%s CiphertextRecipient:%s}",
		r.KeyID, r.KeySpec, r.PublicKey, r.PrivateKeyCipherText, redacted(r.PrivateKeyPlainText), r.WrappedPrivateKey, r.CiphertextRecipient)
}

// Format implements fmt.Formatter with the plaintext redacted.
func (r DecryptDatakeyPairResponse) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "{KeyID:%s KeySpec:%s PublicKey:%s PrivateKeyPlainText:%s}",
		r.KeyID, r.KeySpec, r.PublicKey, redacted(r.PrivateKeyPlainText))
}

func redacted(s string) string {
	if s == "" {
		return ""
	}
	return fmt.Sprintf("REDACTED(%d chars)", len(s))
}
