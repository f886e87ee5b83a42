//go:build cgo

package pkcs11

import (
	"context"
	"fmt"
	"sync/atomic"

	p11 "github.com/miekg/pkcs11"

	"github.com/ecdkp/ecdkp/wrap"
)

// hsmCipher is one version of a master key: wrap.KeyCipher running
// CKM_AES_GCM inside the token.
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
func (c *hsmCipher) run(op func(sh p11.SessionHandle, h p11.ObjectHandle) error) error {
	attempt := func() error {
		return c.pool.with(context.Background(), func(sh p11.SessionHandle) error {
			h, err := c.handle(sh)
			if err != nil {
				return err
			}
			return op(sh, h)
		})
	}
	err := attempt()
	if code, ok := returnCode(err); ok && (sessionBroken(code) || mayBeLoggedOut(code)) {
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
	err := c.run(func(sh p11.SessionHandle, h p11.ObjectHandle) error {
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
	if len(nonce) != wrap.MasterNonceSize {
		return nil, fmt.Errorf("pkcs11: AES-GCM nonce is %d bytes, want %d", len(nonce), wrap.MasterNonceSize)
	}
	if len(ciphertext) < wrap.MasterTagSize {
		return nil, fmt.Errorf("pkcs11: AES-GCM ciphertext is %d bytes, shorter than the %d-byte tag", len(ciphertext), wrap.MasterTagSize)
	}
	var pt []byte
	err := c.run(func(sh p11.SessionHandle, h p11.ObjectHandle) error {
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

var _ wrap.KeyCipher = (*hsmCipher)(nil)
