// Package kwp is AES key wrap with padding (KWP), RFC 5649, on top of the
// RFC 3394 wrapping process. It is the second half of wrap's
// RSAES_OAEP_SHA_256_AES_256_KEY_WRAP (PKCS#11 CKM_RSA_AES_KEY_WRAP, OpenSSL
// id-aes256-wrap-pad). Its errors wrap wrap's classes (wrap/internal/errs).
package kwp

import (
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/ecdkp/ecdkp/wrap/internal/errs"
)

// aivPrefix is the constant high half of the RFC 5649 alternative
// initial value; the low half is the plaintext length in bytes (MLI).
const aivPrefix = 0xA65959A6

// MinCiphertext is the shortest KWP ciphertext: one padded block plus
// the integrity block.
const MinCiphertext = 16

// AppendWrap wraps plaintext (1 to 2^32-1 bytes) under the AES cipher b
// and appends the ciphertext, 8 bytes longer than the plaintext rounded up
// to a multiple of 8, to dst.
func AppendWrap(dst []byte, b cipher.Block, plaintext []byte) ([]byte, error) {
	m := len(plaintext)
	if m == 0 || uint64(m) > math.MaxUint32 {
		return nil, fmt.Errorf("%w: key wrap with padding takes 1 to 2^32-1 bytes, got %d", errs.MalformedEnvelope, m)
	}
	padded := (m + 7) &^ 7
	start := len(dst)
	dst = slices.Grow(dst, 8+padded)[:start+8+padded]
	out := dst[start:]
	binary.BigEndian.PutUint32(out[0:4], aivPrefix)
	binary.BigEndian.PutUint32(out[4:8], uint32(m))
	copy(out[8:], plaintext)
	clear(out[8+m:]) // zero padding

	if padded == 8 {
		// RFC 5649 section 4.1: a single padded block is encrypted with
		// the AIV as one AES block (ECB), not with the wrapping process.
		b.Encrypt(out, out)
		return dst, nil
	}
	wrapBlocks(b, out)
	return dst, nil
}

// wrapBlocks runs the RFC 3394 wrapping process (section 2.2.1, index
// based) in place on buf = A || R[1] || ... || R[n], n >= 2.
func wrapBlocks(b cipher.Block, buf []byte) {
	n := len(buf)/8 - 1
	var blk [16]byte
	copy(blk[:8], buf[:8]) // A
	for j := 0; j <= 5; j++ {
		for i := 1; i <= n; i++ {
			r := buf[8*i : 8*i+8]
			copy(blk[8:], r)
			b.Encrypt(blk[:], blk[:])
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(blk[:8], binary.BigEndian.Uint64(blk[:8])^t)
			copy(r, blk[8:])
		}
	}
	copy(buf[:8], blk[:8])
	clear(blk[:])
}

// Unwrap reverses AppendWrap. Every failure, whether of length, integrity
// check value or padding, is the same errs.Decrypt, and the ICV, length and
// padding checks run in constant time so the three cannot be told apart.
func Unwrap(b cipher.Block, ciphertext []byte) ([]byte, error) {
	c := len(ciphertext)
	if c < MinCiphertext || c%8 != 0 {
		return nil, fmt.Errorf("%w: key wrap ciphertext must be a multiple of 8 bytes and at least %d, got %d", errs.Decrypt, MinCiphertext, c)
	}
	buf := make([]byte, c)
	if c == MinCiphertext {
		b.Decrypt(buf, ciphertext)
	} else {
		copy(buf, ciphertext)
		unwrapBlocks(b, buf)
	}

	// Integrity checks (RFC 5649 section 3): the AIV prefix, then
	// 8*(n-1) < MLI <= 8*n, then zero padding bytes.
	padded := c - 8
	ok := subtle.ConstantTimeEq(int32(binary.BigEndian.Uint32(buf[0:4])^aivPrefix), 0)
	mli := int64(binary.BigEndian.Uint32(buf[4:8]))
	ok &= ctLessOrEq(int64(padded-8)+1, mli) // MLI > 8*(n-1)
	ok &= ctLessOrEq(mli, int64(padded))     // MLI <= 8*n
	// Padding: every byte at index >= MLI among the last 8 must be zero.
	// The loop runs over the whole last block whatever MLI is.
	var pad byte
	for k := padded - 8; k < padded; k++ {
		inPad := byte(ctLessOrEq(mli, int64(k))) // 1 when k >= MLI
		pad |= buf[8+k] & -inPad
	}
	ok &= subtle.ConstantTimeByteEq(pad, 0)
	if ok != 1 {
		clear(buf)
		return nil, fmt.Errorf("%w: key wrap integrity check failed", errs.Decrypt)
	}
	out := buf[8 : 8+int(mli)]
	clear(buf[8+int(mli):])
	return out, nil
}

// unwrapBlocks runs the RFC 3394 unwrapping process (section 2.2.2,
// index based) in place on buf = C[0] || ... || C[n], n >= 2.
func unwrapBlocks(b cipher.Block, buf []byte) {
	n := len(buf)/8 - 1
	var blk [16]byte
	copy(blk[:8], buf[:8]) // A
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			r := buf[8*i : 8*i+8]
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(blk[:8], binary.BigEndian.Uint64(blk[:8])^t)
			copy(blk[8:], r)
			b.Decrypt(blk[:], blk[:])
			copy(r, blk[8:])
		}
	}
	copy(buf[:8], blk[:8])
	clear(blk[:])
}

// ctLessOrEq returns 1 when x <= y and 0 otherwise, in constant time, for
// 0 <= x, y < 2^62.
func ctLessOrEq(x, y int64) int {
	return int(uint64(x-y-1) >> 63)
}
