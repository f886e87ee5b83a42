//go:build cgo

package pkcs11

import (
	"context"
	"fmt"
	"sync/atomic"

	p11 "github.com/miekg/pkcs11"

	"github.com/ecdkp/ecdkp/wrap"
)

// hsmCipher is one version of a master key, everything with the key
// running inside the token: wrap.KeyCipher with CKM_AES_GCM (envelope v1,
// opened forever) and wrap.KeyDeriver with CKM_AES_ECB (envelope v2: the
// XAES-256-GCM derivation; see AppendDerivedKey).
//
// Its object handle is cached with the pool generation it was found in.
// Handles may change when the token drops every session or logs out
// (SoftHSM2 renumbers objects then), so after the pool replaced a session
// or logged in again the handle is looked up by label before use, and a
// call that failed because of such an event is retried once.
type hsmCipher struct {
	pool    *pool
	id      [16]byte
	keyID   string
	version uint32
	label   string
	cached  atomic.Pointer[cachedHandle]
	// deriver is the XAES derivation over the token's CKM_AES_ECB, made at
	// the first envelope v2 (it costs one call to the token, for K1).
	deriver atomic.Pointer[wrap.XAESDeriver]
}

type cachedHandle struct {
	h   p11.ObjectHandle
	gen uint64
}

func newHSMCipher(pl *pool, id [16]byte, keyID string, v uint32, h p11.ObjectHandle, gen uint64) *hsmCipher {
	c := &hsmCipher{pool: pl, id: id, keyID: keyID, version: v, label: keyLabel(keyID, v)}
	c.cached.Store(&cachedHandle{h: h, gen: gen})
	return c
}

// handle returns the key's handle, looking it up again when the pool has
// changed since it was cached.
func (c *hsmCipher) handle(sh p11.SessionHandle) (p11.ObjectHandle, error) {
	gen := c.pool.gen.Load()
	if cur := c.cached.Load(); cur.gen == gen {
		return cur.h, nil
	}
	h, err := findVersion(c.pool.ctx, sh, c.id, c.keyID, c.version)
	if err != nil {
		return 0, err
	}
	c.cached.Store(&cachedHandle{h: h, gen: gen})
	return h, nil
}

// run runs one operation with the key, retrying once when the token lost
// the session or the login (the pool has repaired both by then).
func (c *hsmCipher) run(ctx context.Context, op func(sh p11.SessionHandle, h p11.ObjectHandle) error) error {
	attempt := func() error {
		return c.pool.with(ctx, func(sh p11.SessionHandle) error {
			h, err := c.handle(sh)
			if err != nil {
				return err
			}
			return op(sh, h)
		})
	}
	err := attempt()
	if code, ok := returnCode(err); ok && ctx.Err() == nil && (sessionBroken(code) || mayBeLoggedOut(code)) {
		return attempt()
	}
	return err
}

func gcmMechanism(nonce, ad []byte) (*p11.GCMParams, []*p11.Mechanism) {
	params := p11.NewGCMParams(nonce, ad, gcmTagBits)
	return params, []*p11.Mechanism{p11.NewMechanism(p11.CKM_AES_GCM, params)}
}

// Seal implements wrap.KeyCipher: AES-256-GCM in the token, appending
// ciphertext||tag to dst.
func (c *hsmCipher) Seal(dst, nonce, plaintext, ad []byte) ([]byte, error) {
	if len(nonce) != wrap.MasterNonceSize {
		return nil, fmt.Errorf("pkcs11: AES-GCM nonce is %d bytes, want %d", len(nonce), wrap.MasterNonceSize)
	}
	var ct []byte
	err := c.run(context.Background(), func(sh p11.SessionHandle, h p11.ObjectHandle) error {
		params, mech := gcmMechanism(nonce, ad)
		defer params.Free()
		if err := c.pool.ctx.EncryptInit(sh, mech, h); err != nil {
			return rvError("C_EncryptInit (CKM_AES_GCM) with "+c.label, err)
		}
		var err error
		if ct, err = c.pool.ctx.Encrypt(sh, plaintext); err != nil {
			return rvError("C_Encrypt (CKM_AES_GCM) with "+c.label, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(ct) != len(plaintext)+wrap.MasterTagSize {
		return nil, fmt.Errorf("pkcs11: C_Encrypt (CKM_AES_GCM) with %s returned %d bytes for %d of plaintext, want %d", c.label, len(ct), len(plaintext), len(plaintext)+wrap.MasterTagSize)
	}
	return append(dst, ct...), nil
}

// Open implements wrap.KeyCipher: it authenticates and decrypts
// ciphertext||tag in the token, appending the plaintext to dst.
func (c *hsmCipher) Open(dst, nonce, ciphertext, ad []byte) ([]byte, error) {
	return c.OpenContext(context.Background(), dst, nonce, ciphertext, ad)
}

// OpenContext implements wrap.ContextOpener: Open, waiting for a session
// only as long as ctx lasts.
func (c *hsmCipher) OpenContext(ctx context.Context, dst, nonce, ciphertext, ad []byte) ([]byte, error) {
	if len(nonce) != wrap.MasterNonceSize {
		return nil, fmt.Errorf("pkcs11: AES-GCM nonce is %d bytes, want %d", len(nonce), wrap.MasterNonceSize)
	}
	if len(ciphertext) < wrap.MasterTagSize {
		return nil, fmt.Errorf("pkcs11: AES-GCM ciphertext is %d bytes, shorter than the %d-byte tag", len(ciphertext), wrap.MasterTagSize)
	}
	var pt []byte
	err := c.run(ctx, func(sh p11.SessionHandle, h p11.ObjectHandle) error {
		params, mech := gcmMechanism(nonce, ad)
		defer params.Free()
		if err := c.pool.ctx.DecryptInit(sh, mech, h); err != nil {
			return rvError("C_DecryptInit (CKM_AES_GCM) with "+c.label, err)
		}
		var err error
		if pt, err = c.pool.ctx.Decrypt(sh, ciphertext); err != nil {
			// Tokens report a wrong tag differently (SoftHSM2:
			// CKR_GENERAL_ERROR; the standard: CKR_ENCRYPTED_DATA_INVALID).
			return rvError("C_Decrypt (CKM_AES_GCM) with "+c.label+" (tampered data, wrong AAD, or token failure)", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(pt) != len(ciphertext)-wrap.MasterTagSize {
		clear(pt)
		return nil, fmt.Errorf("pkcs11: C_Decrypt (CKM_AES_GCM) with %s returned %d bytes, want %d", c.label, len(pt), len(ciphertext)-wrap.MasterTagSize)
	}
	if dst == nil {
		return pt, nil
	}
	out := append(dst, pt...)
	clear(pt)
	return out, nil
}

// AppendDerivedKey implements wrap.KeyDeriver: it appends to dst the
// XAES-256-GCM key Kx of the 24-byte nonce, computing the block cipher in
// the token with CKM_AES_ECB on the non-extractable key object: one
// C_EncryptInit and C_Encrypt of the two blocks K1 ^ M_1, K1 ^ M_2. K1 =
// dbl(E(0^128)) is computed in the token at the first call and kept in host
// memory for the version's lifetime; it is a constant of the key version
// from which nothing can be derived without the token. Kx is wiped by the
// envelope once used; the copy the module returned is wiped here (the C
// buffer miekg/pkcs11 reads it into is freed without being wiped).
func (c *hsmCipher) AppendDerivedKey(dst, nonce []byte) ([]byte, error) {
	return c.AppendDerivedKeyContext(context.Background(), dst, nonce)
}

// AppendDerivedKeyContext implements wrap.ContextKeyDeriver: the token's
// calls wait for a session only as long as ctx lasts.
func (c *hsmCipher) AppendDerivedKeyContext(ctx context.Context, dst, nonce []byte) ([]byte, error) {
	enc := hsmECB{c, ctx}
	d := c.deriver.Load()
	if d == nil {
		nd, err := wrap.NewXAESDeriver(aesKeyLen, enc)
		if err != nil {
			return nil, err
		}
		c.deriver.CompareAndSwap(nil, nd)
		d = c.deriver.Load()
	}
	return d.AppendDerivedKeyWith(enc, dst, nonce)
}

// hsmECB is the wrap.BlockEncrypter of a key version: CKM_AES_ECB in the
// token, for one request's context.
type hsmECB struct {
	c   *hsmCipher
	ctx context.Context
}

// EncryptBlocks implements wrap.BlockEncrypter.
func (e hsmECB) EncryptBlocks(dst, src []byte) error {
	c := e.c
	if len(src) == 0 || len(src)%16 != 0 || len(dst) < len(src) {
		return fmt.Errorf("pkcs11: CKM_AES_ECB input is %d bytes into %d, not whole blocks", len(src), len(dst))
	}
	var out []byte
	err := c.run(e.ctx, func(sh p11.SessionHandle, h p11.ObjectHandle) error {
		if err := c.pool.ctx.EncryptInit(sh, []*p11.Mechanism{p11.NewMechanism(p11.CKM_AES_ECB, nil)}, h); err != nil {
			return rvError("C_EncryptInit (CKM_AES_ECB) with "+c.label, err)
		}
		var err error
		if out, err = c.pool.ctx.Encrypt(sh, src); err != nil {
			return rvError("C_Encrypt (CKM_AES_ECB) with "+c.label, err)
		}
		return nil
	})
	defer func() { clear(out) }()
	if err != nil {
		return err
	}
	if len(out) != len(src) {
		return fmt.Errorf("pkcs11: C_Encrypt (CKM_AES_ECB) with %s returned %d bytes for %d, want as many", c.label, len(out), len(src))
	}
	copy(dst, out)
	return nil
}

var (
	_ wrap.KeyCipher      = (*hsmCipher)(nil)
	_ wrap.KeyDeriver     = (*hsmCipher)(nil)
	_ wrap.BlockEncrypter = hsmECB{}
)
