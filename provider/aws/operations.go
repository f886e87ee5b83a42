package aws

import (
	"encoding/json"

	"github.com/ecdkp/ecdkp/internal/jsonobj"
	"github.com/ecdkp/ecdkp/internal/jsonwrite"
	"github.com/ecdkp/ecdkp/provider"
)

// operation is one X-Amz-Target.
type operation struct {
	run func(q *request) (answer, error)
	// manage marks the key management operations (WithKeyManagement).
	manage bool
	action string
}

var operations = map[string]operation{}

func init() {
	for name, o := range map[string]operation{
		"GenerateDataKeyPair":                 {run: generateDataKeyPair(true), action: provider.ActionCreateDataKeyPair},
		"GenerateDataKeyPairWithoutPlaintext": {run: generateDataKeyPair(false), action: provider.ActionCreateDataKeyPair},
		"Decrypt":                             {run: decrypt, action: provider.ActionDecrypt},
		"CreateKey":                           {run: createKey, manage: true, action: provider.ActionCreateKey},
		"DescribeKey":                         {run: describeKey, manage: true, action: provider.ActionDescribeKey},
		"ListKeys":                            {run: listKeys, manage: true, action: provider.ActionListKeys},
		"EnableKey":                           {run: setKeyState(provider.ActionEnableKey), manage: true, action: provider.ActionEnableKey},
		"DisableKey":                          {run: setKeyState(provider.ActionDisableKey), manage: true, action: provider.ActionDisableKey},
		"ScheduleKeyDeletion":                 {run: scheduleKeyDeletion, manage: true, action: provider.ActionScheduleDeletion},
		"CancelKeyDeletion":                   {run: cancelKeyDeletion, manage: true, action: provider.ActionCancelDeletion},
	} {
		operations[name] = o
	}
}

// actionOf names the action of an operation, "" for an unknown one.
func actionOf(op string) string { return operations[op].action }

// members takes members of one object, keeping the first error.
type members struct {
	o   *jsonobj.Object
	err error
}

func (m *members) str(name string) string {
	if m.err != nil {
		return ""
	}
	var s string
	s, m.err = m.o.String(name)
	return s
}

// optStr takes an optional string member: nil when absent, so that a
// member sent empty is told from one left out.
func (m *members) optStr(name string) *string {
	if m.err != nil {
		return nil
	}
	var s *string
	s, m.err = m.o.OptString(name)
	return s
}

func (m *members) boolean(name string) bool {
	if m.err != nil {
		return false
	}
	var b *bool
	b, m.err = m.o.Bool(name)
	return b != nil && *b
}

// number takes a number member's literal, "" when absent.
func (m *members) number(name string) string {
	if m.err != nil {
		return ""
	}
	var n *string
	if n, m.err = m.o.Number(name); n != nil {
		return *n
	}
	return ""
}

func (m *members) strMap(name string) map[string]string {
	if m.err != nil {
		return nil
	}
	var v map[string]string
	v, m.err = m.o.StringMap(name)
	return v
}

func (m *members) strList(name string) []string {
	if m.err != nil {
		return nil
	}
	var v []string
	v, m.err = m.o.StringList(name)
	return v
}

func (m *members) object(name string) *jsonobj.Object {
	if m.err != nil {
		return nil
	}
	var v *jsonobj.Object
	v, m.err = m.o.Object(name)
	return v
}

// done reports the first error, or a member nobody took, as a malformed
// body.
func (m *members) done() error {
	if m.err == nil {
		m.err = m.o.Unknown()
	}
	if m.err != nil {
		return pre(provider.FailMalformedJSON, "%v", m.err)
	}
	return nil
}

// grantTokens checks GrantTokens: accepted, bounded, and otherwise unused
// (this KMS has no grants; its authorization is the policy).
func grantTokens(tokens []string) error {
	if len(tokens) > 10 {
		return pre(provider.FailInvalidParameter, "GrantTokens holds %d tokens, at most 10", len(tokens))
	}
	for _, t := range tokens {
		if t == "" || len(t) > 8192 {
			return pre(provider.FailInvalidParameter, "a grant token must be 1 to 8192 characters")
		}
	}
	return nil
}

// keyEncryptionRSAESOAEPSHA256 is the one KeyEncryptionAlgorithm of a
// RecipientInfo, and its value when the request leaves it out.
const keyEncryptionRSAESOAEPSHA256 = "RSAES_OAEP_SHA_256"

// generateDataKeyPair serves GenerateDataKeyPair (withPlain) and
// GenerateDataKeyPairWithoutPlaintext.
func generateDataKeyPair(withPlain bool) func(q *request) (answer, error) {
	return func(q *request) (answer, error) {
		m := members{o: q.body}
		keyID := m.str("KeyId")
		spec := m.str("KeyPairSpec")
		ec := m.strMap("EncryptionContext")
		tokens := m.strList("GrantTokens")
		dry := m.boolean("DryRun")
		var recipient *provider.Recipient
		if withPlain {
			if ro := m.object("Recipient"); ro != nil {
				rm := members{o: ro}
				recipient = &provider.Recipient{
					AttestationDocument:    rm.str("AttestationDocument"),
					KeyEncryptionAlgorithm: rm.str("KeyEncryptionAlgorithm"),
				}
				if err := rm.done(); err != nil {
					return answer{}, err
				}
				if recipient.AttestationDocument == "" {
					return answer{}, pre(provider.FailMissingParameter, "Recipient.AttestationDocument is required")
				}
				if recipient.KeyEncryptionAlgorithm == "" {
					// Optional in AWS's RecipientInfo: its one valid
					// value.
					recipient.KeyEncryptionAlgorithm = keyEncryptionRSAESOAEPSHA256
				}
			}
		}
		if err := m.done(); err != nil {
			return answer{}, err
		}
		if spec == "" {
			return answer{}, pre(provider.FailMissingParameter, "KeyPairSpec is required")
		}
		if err := grantTokens(tokens); err != nil {
			return answer{}, err
		}
		id, err := q.resolveKey(keyID)
		if err != nil {
			return answer{}, err
		}
		plain := withPlain && recipient == nil
		resp, err := q.h.p.CreateEcDatakeyPair(q.ctx(), &provider.CreateEcDatakeyPairRequest{
			KeyID: id, KeySpec: spec, WithPlainText: &plain, EncryptionContext: ec, DryRun: dry, Recipient: recipient,
		})
		if err != nil {
			return answer{}, err
		}
		return secretAnswer(
			jsonwrite.Field{Name: "KeyId", Value: q.arn(resp.KeyID)},
			jsonwrite.Field{Name: "KeyPairSpec", Value: resp.KeySpec},
			jsonwrite.Field{Name: "PublicKey", Value: resp.PublicKey},
			jsonwrite.Field{Name: "PrivateKeyCiphertextBlob", Value: resp.PrivateKeyCipherText},
			jsonwrite.Field{Name: "PrivateKeyPlaintext", Value: resp.PrivateKeyPlainText, OmitEmpty: true},
			jsonwrite.Field{Name: "CiphertextForRecipient", Value: resp.CiphertextRecipient, OmitEmpty: true},
			jsonwrite.Field{Name: "KeyMaterialId", Value: keyMaterialID(resp.PrivateKeyCipherText), OmitEmpty: true},
		), nil
	}
}

// maxCiphertextBlob is AWS's bound of a CiphertextBlob (1 to 6144 bytes),
// and maxCiphertextBlobB64 the length of its base64.
const (
	maxCiphertextBlob    = 6144
	maxCiphertextBlobB64 = maxCiphertextBlob / 3 * 4
)

// decrypt serves Decrypt of a PrivateKeyCiphertextBlob.
func decrypt(q *request) (answer, error) {
	m := members{o: q.body}
	blob := m.str("CiphertextBlob")
	ec := m.strMap("EncryptionContext")
	tokens := m.strList("GrantTokens")
	keyIDp := m.optStr("KeyId")
	algp := m.optStr("EncryptionAlgorithm")
	dry := m.boolean("DryRun")
	hasRecipient := m.object("Recipient") != nil
	if err := m.done(); err != nil {
		return answer{}, err
	}
	// Optional, but when sent not empty: AWS's length constraint of
	// KeyId (1 to 2048) and the enum of EncryptionAlgorithm.
	keyID, alg := "", ""
	if keyIDp != nil {
		if keyID = *keyIDp; keyID == "" {
			return answer{}, pre(provider.FailInvalidParameter, "KeyId is empty: leave it out, or give a key id or ARN")
		}
	}
	if algp != nil {
		if alg = *algp; alg == "" {
			return answer{}, pre(provider.FailInvalidParameter, "EncryptionAlgorithm is empty: leave it out, or give SYMMETRIC_DEFAULT")
		}
	}
	if hasRecipient {
		return answer{}, pre(provider.FailUnsupported, "Decrypt with a Recipient is not supported: GenerateDataKeyPair takes one")
	}
	if blob == "" {
		return answer{}, pre(provider.FailMissingParameter, "CiphertextBlob is required")
	}
	if len(blob) > maxCiphertextBlobB64 {
		// AWS's length constraint of the member: a ValidationException,
		// not a ciphertext that does not open.
		return answer{}, pre(provider.FailInvalidParameter, "CiphertextBlob is more than %d bytes", maxCiphertextBlob)
	}
	switch alg {
	case "", "SYMMETRIC_DEFAULT":
	case "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "SM2PKE":
		// AWS's algorithms of asymmetric keys: valid, but not for the
		// symmetric master keys that seal data key pairs.
		return answer{}, pre(provider.FailKeyUsage, "EncryptionAlgorithm %s is for asymmetric KMS keys; a PrivateKeyCiphertextBlob is decrypted with SYMMETRIC_DEFAULT", alg)
	default:
		return answer{}, pre(provider.FailInvalidParameter, "EncryptionAlgorithm must be SYMMETRIC_DEFAULT")
	}
	if err := grantTokens(tokens); err != nil {
		return answer{}, err
	}
	id := ""
	if keyID != "" {
		var err error
		if id, err = q.resolveKey(keyID); err != nil {
			return answer{}, err
		}
	} else if err := q.setProject(""); err != nil {
		return answer{}, err
	}
	resp, err := q.h.p.DecryptDatakeyPair(q.ctx(), &provider.DecryptDatakeyPairRequest{
		CipherText: blob, EncryptionContext: ec, KeyID: id, DryRun: dry,
	})
	if err != nil {
		return answer{}, err
	}
	return secretAnswer(
		jsonwrite.Field{Name: "KeyId", Value: q.arn(resp.KeyID)},
		jsonwrite.Field{Name: "Plaintext", Value: resp.PrivateKeyPlainText},
		jsonwrite.Field{Name: "EncryptionAlgorithm", Value: "SYMMETRIC_DEFAULT"},
		jsonwrite.Field{Name: "KeyMaterialId", Value: keyMaterialID(blob), OmitEmpty: true},
	), nil
}

// jsonMarshal encodes an answer without key material.
func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// KnownOperation reports whether name (without "TrentService.") is an
// operation this dialect serves.
func KnownOperation(name string) bool {
	_, ok := operations[name]
	return ok
}
