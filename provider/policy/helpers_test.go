package policy

import (
	"fmt"
	"strings"
)

// Names of the test schema, shaped like the provider's.
const (
	actCreate        = "kms:cmk:createDataKeyPair"
	actCreateNoPlain = "kms:cmk:createDataKeyPairWithoutPlaintext"
	actDecrypt       = "kms:cmk:decryptDataKeyPair"
	actGet           = "kms:cmk:getKey"
	actList          = "kms:cmk:listKeys"

	keySpec      = "kms:KeySpec"
	keyUsage     = "kms:KeyUsage"
	keyPlaintext = "kms:PlaintextRequested" // Bool
	keySize      = "kms:KeySize"            // Numeric
	keyECKeys    = "kms:EncryptionContextKeys"
	keyNumbers   = "test:Numbers" // Numeric, multivalued
	prefixEC     = "kms:EncryptionContext:"
	prefixAttest = "kms:RecipientAttestation:"
	prefixTag    = "g:ResourceTag/"
)

func testSchema() *Schema {
	sfx := []string{"ImageSha384"}
	for i := range 32 {
		sfx = append(sfx, fmt.Sprintf("PCR%d", i))
	}
	return &Schema{
		Actions: []string{actCreate, actCreateNoPlain, actDecrypt, actGet, actList},
		Keys: []KeySpec{
			{Name: keySpec},
			{Name: keyUsage},
			{Name: keyPlaintext, Type: TypeBool},
			{Name: keySize, Type: TypeNumeric},
			{Name: keyECKeys, Multi: true},
			{Name: keyNumbers, Type: TypeNumeric, Multi: true},
			{Name: prefixEC, Prefix: true},
			{Name: prefixAttest, Prefix: true, Suffixes: sfx},
			{Name: prefixTag, Prefix: true},
		},
	}
}

// doc wraps statements (JSON objects) in a 1.1 document.
func doc(stmts ...string) string {
	return `{"Version":"1.1","Statement":[` + strings.Join(stmts, ",") + `]}`
}

// ctx builds a context of single-valued keys from name, value pairs.
func ctx(kv ...string) map[string][]string {
	m := make(map[string][]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = []string{kv[i+1]}
	}
	return m
}
