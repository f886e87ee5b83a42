package wrap

import (
	"context"
	"crypto"
	"crypto/aes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"

	"github.com/ecdkp/ecdkp/wrap/internal/kwp"
)

// RSAESOAEPSHA256AES256KeyWrap is the wrapping_algorithm
// RSAES_OAEP_SHA_256_AES_256_KEY_WRAP, for an RSA wrapping key of 2048 to
// 4096 bits and any data key spec: a fresh AES-256 key encrypted with
// RSAES-OAEP (SHA-256, MGF1-SHA-256, empty label), modulus-size bytes,
// followed by the PKCS#8 wrapped under that key with AES key wrap with
// padding (RFC 5649). This is PKCS#11 CKM_RSA_AES_KEY_WRAP, the layout of
// key import in AWS KMS (RSA_AES_KEY_WRAP_SHA_256) and Google Cloud KMS
// (RSA_OAEP_*_SHA256_AES_256); OpenSSL opens it with pkeyutl (OAEP) and enc
// -id-aes256-wrap-pad.
const RSAESOAEPSHA256AES256KeyWrap = "RSAES_OAEP_SHA_256_AES_256_KEY_WRAP"

// rsaAESKeyWrapAlgorithm is the algorithm's entry in the custom-key table:
// any data key spec, an RSA wrapping key of 2048 to 4096 bits.
var rsaAESKeyWrapAlgorithm = CustomKeyAlgorithm{
	Name:         RSAESOAEPSHA256AES256KeyWrap,
	NewWrapper:   newRSAAESKeyWrapper,
	NewUnwrapper: newRSAAESKeyUnwrapper,
}

// Limits on the caller's RSA key.
const (
	rsaMinBits    = 2048
	rsaMaxBits    = 4096
	aes256KeySize = 32
)

// rsaOAEPOptions are the OAEP parameters of the algorithm.
var rsaOAEPOptions = &rsa.OAEPOptions{Hash: crypto.SHA256, MGFHash: crypto.SHA256}

// rsaAESKeyWrapper implements RSAES_OAEP_SHA_256_AES_256_KEY_WRAP.
type rsaAESKeyWrapper struct {
	pub *rsa.PublicKey
}

func newRSAAESKeyWrapper(spki []byte) (Wrapper, error) {
	k, err := parseWrappingKey(RSAESOAEPSHA256AES256KeyWrap, spki)
	if err != nil {
		return nil, err
	}
	if k.rsa == nil {
		return nil, fmt.Errorf("%w: %s needs an RSA wrapping key, got %s", ErrInvalidWrappingKey, RSAESOAEPSHA256AES256KeyWrap, k.describe())
	}
	if err := checkRSAWrappingKey(k.rsa); err != nil {
		return nil, err
	}
	return &rsaAESKeyWrapper{pub: k.rsa}, nil
}

// checkRSAWrappingKey checks the size and shape of a caller's RSA key.
func checkRSAWrappingKey(pub *rsa.PublicKey) error {
	bits := pub.N.BitLen()
	if bits < rsaMinBits || bits > rsaMaxBits {
		return fmt.Errorf("%w: %s: RSA key of %d bits; %d to %d bits are accepted", ErrInvalidWrappingKey, RSAESOAEPSHA256AES256KeyWrap, bits, rsaMinBits, rsaMaxBits)
	}
	if pub.N.Bit(0) == 0 {
		return fmt.Errorf("%w: %s: RSA modulus is even", ErrInvalidWrappingKey, RSAESOAEPSHA256AES256KeyWrap)
	}
	if pub.E < 3 || pub.E%2 == 0 || pub.E > 1<<31-1 {
		return fmt.Errorf("%w: %s: RSA public exponent %d is not an odd number in [3, 2^31-1]", ErrInvalidWrappingKey, RSAESOAEPSHA256AES256KeyWrap, pub.E)
	}
	return nil
}

// Wrap implements Wrapper. aad is ignored: the layout cannot carry it.
func (w *rsaAESKeyWrapper) Wrap(_ context.Context, plaintext, _ []byte) ([]byte, error) {
	var key [aes256KeySize]byte
	defer clear(key[:])
	_, _ = rand.Read(key[:]) // never fails (crypto/rand)
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnsupportedAlgorithm, RSAESOAEPSHA256AES256KeyWrap, err)
	}
	encKey, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, w.pub, key[:], nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: RSA-OAEP encryption under the wrapping key failed: %v", ErrInvalidWrappingKey, RSAESOAEPSHA256AES256KeyWrap, err)
	}
	out := make([]byte, len(encKey), len(encKey)+8+(len(plaintext)+7)&^7)
	copy(out, encKey)
	return kwp.AppendWrap(out, block, plaintext)
}

// rsaAESKeyUnwrapper opens RSAES_OAEP_SHA_256_AES_256_KEY_WRAP envelopes.
type rsaAESKeyUnwrapper struct {
	d    crypto.Decrypter
	size int // modulus size in bytes
}

func newRSAAESKeyUnwrapper(holder crypto.PrivateKey) (Unwrapper, error) {
	d, ok := holder.(crypto.Decrypter)
	if !ok {
		return nil, fmt.Errorf("%w: %s needs an RSA private key (crypto.Decrypter), got %T", ErrInvalidWrappingKey, RSAESOAEPSHA256AES256KeyWrap, holder)
	}
	pub, ok := d.Public().(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: %s needs an RSA private key, got one with a %T", ErrInvalidWrappingKey, RSAESOAEPSHA256AES256KeyWrap, d.Public())
	}
	if err := checkRSAWrappingKey(pub); err != nil {
		return nil, err
	}
	return &rsaAESKeyUnwrapper{d: d, size: pub.Size()}, nil
}

// Unwrap implements Unwrapper. aad is ignored, as in Wrap.
func (u *rsaAESKeyUnwrapper) Unwrap(_ context.Context, envelope, _ []byte) ([]byte, error) {
	if len(envelope) < u.size+kwp.MinCiphertext || (len(envelope)-u.size)%8 != 0 {
		return nil, fmt.Errorf("%w: %s envelope of %d bytes: needs %d bytes of RSA-OAEP then a key wrap of a multiple of 8, at least %d, bytes",
			ErrMalformedEnvelope, RSAESOAEPSHA256AES256KeyWrap, len(envelope), u.size, kwp.MinCiphertext)
	}
	key, err := rsaOAEPDecrypt(u.d, envelope[:u.size], nil)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	if len(key) != aes256KeySize {
		return nil, fmt.Errorf("%w: %s: RSA-OAEP part does not hold an AES-256 key", ErrDecrypt, RSAESOAEPSHA256AES256KeyWrap)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrDecrypt, RSAESOAEPSHA256AES256KeyWrap, err)
	}
	pt, err := kwp.Unwrap(block, envelope[u.size:])
	if err != nil {
		return nil, fmt.Errorf("%w: %s: AES key wrap integrity check failed", ErrDecrypt, RSAESOAEPSHA256AES256KeyWrap)
	}
	return pt, nil
}

// rsaOAEPDecrypt is the OAEP half of Unwrap: RSAES-OAEP-DECRYPT with
// SHA-256 and MGF1-SHA-256 under label (empty for the algorithm; the
// Wycheproof vectors also use others). Every failure is the same ErrDecrypt,
// as OAEP requires against Manger's attack.
func rsaOAEPDecrypt(d crypto.Decrypter, ciphertext, label []byte) ([]byte, error) {
	opts := rsaOAEPOptions
	if len(label) > 0 {
		o := *rsaOAEPOptions
		o.Label = label
		opts = &o
	}
	pt, err := d.Decrypt(rand.Reader, ciphertext, opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: RSA-OAEP decryption failed", ErrDecrypt, RSAESOAEPSHA256AES256KeyWrap)
	}
	return pt, nil
}
