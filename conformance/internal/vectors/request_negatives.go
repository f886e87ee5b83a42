package vectors

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/huawei"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/wrap"
)

// Routes of RequestNegative.Route.
const (
	RouteCreate  = "create"
	RouteDecrypt = "decrypt"
)

// requests accumulates request_negatives.json.
type requests struct{ out []RequestNegative }

func (r *requests) add(route, comment, body string, raw bool, f provider.Failure) {
	r.out = append(r.out, RequestNegative{
		ID: len(r.out) + 1, Comment: comment, Route: route, Body: body, Raw: raw,
		Status: huawei.CodeOf(f).Status, ErrorCode: huawei.CodeOf(f).Code,
	})
}

// obj writes a JSON object with the fields in the order given: key, value,
// key, value, ...
func obj(kv ...any) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(kv[i])
		b.Write(k)
		b.WriteByte(':')
		var v bytes.Buffer
		enc := json.NewEncoder(&v)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(kv[i+1]) // strings, bools, numbers and maps of them
		b.Write(bytes.TrimSuffix(v.Bytes(), []byte("\n")))
	}
	b.WriteByte('}')
	return b.String()
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// genRequestNegatives builds request_negatives.json. Expected statuses and
// codes come from the provider's failure table.
func genRequestNegatives(ks *keySet, envs []Envelope) ([]RequestNegative, error) {
	const (
		key     = PlaceholderKeyID
		p256    = string(curves.P256)
		hpke    = wrap.HPKEP256SHA256AES256GCM
		seq     = "919c82d4-8046-4722-9094-35c3c6524cff" // 36 bytes
		ctAAD   = CipherTextAAD
		created = PlaceholderCipherText
	)
	wrapKey := b64(ks.get(curves.P256, "two").vec.SPKI)
	wrapKey384 := b64(ks.get(curves.P384, "two").vec.SPKI)
	aad1024 := strings.Repeat("a", provider.MaxAADLen+1)

	// A well-formed envelope naming MissingKeyID.
	missingID, err := keystore.ParseKeyID(MissingKeyID)
	if err != nil {
		return nil, err
	}
	var aesP256 []byte
	for _, e := range envs {
		if e.Algorithm == string(keystore.AES256) && e.KeySpec == p256 {
			aesP256 = clone(e.Envelope)
			break
		}
	}
	copy(aesP256[5:21], missingID[:])
	badMagic := append([]byte("XKP1"), aesP256[4:]...)
	badAlg := clone(aesP256)
	badAlg[4] = 9

	r := &requests{}
	c, d := RouteCreate, RouteDecrypt

	// create-ec-datakey-pair: bodies only raw HTTP can send.
	r.add(c, "truncated JSON", `{"key_id":"`+key+`","key_spec":`, true, provider.FailMalformedJSON)
	r.add(c, "empty body", ``, true, provider.FailMalformedJSON)
	r.add(c, "a JSON array, not an object", `[]`, true, provider.FailMalformedJSON)
	r.add(c, "a JSON string, not an object", `"`+key+`"`, true, provider.FailMalformedJSON)
	r.add(c, "unknown field", obj("key_id", key, "key_spec", p256, "key_usage", "ENCRYPT_DECRYPT"), true, provider.FailMalformedJSON)
	r.add(c, "with_plain_text as a string", obj("key_id", key, "key_spec", p256, "with_plain_text", "false"), true, provider.FailMalformedJSON)
	r.add(c, "key_spec as a number", obj("key_id", key, "key_spec", 256), true, provider.FailMalformedJSON)
	r.add(c, "recipient as a string", obj("key_id", key, "key_spec", p256, "with_plain_text", false, "recipient", "AAAA"), true, provider.FailMalformedJSON)
	r.add(c, "a second object after the first", obj("key_id", key, "key_spec", p256)+`{}`, true, provider.FailMalformedJSON)

	// create-ec-datakey-pair: well-formed JSON, invalid requests.
	r.add(c, "key_id missing", obj("key_spec", p256), false, provider.FailMissingParameter)
	r.add(c, "key_id empty", obj("key_id", "", "key_spec", p256), false, provider.FailMissingParameter)
	r.add(c, "key_spec missing", obj("key_id", key), false, provider.FailMissingParameter)
	r.add(c, "key_spec empty", obj("key_id", key, "key_spec", ""), false, provider.FailMissingParameter)
	r.add(c, "key_id of 3 characters", obj("key_id", "abc", "key_spec", p256), false, provider.FailInvalidKeyID)
	r.add(c, "key_id in upper case", obj("key_id", strings.ToUpper(MissingKeyID), "key_spec", p256), false, provider.FailInvalidKeyID)
	r.add(c, "key_id of 36 characters without dashes", obj("key_id", strings.ReplaceAll(MissingKeyID, "-", "0"), "key_spec", p256), false, provider.FailInvalidKeyID)
	r.add(c, "key_id of 37 characters", obj("key_id", MissingKeyID+"0", "key_spec", p256), false, provider.FailInvalidKeyID)
	r.add(c, "key_id in braces", obj("key_id", "{"+MissingKeyID+"}", "key_spec", p256), false, provider.FailInvalidKeyID)
	r.add(c, "key_id with a space", obj("key_id", " "+MissingKeyID[1:], "key_spec", p256), false, provider.FailInvalidKeyID)
	r.add(c, "key_spec ECC_NIST_P224 (not offered)", obj("key_id", key, "key_spec", "ECC_NIST_P224"), false, provider.FailUnknownKeySpec)
	r.add(c, "key_spec in lower case", obj("key_id", key, "key_spec", "sm2"), false, provider.FailUnknownKeySpec)
	r.add(c, "key_spec RSA_2048", obj("key_id", key, "key_spec", "RSA_2048"), false, provider.FailUnknownKeySpec)
	r.add(c, "key_spec with a trailing space", obj("key_id", key, "key_spec", p256+" "), false, provider.FailUnknownKeySpec)
	r.add(c, "sequence of 35 bytes", obj("key_id", key, "key_spec", p256, "sequence", seq[:35]), false, provider.FailInvalidSequence)
	r.add(c, "sequence of 37 bytes", obj("key_id", key, "key_spec", p256, "sequence", seq+"0"), false, provider.FailInvalidSequence)
	r.add(c, "sequence with an underscore", obj("key_id", key, "key_spec", p256, "sequence", seq[:35]+"_"), false, provider.FailInvalidSequence)
	r.add(c, "additional_authenticated_data of 1024 bytes", obj("key_id", key, "key_spec", p256, "additional_authenticated_data", aad1024), false, provider.FailInvalidParameter)
	r.add(c, "with_plain_text=true with a wrapping key", obj("key_id", key, "key_spec", p256, "with_plain_text", true,
		"wrapping_public_key", wrapKey, "wrapping_algorithm", hpke), false, provider.FailInvalidParameter)
	r.add(c, "wrapping key and recipient together", obj("key_id", key, "key_spec", p256, "wrapping_public_key", wrapKey, "wrapping_algorithm", hpke,
		"recipient", map[string]string{"attestation_document": "AAAA", "key_encryption_algorithm": "RSAES_OAEP_SHA_256"}), false, provider.FailInvalidParameter)
	r.add(c, "wrapping_algorithm without wrapping_public_key", obj("key_id", key, "key_spec", p256, "wrapping_algorithm", hpke), false, provider.FailMissingParameter)
	r.add(c, "unknown wrapping_algorithm", obj("key_id", key, "key_spec", p256, "wrapping_public_key", wrapKey, "wrapping_algorithm", "AES_KEY_WRAP"), false, provider.FailUnsupportedAlgorithm)
	r.add(c, "SM2_ENVELOPED_KEY for an ECC_NIST_P256 data key", obj("key_id", key, "key_spec", p256, "wrapping_public_key", wrapKey,
		"wrapping_algorithm", wrap.SM2EnvelopedKey), false, provider.FailUnsupportedAlgorithm)
	r.add(c, "wrapping_public_key not base64", obj("key_id", key, "key_spec", p256, "wrapping_public_key", "***", "wrapping_algorithm", hpke), false, provider.FailInvalidWrappingKey)
	r.add(c, "P-384 wrapping key for HPKE_P256_SHA256_AES_256_GCM", obj("key_id", key, "key_spec", p256, "wrapping_public_key", wrapKey384,
		"wrapping_algorithm", hpke), false, provider.FailInvalidWrappingKey)
	r.add(c, "master key not found", obj("key_id", PlaceholderMissingKeyID, "key_spec", p256), false, provider.FailKeyNotFound)

	// decrypt-datakey-pair: bodies only raw HTTP can send.
	r.add(d, "truncated JSON", `{"cipher_text":`, true, provider.FailMalformedJSON)
	r.add(d, "unknown field", obj("cipher_text", created, "additional_authenticated_data", ctAAD, "key_id", key), true, provider.FailMalformedJSON)
	r.add(d, "cipher_text as a number", obj("cipher_text", 42), true, provider.FailMalformedJSON)

	// decrypt-datakey-pair: well-formed JSON, invalid requests.
	r.add(d, "cipher_text missing", obj(), false, provider.FailMissingParameter)
	r.add(d, "cipher_text empty", obj("cipher_text", ""), false, provider.FailMissingParameter)
	r.add(d, "cipher_text not base64", obj("cipher_text", "***"), false, provider.FailInvalidCiphertext)
	r.add(d, "cipher_text base64 without padding", obj("cipher_text", base64.RawStdEncoding.EncodeToString([]byte("EKP1"))), false, provider.FailInvalidCiphertext)
	r.add(d, "cipher_text in the URL-safe alphabet", obj("cipher_text", base64.URLEncoding.EncodeToString([]byte{0xfb, 0xff, 0xfe, 0xfb, 0xff})), false, provider.FailInvalidCiphertext)
	r.add(d, "cipher_text of the magic only", obj("cipher_text", b64([]byte("EKP1"))), false, provider.FailInvalidCiphertext)
	r.add(d, "cipher_text one byte shorter than an envelope's overhead", obj("cipher_text", b64(aesP256[:wrap.MasterOverhead-1])), false, provider.FailInvalidCiphertext)
	r.add(d, "cipher_text with a wrong magic", obj("cipher_text", b64(badMagic)), false, provider.FailInvalidCiphertext)
	r.add(d, "cipher_text naming algorithm 9", obj("cipher_text", b64(badAlg)), false, provider.FailInvalidCiphertext)
	r.add(d, "cipher_text of 8196 characters", obj("cipher_text", strings.Repeat("A", provider.MaxCipherTextLen+4)), false, provider.FailInvalidCiphertext)
	r.add(d, "envelope naming a master key that does not exist ({{missing_key_id}})", obj("cipher_text", b64(aesP256)), false, provider.FailKeyNotFound)
	r.add(d, "another additional_authenticated_data", obj("cipher_text", created, "additional_authenticated_data", ctAAD+"!"), false, provider.FailDecrypt)
	r.add(d, "additional_authenticated_data missing", obj("cipher_text", created), false, provider.FailDecrypt)
	r.add(d, "key_spec of another curve (SM2)", obj("cipher_text", created, "additional_authenticated_data", ctAAD, "key_spec", string(curves.SM2)), false, provider.FailDecrypt)
	r.add(d, "unknown key_spec", obj("cipher_text", created, "additional_authenticated_data", ctAAD, "key_spec", "P-256"), false, provider.FailUnknownKeySpec)
	r.add(d, "additional_authenticated_data of 1024 bytes", obj("cipher_text", created, "additional_authenticated_data", aad1024), false, provider.FailInvalidParameter)
	r.add(d, "sequence of 35 bytes", obj("cipher_text", created, "additional_authenticated_data", ctAAD, "sequence", seq[:35]), false, provider.FailInvalidSequence)
	return r.out, nil
}
