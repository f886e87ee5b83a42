package wrap

import (
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"slices"
	"sync"

	"github.com/emmansun/gmsm/sm4"
)

// XAES-256-GCM (c2sp.org/XAES-256-GCM) and XSM4-GCM, its analog with SM4
// as the block cipher, are the AEADs of the master-key envelope v2. Both take
// a 24-byte random nonce N: a per-message key Kx is derived from the master
// key K and N[:12] with the NIST SP 800-108r1 counter KDF over CMAC, then
// Kx seals with GCM under the nonce N[12:]. With E the block cipher under K:
//
//	K1 = dbl(E(0^128))                      once per master key
//	M_i = 00 || i || 58 || 00 || N[:12]
//	Kx = E(M_1 ^ K1) || E(M_2 ^ K1)         AES-256 (32 bytes)
//	Kx = E(M_1 ^ K1)                        SM4 (16 bytes)
//
// An XAESDeriver does the derivation over a BlockEncrypter or a BlockMAC, so
// that E can run inside an HSM and only Kx reaches this process;
// SealWithDerivedKey and OpenWithDerivedKey then use that Kx.
const (
	// XNonceSize is the nonce length of XAES-256-GCM and XSM4-GCM.
	XNonceSize = 24
	// XTagSize is their tag length, which is all they add to a plaintext.
	XTagSize = 16
)

// BlockEncrypter encrypts whole 16-byte blocks, each on its own (ECB), with
// the block cipher under a master key: in process a cipher.Block, in an HSM
// CKM_AES_ECB on a non-extractable key. The deriver calls it in place (dst
// and src are the same slice), with one or two blocks; an error means the key
// is unavailable.
type BlockEncrypter interface {
	EncryptBlocks(dst, src []byte) error
}

// BlockMAC computes the CMAC under a master key of each 16-byte block of src
// as a one-block message (CKM_AES_CMAC in an HSM: one C_Sign per block), in
// place like BlockEncrypter. For a whole block M, CMAC_K(M) = E(M ^ K1), so a
// deriver over a BlockMAC needs neither E(0) nor K1.
type BlockMAC interface {
	MACBlocks(dst, src []byte) error
}

// XAESDeriver derives the per-message key Kx of XAES-256-GCM (key size 32)
// or XSM4-GCM (key size 16). K1 is computed once, by the constructor. It is
// safe for concurrent use when its BlockEncrypter or BlockMAC is.
type XAESDeriver struct {
	prf     func(dst, src []byte) error // E(x ^ k1) in place, block by block
	k1      [16]byte                    // zero over a BlockMAC
	keySize int
	cmac    bool // over a BlockMAC
}

// NewXAESDeriver returns the deriver over enc, the block cipher under a
// 32-byte AES-256 (keySize 32) or 16-byte SM4 (keySize 16) master key; other
// sizes are refused. It calls enc once, for L = E(0^128).
func NewXAESDeriver(keySize int, enc BlockEncrypter) (*XAESDeriver, error) {
	if err := checkXKeySize(keySize); err != nil {
		return nil, err
	}
	var l [16]byte
	if err := enc.EncryptBlocks(l[:], l[:]); err != nil {
		return nil, fmt.Errorf("%w: deriving the XAES subkey: %w", ErrKeyUnavailable, err)
	}
	d := &XAESDeriver{prf: enc.EncryptBlocks, k1: dbl(l), keySize: keySize}
	clear(l[:])
	return d, nil
}

// NewXAESDeriverCMAC returns the deriver over mac, the CMAC under a 32-byte
// AES-256 (keySize 32) or 16-byte SM4 (keySize 16) master key.
func NewXAESDeriverCMAC(keySize int, mac BlockMAC) (*XAESDeriver, error) {
	if err := checkXKeySize(keySize); err != nil {
		return nil, err
	}
	return &XAESDeriver{prf: mac.MACBlocks, keySize: keySize, cmac: true}, nil
}

// NewXAESDeriverFromBlock returns the in-process deriver of b, which must be
// aes.NewCipher of a 32-byte key (keySize 32) or sm4.NewCipher of a 16-byte
// key (keySize 16).
func NewXAESDeriverFromBlock(keySize int, b cipher.Block) (*XAESDeriver, error) {
	if b.BlockSize() != 16 {
		return nil, fmt.Errorf("%w: XAES needs a 16-byte block cipher, got %d-byte blocks", ErrUnsupportedAlgorithm, b.BlockSize())
	}
	return NewXAESDeriver(keySize, ecb{b})
}

func checkXKeySize(keySize int) error {
	if keySize != 32 && keySize != 16 {
		return fmt.Errorf("%w: XAES key size must be 32 (AES-256) or 16 (SM4), got %d", ErrUnsupportedAlgorithm, keySize)
	}
	return nil
}

// KeySize is the length of the master key and of the Kx it derives.
func (d *XAESDeriver) KeySize() int { return d.keySize }

// AppendDerivedKey appends Kx for nonce (24 bytes, of which it reads the
// first 12) to dst and returns the extended slice, making one call to the
// BlockEncrypter or BlockMAC. It allocates only when dst lacks KeySize bytes
// of spare capacity. The caller wipes Kx (clear) once it is used.
func (d *XAESDeriver) AppendDerivedKey(dst, nonce []byte) ([]byte, error) {
	return d.derive(dst, nonce, d.prf)
}

// AppendDerivedKeyWith is AppendDerivedKey computing the blocks with enc,
// which must encrypt under the same key as the BlockEncrypter the deriver
// was made with (NewXAESDeriver): an HSM store passes one bound to the
// request's context, so a caller that gives up stops waiting for the
// token. K1 stays the one computed at construction.
func (d *XAESDeriver) AppendDerivedKeyWith(enc BlockEncrypter, dst, nonce []byte) ([]byte, error) {
	if d.cmac {
		return nil, fmt.Errorf("%w: a CMAC deriver takes no block encrypter", ErrUnsupportedAlgorithm)
	}
	return d.derive(dst, nonce, enc.EncryptBlocks)
}

func (d *XAESDeriver) derive(dst, nonce []byte, prf func(dst, src []byte) error) ([]byte, error) {
	if err := checkXNonce(nonce); err != nil {
		return nil, err
	}
	out := slices.Grow(dst, d.keySize)[:len(dst)+d.keySize]
	kx := out[len(dst):]
	for i := 0; i < d.keySize; i += 16 {
		m := kx[i : i+16]
		m[0], m[1], m[2], m[3] = 0, byte(i/16+1), 'X', 0
		copy(m[4:], nonce[:12])
		for j := range m {
			m[j] ^= d.k1[j]
		}
	}
	if err := prf(kx, kx); err != nil {
		clear(kx)
		return nil, fmt.Errorf("%w: deriving the XAES message key: %w", ErrKeyUnavailable, err)
	}
	return out, nil
}

// Format keeps K1 and the block cipher out of fmt output.
func (d XAESDeriver) Format(f fmt.State, _ rune) { fmt.Fprint(f, "wrap.XAESDeriver(REDACTED)") }

// dbl doubles l in GF(2^128) (NIST SP 800-38B subkey K1), in constant time.
func dbl(l [16]byte) (k1 [16]byte) {
	for i := 0; i < 15; i++ {
		k1[i] = l[i]<<1 | l[i+1]>>7
	}
	k1[15] = l[15]<<1 ^ 0x87&-(l[0]>>7)
	return k1
}

// ecb is the BlockEncrypter of an in-process cipher.Block.
type ecb struct{ b cipher.Block }

func (e ecb) EncryptBlocks(dst, src []byte) error {
	if len(src)%16 != 0 || len(dst) < len(src) {
		return fmt.Errorf("wrap: ECB input is %d bytes, not whole blocks", len(src))
	}
	for i := 0; i < len(src); i += 16 {
		e.b.Encrypt(dst[i:i+16], src[i:i+16])
	}
	return nil
}

// Format keeps the key schedule out of fmt output.
func (e ecb) Format(f fmt.State, _ rune) { fmt.Fprint(f, "wrap.ecb(REDACTED)") }

// NewXAES256GCM returns XAES-256-GCM under a 32-byte key: NonceSize 24,
// Overhead 16. Seal panics on a nonce of another length, as cipher.AEAD does;
// Open returns an error. It is safe for concurrent use.
func NewXAES256GCM(key []byte) (cipher.AEAD, error) {
	return newXGCM("XAES-256-GCM", 32, key, aes.NewCipher)
}

// NewXSM4GCM returns XSM4-GCM under a 16-byte SM4 key, otherwise as
// NewXAES256GCM.
func NewXSM4GCM(key []byte) (cipher.AEAD, error) { return newXGCM("XSM4-GCM", 16, key, sm4.NewCipher) }

func newXGCM(name string, keySize int, key []byte, newBlock func([]byte) (cipher.Block, error)) (cipher.AEAD, error) {
	if len(key) != keySize {
		return nil, fmt.Errorf("%w: %s key must be %d bytes, got %d", ErrKeyUnavailable, name, keySize, len(key))
	}
	b, err := newBlock(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeyUnavailable, err)
	}
	d, err := NewXAESDeriverFromBlock(keySize, b)
	if err != nil {
		return nil, err
	}
	return xgcm{d}, nil
}

// xgcm is the in-process XAES-256-GCM or XSM4-GCM.
type xgcm struct{ d *XAESDeriver }

// kxPool holds the buffers Kx is derived into: a buffer handed to a
// BlockEncrypter escapes, so one on the stack would cost an allocation per
// call. Every buffer is wiped before it goes back.
var kxPool = sync.Pool{New: func() any { return new([32]byte) }}

func (x xgcm) NonceSize() int { return XNonceSize }
func (x xgcm) Overhead() int  { return XTagSize }

// Format keeps the key out of fmt output.
func (x xgcm) Format(f fmt.State, _ rune) { fmt.Fprint(f, "wrap.xgcm(REDACTED)") }

// gcm derives Kx for nonce and returns the GCM under it; Kx is wiped.
func (x xgcm) gcm(nonce []byte) (cipher.AEAD, error) {
	buf := kxPool.Get().(*[32]byte)
	kx, err := x.d.AppendDerivedKey(buf[:0], nonce)
	var g cipher.AEAD
	if err == nil {
		g, err = newInnerGCM(kx)
	}
	clear(buf[:])
	kxPool.Put(buf)
	return g, err
}

func (x xgcm) Seal(dst, nonce, plaintext, ad []byte) []byte {
	g, err := x.gcm(nonce)
	if err != nil {
		panic(err) // a nonce of the wrong length: an in-process cipher does not fail
	}
	return g.Seal(dst, nonce[12:], plaintext, ad)
}

func (x xgcm) Open(dst, nonce, ciphertext, ad []byte) ([]byte, error) {
	if err := checkXOpen(nonce, ciphertext); err != nil {
		return nil, err
	}
	g, err := x.gcm(nonce)
	if err != nil {
		return nil, err
	}
	out, err := g.Open(dst, nonce[12:], ciphertext, ad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return out, nil
}

// SealWithDerivedKey appends to dst the GCM sealing of plaintext under a
// derived key kx (32 bytes: AES-256-GCM, 16 bytes: SM4-GCM) with nonce[12:],
// nonce being the 24-byte nonce kx was derived for. With kx from an
// XAESDeriver it is XAES-256-GCM or XSM4-GCM. The caller wipes kx.
func SealWithDerivedKey(dst, kx, nonce, plaintext, ad []byte) ([]byte, error) {
	if err := checkXNonce(nonce); err != nil {
		return nil, err
	}
	g, err := newInnerGCM(kx)
	if err != nil {
		return nil, err
	}
	return g.Seal(dst, nonce[12:], plaintext, ad), nil
}

// OpenWithDerivedKey is the inverse of SealWithDerivedKey. A ciphertext
// that does not authenticate returns ErrDecrypt and nothing else.
func OpenWithDerivedKey(dst, kx, nonce, ciphertext, ad []byte) ([]byte, error) {
	if err := checkXOpen(nonce, ciphertext); err != nil {
		return nil, err
	}
	g, err := newInnerGCM(kx)
	if err != nil {
		return nil, err
	}
	out, err := g.Open(dst, nonce[12:], ciphertext, ad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return out, nil
}

func checkXNonce(nonce []byte) error {
	if len(nonce) != XNonceSize {
		return fmt.Errorf("%w: XAES nonce must be %d bytes, got %d", ErrMalformedEnvelope, XNonceSize, len(nonce))
	}
	return nil
}

func checkXOpen(nonce, ciphertext []byte) error {
	if err := checkXNonce(nonce); err != nil {
		return err
	}
	if len(ciphertext) < XTagSize {
		return fmt.Errorf("%w: XAES ciphertext is %d bytes, shorter than its tag", ErrMalformedEnvelope, len(ciphertext))
	}
	return nil
}

// newInnerGCM returns AES-256-GCM or SM4-GCM under kx by its length. Neither
// cipher keeps kx, so the caller may wipe it as soon as this returns.
func newInnerGCM(kx []byte) (cipher.AEAD, error) {
	var (
		b   cipher.Block
		err error
	)
	switch len(kx) {
	case 32:
		b, err = aes.NewCipher(kx)
	case 16:
		b, err = sm4.NewCipher(kx)
	default:
		return nil, fmt.Errorf("%w: XAES derived key must be 32 (AES-256) or 16 (SM4) bytes, got %d", ErrKeyUnavailable, len(kx))
	}
	if err == nil {
		var g cipher.AEAD
		if g, err = cipher.NewGCM(b); err == nil {
			return g, nil
		}
	}
	return nil, fmt.Errorf("%w: %v", ErrKeyUnavailable, err)
}
