package provider

import (
	"fmt"
	"log/slog"
)

// CreateEcDatakeyPairResponse is the answer of create-ec-datakey-pair. At
// most one of PrivateKeyPlainText, WrappedPrivateKey and CiphertextRecipient
// is set. Fields lists its members once, with their wire names and which
// of them are key material; the json tags mirror it (a test of package
// provider/huawei fails when they disagree), for clients that decode a
// response with encoding/json.
type CreateEcDatakeyPairResponse struct {
	KeyID   string `json:"key_id"`
	KeySpec string `json:"key_spec"`
	// PublicKey is base64 DER SubjectPublicKeyInfo.
	PublicKey string `json:"public_key"`
	// PrivateKeyCipherText is base64 of the master-key envelope of the
	// PKCS#8 private key.
	PrivateKeyCipherText string `json:"private_key_cipher_text"`
	// PrivateKeyPlainText is base64 DER PKCS#8.
	PrivateKeyPlainText string `json:"private_key_plain_text,omitempty"`
	// WrappedPrivateKey is base64 of the custom-key envelope.
	WrappedPrivateKey string `json:"wrapped_private_key,omitempty"`
	// CiphertextRecipient is base64 DER CMS EnvelopedData.
	CiphertextRecipient string `json:"ciphertext_recipient,omitempty"`
}

// DecryptDatakeyPairResponse carries the recovered private key.
type DecryptDatakeyPairResponse struct {
	KeyID   string `json:"key_id"`
	KeySpec string `json:"key_spec"`
	// PublicKey is base64 DER SubjectPublicKeyInfo.
	PublicKey string `json:"public_key"`
	// PrivateKeyPlainText is base64 DER PKCS#8.
	PrivateKeyPlainText string `json:"private_key_plain_text"`
}

// Field is one member of a response, in the order the response lists
// them: the one list that the dialects' JSON writers and the redaction of
// fmt and slog output all read.
type Field struct {
	// Name is the member's name on the wire, as Huawei KMS spells it.
	Name string
	// Value is the member's value.
	Value string
	// Secret marks plaintext key material, never printed or logged.
	Secret bool
	// OmitEmpty drops the member from the JSON when Value is "".
	OmitEmpty bool
}

// Fields lists the response's members.
func (r *CreateEcDatakeyPairResponse) Fields() [7]Field {
	return [7]Field{
		{"key_id", r.KeyID, false, false},
		{"key_spec", r.KeySpec, false, false},
		{"public_key", r.PublicKey, false, false},
		{"private_key_cipher_text", r.PrivateKeyCipherText, false, false},
		{"private_key_plain_text", r.PrivateKeyPlainText, true, true},
		{"wrapped_private_key", r.WrappedPrivateKey, false, true},
		{"ciphertext_recipient", r.CiphertextRecipient, false, true},
	}
}

// Fields lists the response's members.
func (r *DecryptDatakeyPairResponse) Fields() [4]Field {
	return [4]Field{
		{"key_id", r.KeyID, false, false},
		{"key_spec", r.KeySpec, false, false},
		{"public_key", r.PublicKey, false, false},
		{"private_key_plain_text", r.PrivateKeyPlainText, true, false},
	}
}

// Responses carry plaintext private keys; neither fmt (whatever the verb:
// %v, %+v, %#v, %s, %x ...) nor log/slog ever prints them.

// Format implements fmt.Formatter with the plaintext redacted.
func (r CreateEcDatakeyPairResponse) Format(f fmt.State, _ rune) {
	fs := r.Fields()
	formatFields(f, fs[:])
}

// LogValue implements slog.LogValuer with the plaintext redacted.
func (r CreateEcDatakeyPairResponse) LogValue() slog.Value {
	fs := r.Fields()
	return logFields(fs[:])
}

// Format implements fmt.Formatter with the plaintext redacted.
func (r DecryptDatakeyPairResponse) Format(f fmt.State, _ rune) {
	fs := r.Fields()
	formatFields(f, fs[:])
}

// LogValue implements slog.LogValuer with the plaintext redacted.
func (r DecryptDatakeyPairResponse) LogValue() slog.Value {
	fs := r.Fields()
	return logFields(fs[:])
}

func formatFields(f fmt.State, fields []Field) {
	fmt.Fprint(f, "{")
	for i, fl := range fields {
		if i > 0 {
			fmt.Fprint(f, " ")
		}
		fmt.Fprintf(f, "%s:%s", fl.Name, shown(fl))
	}
	fmt.Fprint(f, "}")
}

func logFields(fields []Field) slog.Value {
	attrs := make([]slog.Attr, 0, len(fields))
	for _, fl := range fields {
		if fl.OmitEmpty && fl.Value == "" {
			continue
		}
		attrs = append(attrs, slog.String(fl.Name, shown(fl)))
	}
	return slog.GroupValue(attrs...)
}

// shown is what fmt and slog print of a field.
func shown(f Field) string {
	if !f.Secret || f.Value == "" {
		return f.Value
	}
	return fmt.Sprintf("REDACTED(%d chars)", len(f.Value))
}
