package wrap

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"slices"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"golang.org/x/crypto/cryptobyte"
	cryptobyteasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Custom-key envelopes: the wrapped_private_key of a response.
//
// A request may carry wrapping_public_key (base64 of a DER
// SubjectPublicKeyInfo) and wrapping_algorithm; the response then carries
// wrapped_private_key, the PKCS#8 DER of the new private key sealed for the
// caller's key. NewCustomKeyWrapper validates the key against the algorithm
// once; its Wrapper seals; NewCustomKeyUnwrapper is the holder's side, the
// reference for clients and tests. The algorithms and their layouts:
//
//   - RSAES_OAEP_SHA_256_AES_256_KEY_WRAP (RSA 2048 to 4096 bits): a fresh
//     AES-256 key encrypted with RSAES-OAEP (SHA-256, MGF1-SHA-256, empty
//     label), modulus-size bytes, followed by the PKCS#8 wrapped under that
//     key with AES key wrap with padding (RFC 5649). This is PKCS#11
//     CKM_RSA_AES_KEY_WRAP, the layout of key import in AWS KMS
//     (RSA_AES_KEY_WRAP_SHA_256) and Google Cloud KMS
//     (RSA_OAEP_*_SHA256_AES_256); OpenSSL opens it with pkeyutl (OAEP) and
//     enc -id-aes256-wrap-pad.
//   - SM2_ENVELOPED_KEY (an SM2 key): the GB/T 35276 SM2EnvelopedKey, DER:
//     SEQUENCE { sm4-ecb AlgorithmIdentifier, SM2Cipher of the SM4 key,
//     the data key's public point, the SM4-ECB encrypted private scalar }.
//     It carries an SM2 private key, not a PKCS#8: it applies to SM2 data
//     keys only (CheckCustomKeySpec), and Unwrap re-encodes the scalar as
//     the canonical PKCS#8 of package encoding.
//   - HPKE_P256_SHA256_AES_256_GCM, HPKE_P384_SHA384_AES_256_GCM and
//     HPKE_P521_SHA512_AES_256_GCM (a key on that NIST curve): RFC 9180
//     base mode with DHKEM(P-x, HKDF-SHA-y), HKDF-SHA-y and AES-256-GCM,
//     info HPKEInfo, one Seal with the caller's AAD; the envelope is
//     enc (the uncompressed ephemeral point) || ciphertext || tag.
//
// Only the HPKE algorithms bind the AAD: unwrapping needs the same value.
// The RSA and SM2 layouts are fixed by other parties and have no room for
// it, so their Wrap and Unwrap ignore aad; the request's AAD is still bound
// into private_key_cipher_text by the master-key envelope.
//
// The constants below are the values of wrapping_algorithm.
const (
	// RSAESOAEPSHA256AES256KeyWrap is RSAES-OAEP-SHA-256 of a fresh AES-256
	// key followed by RFC 5649 key wrap with padding (CKM_RSA_AES_KEY_WRAP).
	RSAESOAEPSHA256AES256KeyWrap = "RSAES_OAEP_SHA_256_AES_256_KEY_WRAP"
	// SM2EnvelopedKey is the GB/T 35276 SM2EnvelopedKey, for SM2 data keys.
	SM2EnvelopedKey = "SM2_ENVELOPED_KEY"
	// HPKEP256SHA256AES256GCM is HPKE DHKEM(P-256, HKDF-SHA256),
	// HKDF-SHA256, AES-256-GCM.
	HPKEP256SHA256AES256GCM = "HPKE_P256_SHA256_AES_256_GCM"
	// HPKEP384SHA384AES256GCM is HPKE DHKEM(P-384, HKDF-SHA384),
	// HKDF-SHA384, AES-256-GCM.
	HPKEP384SHA384AES256GCM = "HPKE_P384_SHA384_AES_256_GCM"
	// HPKEP521SHA512AES256GCM is HPKE DHKEM(P-521, HKDF-SHA512),
	// HKDF-SHA512, AES-256-GCM.
	HPKEP521SHA512AES256GCM = "HPKE_P521_SHA512_AES_256_GCM"
)

// HPKEInfo is the HPKE info parameter of every HPKE custom-key envelope.
const HPKEInfo = "ecdkp wrapped_private_key v1"

// CustomKeyAlgorithms lists the custom-key wrapping algorithms, in a fixed
// order.
func CustomKeyAlgorithms() []string {
	return []string{
		RSAESOAEPSHA256AES256KeyWrap,
		SM2EnvelopedKey,
		HPKEP256SHA256AES256GCM,
		HPKEP384SHA384AES256GCM,
		HPKEP521SHA512AES256GCM,
	}
}

// CheckCustomKeySpec reports whether algorithm can wrap the private key of
// a data key pair of the given spec, so a provider can refuse a request
// before generating the key. RSA and HPKE wrap any spec; SM2_ENVELOPED_KEY
// only SM2. It fails with ErrUnsupportedAlgorithm.
func CheckCustomKeySpec(algorithm string, spec curves.Spec) error {
	switch algorithm {
	case RSAESOAEPSHA256AES256KeyWrap, HPKEP256SHA256AES256GCM, HPKEP384SHA384AES256GCM, HPKEP521SHA512AES256GCM:
		return nil
	case SM2EnvelopedKey:
		if spec != curves.SM2 {
			return fmt.Errorf("%w: %s envelopes only %s data keys, not %s", ErrUnsupportedAlgorithm, SM2EnvelopedKey, curves.SM2, ckQuote(string(spec)))
		}
		return nil
	}
	return ckUnknownAlgorithm(algorithm)
}

// NewCustomKeyWrapper returns the Wrapper that seals PKCS#8 private keys for
// the holder of spki (DER SubjectPublicKeyInfo) with algorithm. It fails
// with ErrUnsupportedAlgorithm for an unknown algorithm and with
// ErrInvalidWrappingKey for a malformed key or one the algorithm does not
// take: RSA of 2048 to 4096 bits for RSAES_OAEP_SHA_256_AES_256_KEY_WRAP,
// SM2 for SM2_ENVELOPED_KEY, the named NIST curve for each HPKE algorithm.
//
// The Wrapper is safe for concurrent use; its Wrap ignores ctx (the work is
// local and bounded) and, except for HPKE, aad (see the algorithms above).
func NewCustomKeyWrapper(algorithm string, spki []byte) (Wrapper, error) {
	switch algorithm {
	case RSAESOAEPSHA256AES256KeyWrap:
		pub, err := ckParseSPKI(algorithm, spki)
		if err != nil {
			return nil, err
		}
		return ckNewRSAWrapper(pub)
	case SM2EnvelopedKey:
		pub, err := ckParseSPKI(algorithm, spki)
		if err != nil {
			return nil, err
		}
		return ckNewSM2Wrapper(pub)
	case HPKEP256SHA256AES256GCM, HPKEP384SHA384AES256GCM, HPKEP521SHA512AES256GCM:
		pub, err := ckParseSPKI(algorithm, spki)
		if err != nil {
			return nil, err
		}
		return ckNewHPKEWrapper(ckHPKESuites[algorithm], pub)
	}
	return nil, ckUnknownAlgorithm(algorithm)
}

// NewCustomKeyUnwrapper returns the Unwrapper with which the holder of a
// wrapping key opens custom-key envelopes of algorithm; Unwrap returns the
// PKCS#8 DER. The holder may be:
//
//   - for RSAES_OAEP_SHA_256_AES_256_KEY_WRAP, a *rsa.PrivateKey or any
//     crypto.Decrypter with an *rsa.PublicKey that takes *rsa.OAEPOptions
//     (an HSM key, say);
//   - for SM2_ENVELOPED_KEY, a *sm2.PrivateKey (gmsm) or an SM2
//     *curves.PrivateKey;
//   - for the HPKE algorithms, a *curves.PrivateKey, *ecdsa.PrivateKey,
//     *ecdh.PrivateKey or other ecdh.KeyExchanger on the algorithm's curve.
//
// It fails with ErrUnsupportedAlgorithm or ErrInvalidWrappingKey.
func NewCustomKeyUnwrapper(algorithm string, holder crypto.PrivateKey) (Unwrapper, error) {
	if holder == nil {
		if !ckKnownAlgorithm(algorithm) {
			return nil, ckUnknownAlgorithm(algorithm)
		}
		return nil, fmt.Errorf("%w: %s: no holder private key", ErrInvalidWrappingKey, algorithm)
	}
	switch algorithm {
	case RSAESOAEPSHA256AES256KeyWrap:
		return ckNewRSAUnwrapper(holder)
	case SM2EnvelopedKey:
		return ckNewSM2Unwrapper(holder)
	case HPKEP256SHA256AES256GCM, HPKEP384SHA384AES256GCM, HPKEP521SHA512AES256GCM:
		return ckNewHPKEUnwrapper(ckHPKESuites[algorithm], holder)
	}
	return nil, ckUnknownAlgorithm(algorithm)
}

func ckKnownAlgorithm(algorithm string) bool {
	return slices.Contains(CustomKeyAlgorithms(), algorithm)
}

func ckUnknownAlgorithm(algorithm string) error {
	if algorithm == "" {
		return fmt.Errorf("%w: wrapping algorithm is empty", ErrUnsupportedAlgorithm)
	}
	return fmt.Errorf("%w: unknown wrapping algorithm %s", ErrUnsupportedAlgorithm, ckQuote(algorithm))
}

// ckQuote quotes a caller-supplied name for an error message, cut to a
// length that keeps messages readable.
func ckQuote(s string) string {
	const limit = 64
	if len(s) > limit {
		return fmt.Sprintf("%q...", s[:limit])
	}
	return fmt.Sprintf("%q", s)
}

// SubjectPublicKeyInfo algorithm OIDs the custom-key algorithms tell apart.
var (
	ckOIDRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	ckOIDECPublicKey   = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	ckOIDRSAPSS        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	ckOIDX25519        = asn1.ObjectIdentifier{1, 3, 101, 110}
	ckOIDEd25519       = asn1.ObjectIdentifier{1, 3, 101, 112}
)

// ckWrappingKey is a parsed wrapping public key: exactly one field is set.
type ckWrappingKey struct {
	rsa *rsa.PublicKey
	ec  *curves.PublicKey
}

// describe names the key's type for error messages.
func (k ckWrappingKey) describe() string {
	if k.rsa != nil {
		return fmt.Sprintf("an RSA-%d key", k.rsa.N.BitLen())
	}
	return fmt.Sprintf("an EC key on %s", k.ec.Curve().Spec())
}

// ckParseSPKI parses a wrapping public key: rsaEncryption keys with
// crypto/x509, id-ecPublicKey keys of every registered curve with
// encoding.ParseSPKI. Either parse is strict DER.
func ckParseSPKI(algorithm string, spki []byte) (ckWrappingKey, error) {
	if len(spki) == 0 {
		return ckWrappingKey{}, fmt.Errorf("%w: %s: wrapping public key is empty", ErrInvalidWrappingKey, algorithm)
	}
	var (
		in            = cryptobyte.String(spki)
		body, algID   cryptobyte.String
		oid           asn1.ObjectIdentifier
		malformedSPKI = fmt.Errorf("%w: %s: wrapping public key is not a DER SubjectPublicKeyInfo", ErrInvalidWrappingKey, algorithm)
	)
	if !in.ReadASN1(&body, cryptobyteasn1.SEQUENCE) || !in.Empty() ||
		!body.ReadASN1(&algID, cryptobyteasn1.SEQUENCE) ||
		!algID.ReadASN1ObjectIdentifier(&oid) {
		return ckWrappingKey{}, malformedSPKI
	}
	switch {
	case oid.Equal(ckOIDRSAEncryption):
		k, err := x509.ParsePKIXPublicKey(spki)
		if err != nil {
			return ckWrappingKey{}, malformedSPKI
		}
		pub, ok := k.(*rsa.PublicKey)
		if !ok {
			return ckWrappingKey{}, malformedSPKI
		}
		return ckWrappingKey{rsa: pub}, nil
	case oid.Equal(ckOIDECPublicKey):
		pub, err := encoding.ParseSPKI(spki)
		if err != nil {
			return ckWrappingKey{}, fmt.Errorf("%w: %s: wrapping public key: %v", ErrInvalidWrappingKey, algorithm, err)
		}
		return ckWrappingKey{ec: pub}, nil
	case oid.Equal(ckOIDRSAPSS):
		return ckWrappingKey{}, fmt.Errorf("%w: %s: wrapping public key is RSASSA-PSS, a signature-only key type", ErrInvalidWrappingKey, algorithm)
	case oid.Equal(ckOIDX25519), oid.Equal(ckOIDEd25519):
		return ckWrappingKey{}, fmt.Errorf("%w: %s: wrapping public key type %s is not supported", ErrInvalidWrappingKey, algorithm, oid)
	}
	return ckWrappingKey{}, fmt.Errorf("%w: %s: wrapping public key has unsupported algorithm %s", ErrInvalidWrappingKey, algorithm, oid)
}
