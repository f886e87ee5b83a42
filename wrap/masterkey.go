package wrap

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"slices"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/emmansun/gmsm/sm4"
)

// Algorithm is the AEAD of a master key, as written in byte 4 of the
// master-key envelope.
type Algorithm byte

// Master-key algorithms.
const (
	// AES256GCM is AES-256-GCM, the algorithm of AES_256 master keys.
	AES256GCM Algorithm = 1
	// SM4GCM is SM4-GCM, the algorithm of SM4 master keys.
	SM4GCM Algorithm = 2
)

// String names the algorithm.
func (a Algorithm) String() string {
	switch a {
	case AES256GCM:
		return "AES-256-GCM"
	case SM4GCM:
		return "SM4-GCM"
	}
	return fmt.Sprintf("Algorithm(%d)", byte(a))
}

// Sizes of the master-key envelope v1.
const (
	envelopeMagic = "EKP1"
	// MasterHeaderSize is the length of magic, alg, key_id and key_version.
	MasterHeaderSize = 4 + 1 + 16 + 4
	// MasterNonceSize is the GCM nonce length.
	MasterNonceSize = 12
	// MasterTagSize is the GCM tag length.
	MasterTagSize = 16
	// MasterOverhead is what the envelope adds to the plaintext.
	MasterOverhead = MasterHeaderSize + MasterNonceSize + MasterTagSize
)

// KeyCipher is one version of a master key: an AEAD with 12-byte nonces and
// 16-byte tags. It may run inside an HSM, so both methods can fail.
type KeyCipher interface {
	Seal(dst, nonce, plaintext, additionalData []byte) ([]byte, error)
	Open(dst, nonce, ciphertext, additionalData []byte) ([]byte, error)
}

// MasterKey is a master key (CMK) as the envelope sees it.
type MasterKey interface {
	// ID is the key's UUID as 16 bytes.
	ID() [16]byte
	// Algorithm is the key's AEAD.
	Algorithm() Algorithm
	// CurrentVersion is the version new envelopes are sealed under.
	CurrentVersion() uint32
	// Version returns the cipher of one version; an unknown version is an
	// error wrapping ErrKeyUnavailable.
	Version(v uint32) (KeyCipher, error)
}

type aeadCipher struct{ aead cipher.AEAD }

// Format keeps the key schedule out of fmt output.
func (c aeadCipher) Format(f fmt.State, _ rune) { fmt.Fprint(f, "wrap.KeyCipher(REDACTED)") }

func (c aeadCipher) Seal(dst, nonce, plaintext, ad []byte) ([]byte, error) {
	return c.aead.Seal(dst, nonce, plaintext, ad), nil
}

func (c aeadCipher) Open(dst, nonce, ciphertext, ad []byte) ([]byte, error) {
	return c.aead.Open(dst, nonce, ciphertext, ad)
}

// NewKeyCipher builds the in-process cipher of one master key version from
// its 32-byte (AES-256) or 16-byte (SM4) key. Build it once per version and
// reuse it: it is safe for concurrent use.
func NewKeyCipher(alg Algorithm, key []byte) (KeyCipher, error) {
	var (
		block cipher.Block
		err   error
	)
	switch alg {
	case AES256GCM:
		if len(key) != 32 {
			return nil, fmt.Errorf("%w: AES-256 key must be 32 bytes, got %d", ErrKeyUnavailable, len(key))
		}
		block, err = aes.NewCipher(key)
	case SM4GCM:
		if len(key) != 16 {
			return nil, fmt.Errorf("%w: SM4 key must be 16 bytes, got %d", ErrKeyUnavailable, len(key))
		}
		block, err = sm4.NewCipher(key)
	default:
		return nil, fmt.Errorf("%w: master key %s", ErrUnsupportedAlgorithm, alg)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeyUnavailable, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeyUnavailable, err)
	}
	return aeadCipher{aead}, nil
}

// MasterHeader is the parsed fixed part of a master-key envelope.
type MasterHeader struct {
	Algorithm  Algorithm
	KeyID      [16]byte
	KeyVersion uint32
}

// ParseMasterHeader reads the header of a master-key envelope so the caller
// can find the master key it names. It checks the magic, the algorithm and
// the minimum length, not authenticity.
func ParseMasterHeader(envelope []byte) (MasterHeader, error) {
	var h MasterHeader
	if len(envelope) < MasterOverhead {
		return h, fmt.Errorf("%w: master-key envelope is %d bytes, shorter than the minimum %d", ErrMalformedEnvelope, len(envelope), MasterOverhead)
	}
	if string(envelope[:4]) != envelopeMagic {
		return h, fmt.Errorf("%w: master-key envelope does not start with %q", ErrMalformedEnvelope, envelopeMagic)
	}
	h.Algorithm = Algorithm(envelope[4])
	if h.Algorithm != AES256GCM && h.Algorithm != SM4GCM {
		return h, fmt.Errorf("%w: master-key envelope names unknown algorithm %d", ErrMalformedEnvelope, envelope[4])
	}
	copy(h.KeyID[:], envelope[5:21])
	h.KeyVersion = binary.BigEndian.Uint32(envelope[21:25])
	return h, nil
}

// MasterKeyWrapper seals PKCS#8 private keys of one key spec under a master
// key's current version, as the master-key envelope v1.
type MasterKeyWrapper struct {
	Key  MasterKey
	Spec curves.Spec
	// Rand supplies nonces; nil means crypto/rand. Set it only to make
	// test vectors.
	Rand io.Reader
}

// Wrap implements Wrapper. It makes one allocation: the envelope, with the
// GCM additional data in the capacity past its end.
func (w MasterKeyWrapper) Wrap(ctx context.Context, plaintext, aad []byte) ([]byte, error) {
	n := MasterOverhead + len(plaintext)
	out, err := w.AppendWrap(ctx, make([]byte, 0, w.AppendCap(len(plaintext), len(aad))), plaintext, aad)
	if err != nil {
		return nil, err
	}
	return out[:n:n], nil
}

// AppendCap is the spare capacity AppendWrap needs in dst to seal a
// plaintext of plaintextLen bytes with an aad of aadLen bytes without
// growing it: the envelope and, past it, the GCM additional data.
func (w MasterKeyWrapper) AppendCap(plaintextLen, aadLen int) int {
	return MasterOverhead + plaintextLen + w.adLen(aadLen)
}

// AppendWrap appends the envelope of plaintext to dst and returns the
// extended slice, for callers that keep their buffers in a pool. The GCM
// additional data (header, key spec and aad: nothing secret) is built in
// the capacity past the envelope; when dst has less spare capacity than
// AppendCap(len(plaintext), len(aad)), dst grows as with append, and the
// old array is left as it was for the caller to wipe. plaintext must not
// overlap the appended region.
func (w MasterKeyWrapper) AppendWrap(ctx context.Context, dst, plaintext, aad []byte) ([]byte, error) {
	version := w.Key.CurrentVersion()
	kc, err := w.Key.Version(version)
	if err != nil {
		return nil, err
	}
	base := len(dst)
	n := MasterOverhead + len(plaintext)
	out := slices.Grow(dst, w.AppendCap(len(plaintext), len(aad)))[:base+MasterHeaderSize+MasterNonceSize]
	env := out[base:]
	copy(env, envelopeMagic)
	env[4] = byte(w.Key.Algorithm())
	id := w.Key.ID()
	copy(env[5:21], id[:])
	binary.BigEndian.PutUint32(env[21:25], version)
	nonce := env[MasterHeaderSize:]
	r := w.Rand
	if r == nil {
		r = rand.Reader
	}
	if _, err := io.ReadFull(r, nonce); err != nil {
		return nil, fmt.Errorf("wrap: master-key envelope nonce: %w", err)
	}
	end := base + n
	ad := appendMasterAD(out[end:end], env[:MasterHeaderSize], w.Spec, aad)
	sealed, err := kc.Seal(out, nonce, plaintext, ad)
	if err != nil {
		return nil, fmt.Errorf("%w: sealing under master key version %d: %v", ErrKeyUnavailable, version, err)
	}
	if len(sealed) != end {
		return nil, fmt.Errorf("%w: master key version %d produced a %d-byte envelope, want %d", ErrKeyUnavailable, version, len(sealed)-base, n)
	}
	return sealed, nil
}

// adLen is the length of the GCM additional data for an aad of aadLen
// bytes: what appendMasterAD writes.
func (w MasterKeyWrapper) adLen(aadLen int) int {
	return MasterHeaderSize + len(w.Spec) + 1 + aadLen
}

// MasterKeyUnwrapper opens master-key envelopes of one key spec.
type MasterKeyUnwrapper struct {
	Key  MasterKey
	Spec curves.Spec
}

// Unwrap implements Unwrapper. The envelope must name Key; its version may
// be any the key still holds.
func (u MasterKeyUnwrapper) Unwrap(ctx context.Context, envelope, aad []byte) ([]byte, error) {
	h, err := ParseMasterHeader(envelope)
	if err != nil {
		return nil, err
	}
	if h.KeyID != u.Key.ID() || h.Algorithm != u.Key.Algorithm() {
		return nil, fmt.Errorf("%w: envelope was sealed under another master key", ErrDecrypt)
	}
	kc, err := u.Key.Version(h.KeyVersion)
	if err != nil {
		return nil, err
	}
	nonce := envelope[MasterHeaderSize : MasterHeaderSize+MasterNonceSize]
	ad := appendMasterAD(nil, envelope[:MasterHeaderSize], u.Spec, aad)
	pt, err := kc.Open(nil, nonce, envelope[MasterHeaderSize+MasterNonceSize:], ad)
	if err != nil {
		return nil, fmt.Errorf("%w: master-key envelope does not authenticate (tampered, or another AAD or key spec)", ErrDecrypt)
	}
	return pt, nil
}

// appendMasterAD appends header || key_spec || 0x00 || aad to ad.
func appendMasterAD(ad, header []byte, spec curves.Spec, aad []byte) []byte {
	ad = append(ad, header...)
	ad = append(ad, spec...)
	ad = append(ad, 0)
	return append(ad, aad...)
}
