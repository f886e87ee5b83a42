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

// RSAES_OAEP_SHA_256_AES_256_KEY_WRAP: RSAES-OAEP(SHA-256, MGF1-SHA-256,
// empty label) of a fresh AES-256 key || KWP of the plaintext under it.

// Limits on the caller's RSA key.
const (
	ckRSAMinBits = 2048
	ckRSAMaxBits = 4096
	ckAES256Key  = 32
)

// ckRSAOAEPOptions are the OAEP parameters of the algorithm.
var ckRSAOAEPOptions = &rsa.OAEPOptions{Hash: crypto.SHA256, MGFHash: crypto.SHA256}

// ckRSAWrapper implements RSAES_OAEP_SHA_256_AES_256_KEY_WRAP.
type ckRSAWrapper struct {
	pub *rsa.PublicKey
}

func ckNewRSAWrapper(k ckWrappingKey) (Wrapper, error) {
	if k.rsa == nil {
		return nil, fmt.Errorf("%w: %s needs an RSA wrapping key, got %s", ErrInvalidWrappingKey, RSAESOAEPSHA256AES256KeyWrap, k.describe())
	}
	if err := ckCheckRSAPublicKey(k.rsa); err != nil {
		return nil, err
	}
	return &ckRSAWrapper{pub: k.rsa}, nil
}

// ckCheckRSAPublicKey checks the size and shape of a caller's RSA key.
func ckCheckRSAPublicKey(pub *rsa.PublicKey) error {
	bits := pub.N.BitLen()
	if bits < ckRSAMinBits || bits > ckRSAMaxBits {
		return fmt.Errorf("%w: %s: RSA key of %d bits; %d to %d bits are accepted", ErrInvalidWrappingKey, RSAESOAEPSHA256AES256KeyWrap, bits, ckRSAMinBits, ckRSAMaxBits)
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
func (w *ckRSAWrapper) Wrap(_ context.Context, plaintext, _ []byte) ([]byte, error) {
	var key [ckAES256Key]byte
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

// ckRSAUnwrapper opens RSAES_OAEP_SHA_256_AES_256_KEY_WRAP envelopes.
type ckRSAUnwrapper struct {
	d    crypto.Decrypter
	size int // modulus size in bytes
}

func ckNewRSAUnwrapper(holder crypto.PrivateKey) (Unwrapper, error) {
	d, ok := holder.(crypto.Decrypter)
	if !ok {
		return nil, fmt.Errorf("%w: %s needs an RSA private key (crypto.Decrypter), got %T", ErrInvalidWrappingKey, RSAESOAEPSHA256AES256KeyWrap, holder)
	}
	pub, ok := d.Public().(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: %s needs an RSA private key, got one with a %T", ErrInvalidWrappingKey, RSAESOAEPSHA256AES256KeyWrap, d.Public())
	}
	if err := ckCheckRSAPublicKey(pub); err != nil {
		return nil, err
	}
	return &ckRSAUnwrapper{d: d, size: pub.Size()}, nil
}

// Unwrap implements Unwrapper. aad is ignored, as in Wrap.
func (u *ckRSAUnwrapper) Unwrap(_ context.Context, envelope, _ []byte) ([]byte, error) {
	if len(envelope) < u.size+kwp.MinCiphertext || (len(envelope)-u.size)%8 != 0 {
		return nil, fmt.Errorf("%w: %s envelope of %d bytes: needs %d bytes of RSA-OAEP then a key wrap of a multiple of 8, at least %d, bytes",
			ErrMalformedEnvelope, RSAESOAEPSHA256AES256KeyWrap, len(envelope), u.size, kwp.MinCiphertext)
	}
	key, err := ckRSAOAEPDecrypt(u.d, envelope[:u.size], nil)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	if len(key) != ckAES256Key {
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

// ckRSAOAEPDecrypt is the OAEP half of Unwrap: RSAES-OAEP-DECRYPT with
// SHA-256 and MGF1-SHA-256 under label (empty for the algorithm; the
// Wycheproof vectors also use others). Every failure is the same ErrDecrypt,
// as OAEP requires against Manger's attack.
func ckRSAOAEPDecrypt(d crypto.Decrypter, ciphertext, label []byte) ([]byte, error) {
	opts := ckRSAOAEPOptions
	if len(label) > 0 {
		o := *ckRSAOAEPOptions
		o.Label = label
		opts = &o
	}
	pt, err := d.Decrypt(rand.Reader, ciphertext, opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: RSA-OAEP decryption failed", ErrDecrypt, RSAESOAEPSHA256AES256KeyWrap)
	}
	return pt, nil
}
