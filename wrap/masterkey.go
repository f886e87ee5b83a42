package wrap

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/internal/quote"
	"github.com/emmansun/gmsm/sm4"
)

// Algorithm is the algorithm of a master key, named for the AEAD of
// envelope v1: AES256GCM for AES_256 master keys, SM4GCM for SM4 ones. The
// envelope version decides the construction under it and the alg byte
// written: v1 writes the Algorithm itself (1 AES-256-GCM, 2 SM4-GCM, under
// the master key); v2 writes it plus 2 (3 XAES-256-GCM, 4 XSM4-GCM, under
// a key derived per envelope). MasterHeader.Algorithm is the Algorithm
// whichever version the envelope is.
type Algorithm byte

// Master-key algorithms.
const (
	// AES256GCM is the algorithm of AES_256 master keys: AES-256-GCM in
	// envelope v1, XAES-256-GCM in v2.
	AES256GCM Algorithm = 1
	// SM4GCM is the algorithm of SM4 master keys: SM4-GCM in envelope v1,
	// XSM4-GCM in v2.
	SM4GCM Algorithm = 2
)

// v2Alg is the offset from an Algorithm to its alg byte in envelope v2.
const v2Alg = 2

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

// keySize is the length of a master key of the algorithm, and of the key
// envelope v2 derives from it; 0 for an unknown algorithm.
func (a Algorithm) keySize() int {
	switch a {
	case AES256GCM:
		return 32
	case SM4GCM:
		return 16
	}
	return 0
}

// Sizes of the master-key envelope v1.
const (
	envelopeMagic = "EKP1"
	// MasterHeaderSize is the length of a v1 header: magic, alg, key_id and
	// key_version.
	MasterHeaderSize = 4 + 1 + 16 + 4
	// MasterNonceSize is the GCM nonce length of envelope v1.
	MasterNonceSize = 12
	// MasterTagSize is the GCM tag length of both versions.
	MasterTagSize = 16
	// MasterOverhead is what envelope v1 adds to the plaintext.
	MasterOverhead = MasterHeaderSize + MasterNonceSize + MasterTagSize
)

// Sizes of the master-key envelope v2.
const (
	envelopeMagicV2 = "EKP2"
	// MasterV2FixedSize is the length of the fixed part of a v2 header:
	// magic, alg, key_id, key_version and spec_len; key_spec follows.
	MasterV2FixedSize = 4 + 1 + 16 + 4 + 1
	// MasterV2NonceSize is the nonce length of envelope v2 (XAES-256-GCM's).
	MasterV2NonceSize = XNonceSize
	// MaxKeySpecLen is the longest key_spec a v2 header can name.
	MaxKeySpecLen = 255
)

// MasterV2Overhead is what envelope v2 adds to the plaintext for a data key
// pair of spec: the header with the key_spec, the nonce and the tag.
func MasterV2Overhead(spec curves.Spec) int {
	return MasterV2FixedSize + len(spec) + MasterV2NonceSize + XTagSize
}

// KeyCipher is one version of a master key. Seal and Open are the AEAD of
// envelope v1 (12-byte nonces, 16-byte tags), kept so that v1 envelopes
// open forever. To seal and open envelope v2 the KeyCipher must also be a
// KeyDeriver; NewKeyCipher's is. It may run inside an HSM, so every method
// can fail.
type KeyCipher interface {
	Seal(dst, nonce, plaintext, additionalData []byte) ([]byte, error)
	Open(dst, nonce, ciphertext, additionalData []byte) ([]byte, error)
}

// KeyDeriver is the envelope v2 side of a master key version: it appends to
// dst the key Kx that XAES-256-GCM (AES_256 master keys: 32 bytes) or
// XSM4-GCM (SM4: 16 bytes) derives from the master key and a 24-byte
// nonce, exactly as XAESDeriver.AppendDerivedKey, which implements it. An
// HSM's runs the block cipher in the token (NewXAESDeriver over a
// BlockEncrypter), so only Kx reaches this process; the envelope wipes Kx
// once it has sealed or opened with it. It should allocate only when dst lacks
// the room.
type KeyDeriver interface {
	AppendDerivedKey(dst, nonce []byte) ([]byte, error)
}

// ContextKeyDeriver is a KeyDeriver whose work may wait (an HSM's session
// pool): the envelope calls AppendDerivedKeyContext with the request's
// context instead, so a caller that gives up stops waiting.
type ContextKeyDeriver interface {
	AppendDerivedKeyContext(ctx context.Context, dst, nonce []byte) ([]byte, error)
}

// ContextOpener is a KeyCipher whose v1 Open may wait (an HSM's): the
// envelope calls OpenContext with the request's context instead.
type ContextOpener interface {
	OpenContext(ctx context.Context, dst, nonce, ciphertext, ad []byte) ([]byte, error)
}

// deriveKey derives with ctx when d can take it.
func deriveKey(ctx context.Context, d KeyDeriver, dst, nonce []byte) ([]byte, error) {
	if cd, ok := d.(ContextKeyDeriver); ok {
		return cd.AppendDerivedKeyContext(ctx, dst, nonce)
	}
	return d.AppendDerivedKey(dst, nonce)
}

var _ KeyDeriver = (*XAESDeriver)(nil)

// MasterKey is a master key (CMK) as the envelope sees it.
type MasterKey interface {
	// ID is the key's UUID as 16 bytes.
	ID() [16]byte
	// Algorithm is the key's algorithm.
	Algorithm() Algorithm
	// CurrentVersion is the version new envelopes are sealed under.
	CurrentVersion() uint32
	// Version returns the cipher of one version; an unknown version is an
	// error wrapping ErrKeyUnavailable.
	Version(v uint32) (KeyCipher, error)
}

// keyCipher is the in-process KeyCipher and KeyDeriver of one version: the
// GCM of envelope v1 and the XAES derivation of v2 over one block cipher
// under the master key, with the per-version K1 of the derivation computed
// once, at construction.
type keyCipher struct {
	aead cipher.AEAD
	d    *XAESDeriver
}

// Format keeps the key schedule out of fmt output.
func (c keyCipher) Format(f fmt.State, _ rune) { fmt.Fprint(f, "wrap.KeyCipher(REDACTED)") }

func (c keyCipher) Seal(dst, nonce, plaintext, ad []byte) ([]byte, error) {
	return c.aead.Seal(dst, nonce, plaintext, ad), nil
}

func (c keyCipher) Open(dst, nonce, ciphertext, ad []byte) ([]byte, error) {
	return c.aead.Open(dst, nonce, ciphertext, ad)
}

func (c keyCipher) AppendDerivedKey(dst, nonce []byte) ([]byte, error) {
	return c.d.AppendDerivedKey(dst, nonce)
}

// NewKeyCipher builds the in-process cipher of one master key version from
// its 32-byte (AES-256) or 16-byte (SM4) key: a KeyCipher that is also a
// KeyDeriver, so it seals and opens both envelope versions. Build it once
// per version and reuse it: it is safe for concurrent use.
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
	d, err := NewXAESDeriverFromBlock(len(key), block)
	if err != nil {
		return nil, err
	}
	return keyCipher{aead: aead, d: d}, nil
}

// MasterHeader is the parsed header of a master-key envelope.
type MasterHeader struct {
	// Version is the envelope version: 1 (EKP1) or 2 (EKP2).
	Version int
	// Algorithm is the master key's algorithm, AES256GCM or SM4GCM, in
	// either version (a v2 alg byte 3 or 4 reads as 1 or 2).
	Algorithm  Algorithm
	KeyID      [16]byte
	KeyVersion uint32
	// KeySpec is the data key pair spec a v2 header names, always one
	// registered in curves; "" for v1, which authenticates its spec
	// without storing it.
	KeySpec curves.Spec
	// Size is the header's length: the nonce starts at this offset.
	Size int
}

// ParseMasterHeader reads the header of a master-key envelope of either
// version so the caller can find the master key it names. It checks the
// magic, the algorithm, the v2 key_spec (printable ASCII, registered) and
// that the envelope can hold a nonce and a tag after the header; not
// authenticity.
func ParseMasterHeader(envelope []byte) (MasterHeader, error) {
	if len(envelope) < 4 {
		return MasterHeader{}, fmt.Errorf("%w: master-key envelope is %d bytes, shorter than its magic", ErrMalformedEnvelope, len(envelope))
	}
	switch string(envelope[:4]) {
	case envelopeMagic:
		return parseV1Header(envelope)
	case envelopeMagicV2:
		return parseV2Header(envelope)
	}
	return MasterHeader{}, fmt.Errorf("%w: master-key envelope does not start with %q or %q", ErrMalformedEnvelope, envelopeMagic, envelopeMagicV2)
}

func parseV1Header(envelope []byte) (MasterHeader, error) {
	h := MasterHeader{Version: 1, Size: MasterHeaderSize}
	if len(envelope) < MasterOverhead {
		return h, fmt.Errorf("%w: master-key envelope v1 is %d bytes, shorter than the minimum %d", ErrMalformedEnvelope, len(envelope), MasterOverhead)
	}
	h.Algorithm = Algorithm(envelope[4])
	if h.Algorithm.keySize() == 0 {
		return h, fmt.Errorf("%w: master-key envelope v1 names unknown algorithm %d", ErrMalformedEnvelope, envelope[4])
	}
	copy(h.KeyID[:], envelope[5:21])
	h.KeyVersion = binary.BigEndian.Uint32(envelope[21:25])
	return h, nil
}

func parseV2Header(envelope []byte) (MasterHeader, error) {
	h := MasterHeader{Version: 2}
	if len(envelope) < MasterV2FixedSize {
		return h, fmt.Errorf("%w: master-key envelope v2 is %d bytes, shorter than its fixed header (%d)", ErrMalformedEnvelope, len(envelope), MasterV2FixedSize)
	}
	h.Algorithm = Algorithm(envelope[4] - v2Alg)
	if envelope[4] < v2Alg || h.Algorithm.keySize() == 0 {
		return h, fmt.Errorf("%w: master-key envelope v2 names unknown algorithm %d", ErrMalformedEnvelope, envelope[4])
	}
	copy(h.KeyID[:], envelope[5:21])
	h.KeyVersion = binary.BigEndian.Uint32(envelope[21:25])
	specLen := int(envelope[25])
	h.Size = MasterV2FixedSize + specLen
	switch {
	case specLen == 0:
		return h, fmt.Errorf("%w: master-key envelope v2 names an empty key_spec", ErrMalformedEnvelope)
	case len(envelope) < h.Size:
		return h, fmt.Errorf("%w: master-key envelope v2 key_spec of %d bytes runs past the end of the %d-byte envelope", ErrMalformedEnvelope, specLen, len(envelope))
	case len(envelope) < h.Size+MasterV2NonceSize+XTagSize:
		return h, fmt.Errorf("%w: master-key envelope v2 is %d bytes, shorter than its %d-byte header, nonce and tag", ErrMalformedEnvelope, len(envelope), h.Size+MasterV2NonceSize+XTagSize)
	}
	spec := envelope[MasterV2FixedSize:h.Size]
	if !printableASCII(spec) {
		return h, fmt.Errorf("%w: master-key envelope v2 key_spec is not printable ASCII", ErrMalformedEnvelope)
	}
	c, err := curves.Lookup(curves.Spec(spec))
	if err != nil {
		return h, fmt.Errorf("%w: master-key envelope v2 names key_spec %s, which is not registered", ErrMalformedEnvelope, quote.Quote(string(spec), 32))
	}
	h.KeySpec = c.Spec()
	return h, nil
}

// printableASCII reports whether b is 0x21 to 0x7e only.
func printableASCII[T ~string | ~[]byte](b T) bool {
	for i := 0; i < len(b); i++ {
		if b[i] < 0x21 || b[i] > 0x7e {
			return false
		}
	}
	return true
}

// MasterKeyWrapper seals PKCS#8 private keys of one key spec under a master
// key's current version, as the master-key envelope v2 (or v1, see V1).
//
// The aad argument of Wrap and AppendWrap is the context binding ctx of
// DESIGN.md (see AppendHuaweiContext and AppendAWSContext): empty for no
// context, else a dialect tag and the dialect's bytes. Envelope v2 binds ctx
// as it is; envelope v1 binds the raw Huawei AAD, which is ctx without its
// tag, and cannot bind an AWS context.
type MasterKeyWrapper struct {
	Key  MasterKey
	Spec curves.Spec
	// Rand supplies nonces; nil means crypto/rand. Set it only to make
	// test vectors.
	Rand io.Reader
	// V1 seals envelope v1 instead of v2. Stores and the provider never
	// set it: it exists for the v1 test vectors and for openers that
	// predate v2.
	V1 bool
}

// Wrap implements Wrapper. It makes one allocation, the envelope, with the
// GCM additional data and (v2) the derived key in the capacity past its
// end; the derived key is wiped before Wrap returns. One envelope v2 also
// costs the two allocations of the GCM under its derived key.
func (w MasterKeyWrapper) Wrap(ctx context.Context, plaintext, aad []byte) ([]byte, error) {
	n := w.overhead() + len(plaintext)
	out, err := w.AppendWrap(ctx, make([]byte, 0, w.AppendCap(len(plaintext), len(aad))), plaintext, aad)
	if err != nil {
		return nil, err
	}
	return out[:n:n], nil
}

// overhead is what the envelope adds to the plaintext.
func (w MasterKeyWrapper) overhead() int {
	if w.V1 {
		return MasterOverhead
	}
	return MasterV2Overhead(w.Spec)
}

// AppendCap is the spare capacity AppendWrap needs in dst to seal a
// plaintext of plaintextLen bytes with a context of ctxLen bytes without
// growing it: the envelope and, past it, the GCM additional data and (v2)
// the derived key.
func (w MasterKeyWrapper) AppendCap(plaintextLen, ctxLen int) int {
	if w.V1 {
		return MasterOverhead + plaintextLen + MasterHeaderSize + len(w.Spec) + 1 + ctxLen
	}
	hdr := MasterV2FixedSize + len(w.Spec)
	return MasterV2Overhead(w.Spec) + plaintextLen + hdr + ctxLen + 32
}

// AppendWrap appends the envelope of plaintext to dst and returns the
// extended slice, for callers that keep their buffers in a pool. The GCM
// additional data (the header and ctx: nothing secret) and, for v2, the
// derived key are built in the capacity past the envelope, and the derived
// key is wiped before AppendWrap returns; when dst has less spare capacity
// than AppendCap(len(plaintext), len(aad)), dst grows as with append, and
// the old array is left as it was for the caller to wipe. plaintext and
// aad must not overlap the appended region.
func (w MasterKeyWrapper) AppendWrap(ctx context.Context, dst, plaintext, aad []byte) ([]byte, error) {
	version := w.Key.CurrentVersion()
	kc, err := w.Key.Version(version)
	if err != nil {
		return nil, err
	}
	if w.V1 {
		return w.appendV1(dst, kc, version, plaintext, aad)
	}
	return w.appendV2(ctx, dst, kc, version, plaintext, aad)
}

// readNonce fills nonce from w.Rand or crypto/rand.
func (w MasterKeyWrapper) readNonce(nonce []byte) error {
	r := w.Rand
	if r == nil {
		r = rand.Reader
	}
	if _, err := io.ReadFull(r, nonce); err != nil {
		return fmt.Errorf("wrap: master-key envelope nonce: %w", err)
	}
	return nil
}

func (w MasterKeyWrapper) appendV2(ctx context.Context, dst []byte, kc KeyCipher, version uint32, plaintext, bind []byte) ([]byte, error) {
	alg := w.Key.Algorithm()
	size := alg.keySize()
	if size == 0 {
		return nil, fmt.Errorf("%w: master key %s", ErrUnsupportedAlgorithm, alg)
	}
	if len(w.Spec) == 0 || len(w.Spec) > MaxKeySpecLen || !printableASCII(w.Spec) {
		return nil, fmt.Errorf("%w: key spec %s cannot be named in an envelope v2 header (1 to %d printable ASCII bytes)", ErrUnsupportedAlgorithm, quote.Quote(string(w.Spec), 32), MaxKeySpecLen)
	}
	d, ok := kc.(KeyDeriver)
	if !ok {
		return nil, fmt.Errorf("%w: master key version %d has no KeyDeriver, so it cannot seal envelope v2", ErrKeyUnavailable, version)
	}
	base := len(dst)
	hdr := MasterV2FixedSize + len(w.Spec)
	end := base + MasterV2Overhead(w.Spec) + len(plaintext)
	out := slices.Grow(dst, w.AppendCap(len(plaintext), len(bind)))[:base+hdr+MasterV2NonceSize]
	env := out[base:]
	copy(env, envelopeMagicV2)
	env[4] = byte(alg) + v2Alg
	id := w.Key.ID()
	copy(env[5:21], id[:])
	binary.BigEndian.PutUint32(env[21:25], version)
	env[25] = byte(len(w.Spec))
	copy(env[MasterV2FixedSize:], w.Spec)
	nonce := env[hdr:]
	if err := w.readNonce(nonce); err != nil {
		return nil, err
	}
	ad := append(append(out[end:end], env[:hdr]...), bind...)
	adEnd := end + len(ad)
	kx, err := deriveKey(ctx, d, out[adEnd:adEnd], nonce)
	defer clear(kx)
	if err != nil {
		return nil, keyUnavailable(err, "deriving the envelope key under master key version %d", version)
	}
	if len(kx) != size {
		return nil, fmt.Errorf("%w: master key version %d derived a %d-byte envelope key, want %d for %s", ErrKeyUnavailable, version, len(kx), size, alg)
	}
	return SealWithDerivedKey(out, kx, nonce, plaintext, ad)
}

func (w MasterKeyWrapper) appendV1(dst []byte, kc KeyCipher, version uint32, plaintext, bind []byte) ([]byte, error) {
	aad, ok := huaweiAAD(bind)
	if !ok {
		return nil, fmt.Errorf("%w: envelope v1 binds a Huawei AAD only, and this context is not one", ErrUnsupportedAlgorithm)
	}
	base := len(dst)
	n := MasterOverhead + len(plaintext)
	out := slices.Grow(dst, w.AppendCap(len(plaintext), len(bind)))[:base+MasterHeaderSize+MasterNonceSize]
	env := out[base:]
	copy(env, envelopeMagic)
	env[4] = byte(w.Key.Algorithm())
	id := w.Key.ID()
	copy(env[5:21], id[:])
	binary.BigEndian.PutUint32(env[21:25], version)
	nonce := env[MasterHeaderSize:]
	if err := w.readNonce(nonce); err != nil {
		return nil, err
	}
	end := base + n
	ad := appendMasterAD(out[end:end], env[:MasterHeaderSize], w.Spec, aad)
	sealed, err := kc.Seal(out, nonce, plaintext, ad)
	if err != nil {
		return nil, fmt.Errorf("%w: sealing under master key version %d: %w", ErrKeyUnavailable, version, err)
	}
	if len(sealed) != end {
		return nil, fmt.Errorf("%w: master key version %d produced a %d-byte envelope, want %d", ErrKeyUnavailable, version, len(sealed)-base, n)
	}
	return sealed, nil
}

// keyUnavailable returns err of a key store as an error of class
// ErrKeyUnavailable, with what was being done. err stays in the chain, so
// a store's keystore.ErrUnavailable (a device gone) reaches the caller.
func keyUnavailable(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	if errors.Is(err, ErrKeyUnavailable) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%w: %s: %w", ErrKeyUnavailable, what, err)
}

// MasterKeyUnwrapper opens master-key envelopes of either version under one
// master key. Its aad argument is the context binding ctx, as for
// MasterKeyWrapper.
type MasterKeyUnwrapper struct {
	Key MasterKey
	// Spec is the data key pair spec the envelope must hold. A v1 envelope
	// authenticates its spec without naming it, so opening one needs Spec.
	// A v2 header names the spec: "" accepts it, another Spec refuses the
	// envelope with ErrDecrypt.
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
	switch {
	case h.Version == 1 && u.Spec == "":
		return nil, fmt.Errorf("%w: an envelope v1 does not name its key spec, and none was given", ErrDecrypt)
	case h.Version == 2 && u.Spec != "" && h.KeySpec != u.Spec:
		return nil, fmt.Errorf("%w: envelope holds a %s key pair, not %s", ErrDecrypt, h.KeySpec, quote.Clip(string(u.Spec), 32))
	}
	kc, err := u.Key.Version(h.KeyVersion)
	if err != nil {
		return nil, err
	}
	if h.Version == 1 {
		return u.openV1(ctx, envelope, kc, aad)
	}
	return openV2(ctx, envelope, h, kc, aad)
}

func (u MasterKeyUnwrapper) openV1(ctx context.Context, envelope []byte, kc KeyCipher, bind []byte) ([]byte, error) {
	aad, ok := huaweiAAD(bind)
	if !ok {
		return nil, fmt.Errorf("%w: an envelope v1 binds a Huawei AAD only, and this context is not one", ErrDecrypt)
	}
	nonce := envelope[MasterHeaderSize : MasterHeaderSize+MasterNonceSize]
	ad := appendMasterAD(nil, envelope[:MasterHeaderSize], u.Spec, aad)
	var pt []byte
	var err error
	if co, ok := kc.(ContextOpener); ok {
		pt, err = co.OpenContext(ctx, nil, nonce, envelope[MasterHeaderSize+MasterNonceSize:], ad)
	} else {
		pt, err = kc.Open(nil, nonce, envelope[MasterHeaderSize+MasterNonceSize:], ad)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: %v", ErrKeyUnavailable, ctx.Err())
		}
		if errors.Is(err, ErrKeyUnavailable) {
			// The key store could not use the key (a device gone), which
			// says nothing of the envelope.
			return nil, fmt.Errorf("opening an envelope v1: %w", err)
		}
		return nil, fmt.Errorf("%w: master-key envelope does not authenticate (tampered, or another AAD or key spec)", ErrDecrypt)
	}
	return pt, nil
}

func openV2(ctx context.Context, envelope []byte, h MasterHeader, kc KeyCipher, bind []byte) ([]byte, error) {
	d, ok := kc.(KeyDeriver)
	if !ok {
		return nil, fmt.Errorf("%w: master key version %d has no KeyDeriver, so it cannot open envelope v2", ErrKeyUnavailable, h.KeyVersion)
	}
	nonce := envelope[h.Size : h.Size+MasterV2NonceSize]
	ad := append(append(make([]byte, 0, h.Size+len(bind)), envelope[:h.Size]...), bind...)
	buf := kxPool.Get().(*[32]byte)
	kx, err := deriveKey(ctx, d, buf[:0], nonce)
	defer func() {
		clear(kx)
		clear(buf[:])
		kxPool.Put(buf)
	}()
	if err != nil {
		return nil, keyUnavailable(err, "deriving the envelope key under master key version %d", h.KeyVersion)
	}
	if want := h.Algorithm.keySize(); len(kx) != want {
		return nil, fmt.Errorf("%w: master key version %d derived a %d-byte envelope key, want %d for %s", ErrKeyUnavailable, h.KeyVersion, len(kx), want, h.Algorithm)
	}
	pt, err := OpenWithDerivedKey(nil, kx, nonce, envelope[h.Size+MasterV2NonceSize:], ad)
	if errors.Is(err, ErrDecrypt) {
		return nil, fmt.Errorf("%w: master-key envelope does not authenticate (tampered, or another context)", ErrDecrypt)
	}
	return pt, err
}

// appendMasterAD appends the v1 additional data header || key_spec || 0x00
// || aad to ad.
func appendMasterAD(ad, header []byte, spec curves.Spec, aad []byte) []byte {
	ad = append(ad, header...)
	ad = append(ad, spec...)
	ad = append(ad, 0)
	return append(ad, aad...)
}
