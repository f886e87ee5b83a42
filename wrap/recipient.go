package wrap

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"io"

	"github.com/ecdkp/ecdkp/internal/quote"
	"github.com/ecdkp/ecdkp/wrap/attest"
	"github.com/ecdkp/ecdkp/wrap/internal/cms"
)

// KeyEncryptionRSAESOAEPSHA256 is the one key_encryption_algorithm a recipient
// may name, as in AWS KMS's RecipientInfo: RSAES-OAEP with SHA-256 and
// MGF1-SHA-256 and an empty label.
const KeyEncryptionRSAESOAEPSHA256 = "RSAES_OAEP_SHA_256"

// Bounds on the size of a recipient's RSA modulus.
const (
	RecipientMinRSABits = 2048
	RecipientMaxRSABits = 4096
)

// RecipientKeyIdentifier is the subjectKeyIdentifier that names pub in the
// envelope's KeyTransRecipientInfo: the SHA-1 of the subjectPublicKey BIT
// STRING contents of pub's SubjectPublicKeyInfo (the DER RSAPublicKey),
// method (1) of RFC 5280 section 4.2.1.2, which is also what OpenSSL puts in
// the SubjectKeyIdentifier of certificates it makes, so `openssl cms -decrypt
// -recip cert.pem` matches it. (KMS's own envelopes carry a 32-byte value
// whose derivation is not published; the enclave SDKs never read the
// identifier, they know their key.)
func RecipientKeyIdentifier(pub *rsa.PublicKey) []byte {
	sum := sha1.Sum(x509.MarshalPKCS1PublicKey(pub))
	return sum[:]
}

// recipientWrapper seals PKCS#8 private keys for an attested enclave.
type recipientWrapper struct {
	pub   *rsa.PublicKey
	keyID []byte
}

// NewRecipientWrapper returns the Wrapper of the response's
// ciphertext_recipient: a CMS EnvelopedData (RFC 5652) in the exact layout AWS
// KMS returns to Nitro enclaves as CiphertextForRecipient, so enclave code
// written for KMS (aws-nitro-enclaves-sdk-c, OpenSSL) opens it:
//
//	ContentInfo { id-envelopedData, [0] EnvelopedData {
//	  version 2,
//	  recipientInfos { KeyTransRecipientInfo { version 2,
//	    rid [0] subjectKeyIdentifier (RecipientKeyIdentifier),
//	    rsaesOaep { [0] sha256, [1] mgf1 { sha256 } }, encryptedKey } },
//	  encryptedContentInfo { id-data, aes256-CBC { 16-byte IV },
//	    [0] encryptedContent } } }
//
// Like KMS's, the envelope is BER: ContentInfo, its [0], EnvelopedData,
// EncryptedContentInfo and the (constructed, one-chunk) encryptedContent have
// indefinite lengths; the rest is DER. The AWS enclave SDK's parser cannot
// read the definite-length (DER) form of the same structure.
//
// The content is the plaintext with PKCS#7 padding under a fresh AES-256 key
// and IV; the key is wrapped with RSAES-OAEP (SHA-256, MGF1-SHA-256, empty
// label) to the RSA key in the verified attestation's public_key (DER
// SubjectPublicKeyInfo: the enclave's ephemeral key), which must be 2048 to
// 4096 bits. Pass only a Document returned by an attest.Verifier.
//
// Errors wrap ErrUnsupportedAlgorithm (keyEncryptionAlgorithm other than
// KeyEncryptionRSAESOAEPSHA256), ErrInvalidAttestation (no public_key) or
// ErrInvalidWrappingKey (public_key not an RSA key of an accepted size).
//
// CMS EnvelopedData cannot bind additional authenticated data: Wrap ignores
// its aad argument. The AAD stays bound by the master-key envelope
// (private_key_cipher_text) returned beside it.
func NewRecipientWrapper(att *attest.Document, keyEncryptionAlgorithm string) (Wrapper, error) {
	if keyEncryptionAlgorithm != KeyEncryptionRSAESOAEPSHA256 {
		return nil, fmt.Errorf("%w: key_encryption_algorithm %s; the only one supported is %s",
			ErrUnsupportedAlgorithm, quote.Quote(keyEncryptionAlgorithm, maxQuoted), KeyEncryptionRSAESOAEPSHA256)
	}
	if att == nil || len(att.PublicKey) == 0 {
		return nil, fmt.Errorf("%w: the attestation document carries no public_key to encrypt to", ErrInvalidAttestation)
	}
	key, err := x509.ParsePKIXPublicKey(att.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("%w: attestation public_key is not a DER SubjectPublicKeyInfo: %v", ErrInvalidWrappingKey, err)
	}
	pub, ok := key.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: attestation public_key is a %s key; %s needs RSA", ErrInvalidWrappingKey, keyTypeName(key), KeyEncryptionRSAESOAEPSHA256)
	}
	if err := checkRecipientRSA(pub.N.BitLen(), pub.E, pub.N.Bit(0) == 1); err != nil {
		return nil, err
	}
	return &recipientWrapper{pub: pub, keyID: RecipientKeyIdentifier(pub)}, nil
}

// Wrap implements Wrapper. aad is ignored: see NewRecipientWrapper.
func (w *recipientWrapper) Wrap(_ context.Context, plaintext, _ []byte) ([]byte, error) {
	var keys [cms.CEKSize + cms.IVSize]byte
	defer clear(keys[:])
	if _, err := io.ReadFull(rand.Reader, keys[:]); err != nil {
		return nil, fmt.Errorf("wrap: recipient content key: %w", err)
	}
	cek, iv := keys[:cms.CEKSize], keys[cms.CEKSize:]
	content, err := cms.SealCBC(cek, iv, plaintext)
	if err != nil {
		return nil, err
	}
	encryptedKey, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, w.pub, cek, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: RSAES-OAEP to the attested key: %v", ErrInvalidWrappingKey, err)
	}
	e := cms.Envelope{KeyID: w.keyID, EncryptedKey: encryptedKey, IV: iv, Content: content}
	return e.Marshal()
}

// recipientUnwrapper is the enclave side: it opens envelopes sealed to its key.
type recipientUnwrapper struct {
	priv  *rsa.PrivateKey
	keyID []byte
}

// NewRecipientUnwrapper returns the reference Unwrapper for envelopes made by
// NewRecipientWrapper, as an enclave holding priv would run it. It parses the
// CMS strictly (see cms.Parse), requires the recipient's
// subjectKeyIdentifier to be RecipientKeyIdentifier(&priv.PublicKey), opens
// the content-encryption key with RSAES-OAEP-SHA-256 and the content with
// AES-256-CBC. Like the wrapper it ignores aad. Errors wrap
// ErrMalformedEnvelope (unparseable) or ErrDecrypt (another key, tampering).
func NewRecipientUnwrapper(priv *rsa.PrivateKey) (Unwrapper, error) {
	if priv == nil || priv.N == nil {
		return nil, fmt.Errorf("%w: no RSA private key", ErrInvalidWrappingKey)
	}
	if err := checkRecipientRSA(priv.N.BitLen(), priv.E, priv.N.Bit(0) == 1); err != nil {
		return nil, err
	}
	return &recipientUnwrapper{priv: priv, keyID: RecipientKeyIdentifier(&priv.PublicKey)}, nil
}

// Unwrap implements Unwrapper. aad is ignored: see NewRecipientWrapper.
func (u *recipientUnwrapper) Unwrap(_ context.Context, envelope, _ []byte) ([]byte, error) {
	e, err := cms.Parse(envelope)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(e.KeyID, u.keyID) {
		return nil, fmt.Errorf("%w: CMS envelope is for another recipient (subjectKeyIdentifier differs)", ErrDecrypt)
	}
	if len(e.EncryptedKey) != u.priv.Size() {
		return nil, cms.Malformed("encryptedKey is %d bytes, want %d for this RSA key", len(e.EncryptedKey), u.priv.Size())
	}
	cek, err := rsa.DecryptOAEP(sha256.New(), nil, u.priv, e.EncryptedKey, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: CMS encryptedKey does not open with this RSA key", ErrDecrypt)
	}
	defer clear(cek)
	if len(cek) != cms.CEKSize {
		return nil, fmt.Errorf("%w: CMS content-encryption key is %d bytes, want %d", ErrDecrypt, len(cek), cms.CEKSize)
	}
	return cms.OpenCBC(cek, e.IV, e.Content)
}

// checkRecipientRSA checks the modulus size and shape and the public exponent.
func checkRecipientRSA(bits, e int, oddModulus bool) error {
	if bits < RecipientMinRSABits || bits > RecipientMaxRSABits {
		return fmt.Errorf("%w: RSA key of %d bits; %s needs %d to %d bits",
			ErrInvalidWrappingKey, bits, KeyEncryptionRSAESOAEPSHA256, RecipientMinRSABits, RecipientMaxRSABits)
	}
	if !oddModulus || e < 3 || e%2 == 0 {
		return fmt.Errorf("%w: RSA key has an even modulus or an invalid public exponent", ErrInvalidWrappingKey)
	}
	return nil
}

// keyTypeName names a parsed public key's type for error messages.
func keyTypeName(key any) string {
	switch key.(type) {
	case *ecdsa.PublicKey:
		return "ECDSA"
	case ed25519.PublicKey:
		return "Ed25519"
	case *ecdh.PublicKey:
		return "X25519"
	}
	return fmt.Sprintf("%T", key)
}
