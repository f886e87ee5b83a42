package cms

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"fmt"

	"github.com/ecdkp/ecdkp/wrap/internal/errs"
)

// The content cipher of the CMS envelope: AES-CBC with PKCS#7 padding
// (RFC 5652 section 6.3), AES-256 in the envelope. CBC is unauthenticated;
// what protects the plaintext is that only the enclave holds the RSA key that
// opens the content-encryption key.
const (
	// CEKSize is the content-encryption key size (AES-256).
	CEKSize = 32
	// IVSize is the CBC IV size, one AES block.
	IVSize = aes.BlockSize
)

// SealCBC pads plaintext to a whole number of blocks (PKCS#7: n bytes of
// value n, 1 <= n <= 16) and encrypts it with AES-CBC under key and iv. The
// padded copy is encrypted in place, so no plaintext copy is left behind.
func SealCBC(key, iv, plaintext []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("wrap: CMS content cipher: %w", err)
	}
	if len(iv) != aes.BlockSize {
		return nil, fmt.Errorf("wrap: CMS content cipher: IV is %d bytes, want %d", len(iv), aes.BlockSize)
	}
	n := (len(plaintext)/aes.BlockSize + 1) * aes.BlockSize
	out := make([]byte, n)
	copy(out, plaintext)
	pad := byte(n - len(plaintext))
	for i := len(plaintext); i < n; i++ {
		out[i] = pad
	}
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, out)
	return out, nil
}

// OpenCBC decrypts AES-CBC ciphertext and removes its PKCS#7 padding,
// checking the padding in constant time. A ciphertext that is empty or not a
// whole number of blocks is wrap.ErrMalformedEnvelope; a wrong key or tampered
// bytes (bad padding) is wrap.ErrDecrypt.
func OpenCBC(key, iv, ciphertext []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: CMS content key: %v", errs.Decrypt, err)
	}
	if len(iv) != aes.BlockSize {
		return nil, Malformed("IV is %d bytes, want %d", len(iv), aes.BlockSize)
	}
	if len(ciphertext) == 0 || len(ciphertext)%aes.BlockSize != 0 {
		return nil, Malformed("encrypted content is %d bytes, not a positive multiple of %d", len(ciphertext), aes.BlockSize)
	}
	out := make([]byte, len(ciphertext))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, ciphertext)
	n, ok := pkcs7Unpad(out)
	if !ok {
		clear(out)
		return nil, fmt.Errorf("%w: CMS encrypted content has bad padding (wrong key or tampered content)", errs.Decrypt)
	}
	clear(out[n:])
	return out[:n], nil
}

// pkcs7Unpad returns the unpadded length of b (a non-empty whole number of
// blocks) and whether its padding is valid, in time independent of the
// padding's value.
func pkcs7Unpad(b []byte) (int, bool) {
	last := b[len(b)-1]
	padLen := int(last)
	good := subtle.ConstantTimeLessOrEq(1, padLen) & subtle.ConstantTimeLessOrEq(padLen, aes.BlockSize)
	for i := 1; i <= aes.BlockSize; i++ {
		inPad := subtle.ConstantTimeLessOrEq(i, padLen)
		same := subtle.ConstantTimeByteEq(b[len(b)-i], last)
		good &= subtle.ConstantTimeSelect(inPad, same, 1)
	}
	if good != 1 {
		return 0, false
	}
	return len(b) - padLen, true
}
