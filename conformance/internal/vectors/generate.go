package vectors

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Descriptions of the files.
const (
	keysDescription = "Fixed private scalars of every key spec (1, 2, the largest valid one, and three derived " +
		"from SHA-256/SHA-512 of a label as 1 + (H mod max)) with their uncompressed public point, DER SPKI, " +
		"DER PKCS#8 and DER SEC 1. Encoders must write exactly these bytes; parsers must read them back to the scalar. " +
		"ECC_NIST_EDWARDS25519 (Ed25519, RFC 8032/8410) follows: scalar is the 32-byte seed, public_point the 32-byte " +
		"public key, sec1 empty (there is no SEC 1 form)."
	envelopesDescription = "Master-key envelopes v1 (EKP1 | alg | key_id | key_version | nonce | ciphertext||tag, " +
		"GCM additional data = header || key_spec || 00 || aad) sealed with fixed master keys and nonces. " +
		"Sealing must give exactly these bytes; opening with the same key_spec and aad must give the plaintext."
	envelopesV2Description = "Master-key envelopes v2 (EKP2 | alg (3 XAES-256-GCM, 4 XSM4-GCM) | key_id | key_version (big-endian) " +
		"| spec_len | key_spec | nonce (24) | ciphertext||tag, GCM additional data = every byte before the nonce || context) " +
		"sealed with fixed master keys and nonces, with the derived key; context is the context binding of the Huawei aad " +
		"(48 || aad) or of the AWS encryption_context (41 || for each key in byte order: uvarint(len k) || k || uvarint(len v) || v), " +
		"empty for none. Sealing must give exactly these bytes; opening with the context must give the plaintext."
	envelopeV2NegativesDescription = "Envelopes v2 that an opener must refuse, with the error class: opened with the master key " +
		"of the referenced envelopes_v2.json vector (master_key, when set, replaces its material), the context, and key_spec " +
		"when set (otherwise the header's). Also refuse every single-bit flip of every envelopes_v2.json envelope."
	decodeNegativesDescription = "Inputs that a parser must refuse, with the error class: spki, pkcs8 and sec1 inputs " +
		"for the key parsers; envelope inputs opened with the master key of the referenced envelopes.json vector " +
		"(master_key, when set, replaces its material), key_spec and aad."
	requestNegativesDescription = "Invalid create-ec-datakey-pair and decrypt-datakey-pair requests with the HTTP " +
		"status and KMS error code they must get. Replace {{key_id}} with an enabled master key of the target, " +
		"{{missing_key_id}} with " + MissingKeyID + " and {{cipher_text}} with a private_key_cipher_text created " +
		"under {{key_id}} for ECC_NIST_P256 with additional_authenticated_data \"" + CipherTextAAD + "\". " +
		"raw vectors need raw HTTP (bodies a typed client cannot send)."
)

// Generate builds every vector file from fixed inputs and returns the
// files' contents by name (KeysFile, ...). The output is deterministic:
// running it twice gives the same bytes.
func Generate() (map[string][]byte, error) {
	ks, err := genKeys()
	if err != nil {
		return nil, err
	}
	envs, err := genEnvelopes(ks)
	if err != nil {
		return nil, err
	}
	envsV2, err := genEnvelopesV2(ks)
	if err != nil {
		return nil, err
	}
	decodeNeg := genDecodeNegatives(ks, envs)
	decodeNeg = appendEdNegatives(decodeNeg, ks)
	reqNeg, err := genRequestNegatives(ks, envs)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	if out[KeysFile], err = marshalFile(KeysFile, keysDescription, ks.vectors); err != nil {
		return nil, err
	}
	if out[EnvelopesFile], err = marshalFile(EnvelopesFile, envelopesDescription, envs); err != nil {
		return nil, err
	}
	if out[EnvelopesV2File], err = marshalFile(EnvelopesV2File, envelopesV2Description, envsV2); err != nil {
		return nil, err
	}
	if out[EnvelopeV2NegativesFile], err = marshalFile(EnvelopeV2NegativesFile, envelopeV2NegativesDescription, genEnvelopeV2Negatives(envsV2)); err != nil {
		return nil, err
	}
	if out[DecodeNegativesFile], err = marshalFile(DecodeNegativesFile, decodeNegativesDescription, decodeNeg); err != nil {
		return nil, err
	}
	if out[RequestNegativesFile], err = marshalFile(RequestNegativesFile, requestNegativesDescription, reqNeg); err != nil {
		return nil, err
	}
	if out[AWSRequestNegativesFile], err = marshalFile(AWSRequestNegativesFile, awsRequestNegativesDescription, genAWSRequestNegatives()); err != nil {
		return nil, err
	}
	return out, nil
}

func marshalFile[V any](name, description string, vs []V) ([]byte, error) {
	f := File[V]{
		Schema:      Schema,
		Name:        strings.TrimSuffix(name, ".json"),
		Description: description,
		Generator:   GeneratorCommand,
		Count:       len(vs),
		Vectors:     vs,
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Parse reads a vector file, checking its schema, name and count.
func Parse[V any](name string, data []byte) (*File[V], error) {
	var f File[V]
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, &ParseError{name, "not valid JSON for the schema: " + err.Error()}
	}
	switch {
	case f.Schema != Schema:
		return nil, &ParseError{name, "schema is " + f.Schema + ", want " + Schema}
	case f.Name != strings.TrimSuffix(name, ".json"):
		return nil, &ParseError{name, "name field is " + f.Name}
	case f.Count != len(f.Vectors):
		return nil, &ParseError{name, "count does not match the number of vectors"}
	}
	return &f, nil
}

// ParseError is a vector file that does not follow the schema.
type ParseError struct {
	File, Problem string
}

// Error implements error.
func (e *ParseError) Error() string { return "vectors: " + e.File + ": " + e.Problem }
