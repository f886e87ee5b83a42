//go:build cgo

package pkcs11

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	p11 "github.com/miekg/pkcs11"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/wrap"
)

// requireCode asserts err is an *Error with the return code, named in its
// message.
func requireCode(t *testing.T, err error, code uint, name string) {
	t.Helper()
	require.Error(t, err)
	var e *Error
	require.ErrorAs(t, err, &e, "error %v is a *pkcs11.Error", err)
	assert.Equal(t, code, e.Code, "CK_RV of %v", err)
	assert.Contains(t, err.Error(), name)
}

// TestKeyNotExtractable: the master key's value cannot be read or wrapped
// out of the token, and cannot be made extractable.
func TestKeyNotExtractable(t *testing.T) {
	s := newStore(t)
	md, err := s.CreateKey(t.Context(), keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	k := s.keys[md.KeyID]
	h := keyHandle(s, md.KeyID, 1)
	session(t, s, func(ctx *p11.Ctx, sh p11.SessionHandle) {
		_, err := ctx.GetAttributeValue(sh, h, []*p11.Attribute{p11.NewAttribute(p11.CKA_VALUE, nil)})
		requireCode(t, rvError("read CKA_VALUE", err), p11.CKR_ATTRIBUTE_SENSITIVE, "CKR_ATTRIBUTE_SENSITIVE")

		attrs, err := ctx.GetAttributeValue(sh, h, []*p11.Attribute{
			p11.NewAttribute(p11.CKA_SENSITIVE, nil), p11.NewAttribute(p11.CKA_ALWAYS_SENSITIVE, nil),
			p11.NewAttribute(p11.CKA_EXTRACTABLE, nil), p11.NewAttribute(p11.CKA_NEVER_EXTRACTABLE, nil),
			p11.NewAttribute(p11.CKA_LOCAL, nil), p11.NewAttribute(p11.CKA_TOKEN, nil),
			p11.NewAttribute(p11.CKA_PRIVATE, nil), p11.NewAttribute(p11.CKA_WRAP, nil),
			p11.NewAttribute(p11.CKA_ID, nil), p11.NewAttribute(p11.CKA_LABEL, nil),
		})
		require.NoError(t, err)
		for i, want := range []bool{true, true, false, true, true, true, true, false} {
			assert.Equal(t, want, attrBool(attrs[i].Value), "attribute 0x%X", attrs[i].Type)
		}
		id := k.ID()
		assert.Equal(t, id[:], attrs[8].Value)
		assert.Equal(t, "ecdkp:"+md.KeyID+":v1", string(attrs[9].Value))

		// A session key that may wrap; wrapping an extractable key with it
		// works, so the refusal below is about the master key.
		wrapping, err := ctx.GenerateKey(sh, []*p11.Mechanism{p11.NewMechanism(p11.CKM_AES_KEY_GEN, nil)}, []*p11.Attribute{
			p11.NewAttribute(p11.CKA_CLASS, p11.CKO_SECRET_KEY), p11.NewAttribute(p11.CKA_KEY_TYPE, p11.CKK_AES),
			p11.NewAttribute(p11.CKA_VALUE_LEN, 32), p11.NewAttribute(p11.CKA_TOKEN, false),
			p11.NewAttribute(p11.CKA_WRAP, true), p11.NewAttribute(p11.CKA_EXTRACTABLE, true),
		})
		require.NoError(t, err)
		defer ctx.DestroyObject(sh, wrapping)
		mech := []*p11.Mechanism{p11.NewMechanism(p11.CKM_AES_KEY_WRAP, nil)}
		control, err := ctx.WrapKey(sh, mech, wrapping, wrapping)
		require.NoError(t, err, "the wrapping mechanism works on an extractable key")
		assert.Len(t, control, 40)

		_, err = ctx.WrapKey(sh, mech, wrapping, h)
		requireCode(t, rvError("wrap master key", err), p11.CKR_KEY_UNEXTRACTABLE, "CKR_KEY_UNEXTRACTABLE")

		err = ctx.SetAttributeValue(sh, h, []*p11.Attribute{p11.NewAttribute(p11.CKA_EXTRACTABLE, true)})
		assert.Error(t, err, "CKA_EXTRACTABLE cannot be turned back on")
		err = ctx.SetAttributeValue(sh, h, []*p11.Attribute{p11.NewAttribute(p11.CKA_SENSITIVE, false)})
		assert.Error(t, err, "CKA_SENSITIVE cannot be turned off")
	})
}

// fixedKey is a wrap.MasterKey over one cipher, to compare the token's
// AES-GCM with Go's on the same key.
type fixedKey struct {
	id [16]byte
	c  wrap.KeyCipher
}

func (k fixedKey) ID() [16]byte                             { return k.id }
func (k fixedKey) Algorithm() wrap.Algorithm                { return wrap.AES256GCM }
func (k fixedKey) CurrentVersion() uint32                   { return 7 }
func (k fixedKey) Version(v uint32) (wrap.KeyCipher, error) { return k.c, nil }

// TestTokenGCMMatchesSoftware: with the same key, nonce and context, the
// token (CKM_AES_GCM for v1, CKM_AES_ECB deriving the XAES-256-GCM key for
// v2) produces the envelope Go's AES does, byte for byte, in both
// versions, and each opens the other's. This pins that the store's
// envelopes are the DESIGN.md formats and differ only in who holds the key.
func TestTokenGCMMatchesSoftware(t *testing.T) {
	s := newStore(t)
	key := bytes.Repeat([]byte{0x42}, 32)
	var h p11.ObjectHandle
	session(t, s, func(ctx *p11.Ctx, sh p11.SessionHandle) {
		var err error
		h, err = ctx.CreateObject(sh, []*p11.Attribute{
			p11.NewAttribute(p11.CKA_CLASS, p11.CKO_SECRET_KEY), p11.NewAttribute(p11.CKA_KEY_TYPE, p11.CKK_AES),
			p11.NewAttribute(p11.CKA_TOKEN, false), p11.NewAttribute(p11.CKA_VALUE, key),
			p11.NewAttribute(p11.CKA_ENCRYPT, true), p11.NewAttribute(p11.CKA_DECRYPT, true),
		})
		require.NoError(t, err)
	})
	soft, err := wrap.NewKeyCipher(wrap.AES256GCM, key)
	require.NoError(t, err)
	hsm := newHSMCipher(s.pool, [16]byte{}, "test-session-key", 1, h, s.pool.gen.Load())
	id := [16]byte{1, 2, 3, 4, 5, 6, 0x47, 8, 0x89, 10, 11, 12, 13, 14, 15, 16}
	ctx := context.Background()
	cases := 0
	for _, v1 := range []bool{true, false} {
		nonce := bytes.Repeat([]byte{0xA5}, map[bool]int{true: wrap.MasterNonceSize, false: wrap.MasterV2NonceSize}[v1])
		for _, pt := range [][]byte{nil, []byte("x"), bytes.Repeat([]byte("pkcs8"), 50)} {
			for _, aad := range []string{"", "tenant=42"} {
				cases++
				bind := wrap.HuaweiContext(aad)
				hw := wrap.MasterKeyWrapper{Key: fixedKey{id, hsm}, Spec: curves.P256, Rand: bytes.NewReader(nonce), V1: v1}
				sw := wrap.MasterKeyWrapper{Key: fixedKey{id, soft}, Spec: curves.P256, Rand: bytes.NewReader(nonce), V1: v1}
				he, err := hw.Wrap(ctx, pt, bind)
				require.NoError(t, err)
				se, err := sw.Wrap(ctx, pt, bind)
				require.NoError(t, err)
				assert.Equal(t, se, he, "token and software envelopes are identical (v1 %v)", v1)
				if v1 {
					assert.Len(t, he, wrap.MasterOverhead+len(pt))
				} else {
					assert.Len(t, he, wrap.MasterV2Overhead(curves.P256)+len(pt))
				}

				got, err := wrap.MasterKeyUnwrapper{Key: fixedKey{id, soft}, Spec: curves.P256}.Unwrap(ctx, he, bind)
				require.NoError(t, err)
				assert.Equal(t, string(pt), string(got))
				got, err = wrap.MasterKeyUnwrapper{Key: fixedKey{id, hsm}, Spec: curves.P256}.Unwrap(ctx, se, bind)
				require.NoError(t, err)
				assert.Equal(t, string(pt), string(got))
				_, err = wrap.MasterKeyUnwrapper{Key: fixedKey{id, hsm}, Spec: curves.P384}.Unwrap(ctx, se, bind)
				assert.ErrorIs(t, err, wrap.ErrDecrypt, "the key spec is bound")
			}
		}
	}
	assert.Equal(t, 12, cases)

	nonce := bytes.Repeat([]byte{0xA5}, wrap.MasterNonceSize)
	_, err = hsm.Seal(nil, nonce[:8], []byte("x"), nil)
	assert.ErrorContains(t, err, "nonce is 8 bytes")
	_, err = hsm.Open(nil, nonce, make([]byte, 15), nil)
	assert.ErrorContains(t, err, "shorter than the 16-byte tag")
	out, err := hsm.Seal([]byte("prefix"), nonce, []byte("abc"), nil)
	require.NoError(t, err)
	assert.Equal(t, "prefix", string(out[:6]), "Seal appends to dst")
	back, err := hsm.Open([]byte("pre"), nonce, out[6:], nil)
	require.NoError(t, err)
	assert.Equal(t, "preabc", string(back), "Open appends to dst")
	err = hsmECB{hsm, context.Background()}.EncryptBlocks(make([]byte, 16), make([]byte, 15))
	assert.ErrorContains(t, err, "not whole blocks")
}

// TestImportedKeyV2MatchesKeyring imports a known AES-256 key into the
// token as a master key version of the store (C_CreateObject with
// CKA_VALUE, sensitive and non-extractable, with its metadata object),
// opens the store on it, and shows: the token refuses to reveal the value;
// the key the token derives in CKM_AES_ECB is the C2SP XAES-256-GCM vector's;
// and with the same nonce the store's key and the in-process cipher of the
// same material (wrap.NewKeyCipher, the keyring's) seal byte-identical
// envelopes v2, each opening the other's.
func TestImportedKeyV2MatchesKeyring(t *testing.T) {
	label := takeToken(t)
	material := bytes.Repeat([]byte{0x01}, 32) // the first C2SP XAES-256-GCM vector's key
	id := [16]byte{0x5e, 0xc0, 0x2a, 0x11, 0x7b, 0x44, 0x4c, 0x3d, 0x9a, 0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76}
	keyID := keystore.FormatKeyID(id)
	setup := openStore(t, label)
	session(t, setup, func(ctx *p11.Ctx, sh p11.SessionHandle) {
		tmpl := secretKeyTemplate(id, keyLabel(keyID, 1))
		for i, a := range tmpl {
			if a.Type == p11.CKA_VALUE_LEN { // CKA_VALUE gives the length
				tmpl[i] = p11.NewAttribute(p11.CKA_VALUE, material)
			}
		}
		_, err := ctx.CreateObject(sh, tmpl)
		require.NoError(t, err)
		_, err = createMeta(ctx, sh, metaDoc{Revision: 1, Serial: 1, KeyMetadata: keystore.KeyMetadata{
			KeyID: keyID, Project: keystore.DefaultProject, KeySpec: keystore.AES256, KeyUsage: keystore.UsageEncryptDecrypt,
			KeyState: keystore.KeyEnabled, Origin: keystore.OriginExternal, CurrentVersion: 1,
		}})
		require.NoError(t, err)
	})
	require.NoError(t, setup.Close())

	s := openStore(t, label)
	k, err := s.Key(t.Context(), keyID)
	require.NoError(t, err, "the store loads the imported key")
	session(t, s, func(ctx *p11.Ctx, sh p11.SessionHandle) {
		_, err := ctx.GetAttributeValue(sh, keyHandle(s, keyID, 1), []*p11.Attribute{p11.NewAttribute(p11.CKA_VALUE, nil)})
		requireCode(t, rvError("read CKA_VALUE", err), p11.CKR_ATTRIBUTE_SENSITIVE, "CKR_ATTRIBUTE_SENSITIVE")
	})

	kc, err := k.Version(1)
	require.NoError(t, err)
	d, ok := kc.(wrap.KeyDeriver)
	require.True(t, ok, "the token's cipher derives envelope v2 keys")
	kx, err := d.AppendDerivedKey(nil, []byte("ABCDEFGHIJKLMNOPQRSTUVWX"))
	require.NoError(t, err)
	assert.Equal(t, "c8612c9ed53fe43e8e005b828a1631a0bbcb6ab2f46514ec4f439fcfd0fa969b", hex.EncodeToString(kx), "Kx of the C2SP vector, derived in the token")

	soft, err := wrap.NewKeyCipher(wrap.AES256GCM, material)
	require.NoError(t, err)
	inProcess := oneVersionKey{fixedKey{id, soft}, 1} // the store's key is at version 1
	ctx := context.Background()
	for i, tc := range []struct {
		spec curves.Spec
		bind []byte
	}{
		{curves.P256, nil},
		{curves.SM2, wrap.HuaweiContext("tenant=42")},
		{curves.P521, wrap.AWSContext(map[string]string{"purpose": "signing"})},
	} {
		nonce := bytes.Repeat([]byte{byte(0x30 + i)}, wrap.MasterV2NonceSize)
		pt := bytes.Repeat([]byte{byte(i)}, 138)
		he, err := wrap.MasterKeyWrapper{Key: k, Spec: tc.spec, Rand: bytes.NewReader(nonce)}.Wrap(ctx, pt, tc.bind)
		require.NoError(t, err)
		se, err := wrap.MasterKeyWrapper{Key: inProcess, Spec: tc.spec, Rand: bytes.NewReader(nonce)}.Wrap(ctx, pt, tc.bind)
		require.NoError(t, err)
		assert.Equal(t, "EKP2", string(he[:4]))
		assert.Equal(t, se, he, "%s: token and in-process envelopes v2 are identical", tc.spec)
		got, err := wrap.MasterKeyUnwrapper{Key: k}.Unwrap(ctx, se, tc.bind)
		require.NoError(t, err, "the token opens the in-process envelope")
		assert.Equal(t, pt, got)
		got, err = wrap.MasterKeyUnwrapper{Key: inProcess}.Unwrap(ctx, he, tc.bind)
		require.NoError(t, err, "the in-process cipher opens the token's envelope")
		assert.Equal(t, pt, got)
	}
}

// oneVersionKey is fixedKey at another current version.
type oneVersionKey struct {
	fixedKey
	v uint32
}

func (k oneVersionKey) CurrentVersion() uint32 { return k.v }

// TestEnvelopeRotation: envelopes sealed by the store open with a
// wrap.MasterKeyUnwrapper over the same store, before and after rotation.
func TestEnvelopeRotation(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	md, err := s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	seal := func(pt string) []byte {
		k, err := s.Key(ctx, md.KeyID)
		require.NoError(t, err)
		env, err := wrap.MasterKeyWrapper{Key: k, Spec: curves.SM2}.Wrap(ctx, []byte(pt), []byte("aad"))
		require.NoError(t, err)
		return env
	}
	open := func(env []byte) (string, error) {
		k, err := s.Key(ctx, md.KeyID)
		require.NoError(t, err)
		pt, err := wrap.MasterKeyUnwrapper{Key: k, Spec: curves.SM2}.Unwrap(ctx, env, []byte("aad"))
		return string(pt), err
	}
	v1 := seal("one")
	_, err = s.RotateKey(ctx, md.KeyID)
	require.NoError(t, err)
	v2 := seal("two")
	for i, tc := range []struct {
		env  []byte
		want string
	}{{v1, "one"}, {v2, "two"}} {
		h, err := wrap.ParseMasterHeader(tc.env)
		require.NoError(t, err)
		assert.Equal(t, uint32(i+1), h.KeyVersion)
		got, err := open(tc.env)
		require.NoError(t, err)
		assert.Equal(t, tc.want, got)
	}
	v2[len(v2)-1] ^= 1
	_, err = open(v2)
	assert.ErrorIs(t, err, wrap.ErrDecrypt)
	k, err := s.Key(ctx, md.KeyID)
	require.NoError(t, err)
	_, err = k.Version(3)
	assert.ErrorIs(t, err, wrap.ErrKeyUnavailable)
	_, err = k.Version(0)
	assert.ErrorIs(t, err, wrap.ErrKeyUnavailable)
}

func TestWrongPIN(t *testing.T) {
	label := takeToken(t)
	cfg := testConfig(label)
	cfg.PIN = "0000"
	_, err := Open(cfg)
	require.ErrorIs(t, err, ErrPINIncorrect)
	requireCode(t, err, p11.CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT")
	assert.Contains(t, err.Error(), label)
	assert.NotContains(t, err.Error(), "0000", "the PIN is not echoed")

	// Once the process is logged in, a second Store must bring the same
	// PIN even though the token no longer checks it.
	openStore(t, label)
	_, err = Open(cfg)
	require.ErrorIs(t, err, ErrPINIncorrect)
	assert.Contains(t, err.Error(), "another PIN")
	second := openStore(t, label)
	assert.Equal(t, label, second.TokenLabel())
}

func TestOpenErrors(t *testing.T) {
	requireSoftHSM(t)
	dir := t.TempDir()
	notLib := dir + "/not-a-library.so"
	require.NoError(t, os.WriteFile(notLib, []byte("not ELF"), 0o600))
	for _, tc := range []struct {
		name   string
		mut    func(*Config)
		target error
		msg    []string
	}{
		{"module missing", func(c *Config) { c.Module = dir + "/libnothere.so" }, ErrModuleNotFound, []string{dir + "/libnothere.so", "does not exist"}},
		{"module is a folder", func(c *Config) { c.Module = dir }, ErrModuleNotFound, []string{dir, "folder"}},
		{"module not a library", func(c *Config) { c.Module = notLib }, ErrModuleNotFound, []string{notLib, "could not be loaded"}},
		{"token missing", func(c *Config) { c.TokenLabel = "no-such-token" }, ErrTokenNotFound, []string{`"no-such-token"`, `"ecdkp-test`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig("ecdkp-test")
			tc.mut(&cfg)
			s, err := Open(cfg)
			require.ErrorIs(t, err, tc.target)
			assert.Nil(t, s)
			for _, m := range tc.msg {
				assert.Contains(t, err.Error(), m)
			}
		})
	}
}

// TestMechanismInvalid: a mechanism the token lacks is reported as
// ErrMechanismInvalid naming CKR_MECHANISM_INVALID; SM4 master keys are
// refused up front.
func TestMechanismInvalid(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	md, err := s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	session(t, s, func(c *p11.Ctx, sh p11.SessionHandle) {
		const vendorSM4GCM = p11.CKM_VENDOR_DEFINED | 0x5347 // no token here knows it
		err := c.EncryptInit(sh, []*p11.Mechanism{p11.NewMechanism(vendorSM4GCM, nil)}, keyHandle(s, md.KeyID, 1))
		err = rvError("C_EncryptInit", err)
		assert.ErrorIs(t, err, ErrMechanismInvalid)
		requireCode(t, err, p11.CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID")
	})

	_, err = s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.SM4})
	require.ErrorIs(t, err, ErrUnsupportedSpec)
	for _, m := range []string{"SM4", "CKM_SM4", s.TokenLabel(), "AES_256"} {
		assert.Contains(t, err.Error(), m)
	}
	_, err = s.CreateKey(ctx, keystore.KeyParams{Spec: "RSA_2048"})
	assert.ErrorIs(t, err, ErrUnsupportedSpec)
	keys, err := s.ListKeys(ctx)
	require.NoError(t, err)
	assert.Len(t, keys, 1, "refused specs create nothing")
}

func TestDefaultKey(t *testing.T) {
	label := takeToken(t)
	s := openStore(t, label)
	ctx := context.Background()
	keys, err := s.ListKeys(ctx)
	require.NoError(t, err)
	assert.Empty(t, keys)
	d, err := s.DefaultKey(ctx)
	require.NoError(t, err)
	assert.True(t, d.Default)
	assert.Equal(t, keystore.AES256, d.KeySpec)
	assert.Equal(t, keystore.OriginHSM, d.Origin)
	assert.Equal(t, keystore.KeyEnabled, d.KeyState)
	assert.Equal(t, uint32(1), d.CurrentVersion)
	again, err := s.DefaultKey(ctx)
	require.NoError(t, err)
	assert.Equal(t, d.KeyID, again.KeyID)
	other, err := s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	assert.False(t, other.Default)
	require.NoError(t, s.Close())

	s2 := openStore(t, label)
	d2, err := s2.DefaultKey(ctx)
	require.NoError(t, err)
	assert.Equal(t, d, d2, "the default key persists")
}

// TestPersistence: keys, states, versions and the default survive Close
// and Open, and envelopes sealed before still open.
func TestPersistence(t *testing.T) {
	label := takeToken(t)
	ctx := context.Background()
	s := openStore(t, label)
	a, err := s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	b, err := s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	for range 2 {
		_, err = s.RotateKey(ctx, b.KeyID)
		require.NoError(t, err)
	}
	p, err := provider.New(s)
	require.NoError(t, err)
	envA, err := p.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: a.KeyID, KeySpec: "ECC_NIST_P256"})
	require.NoError(t, err)
	envB, err := p.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: b.KeyID, KeySpec: "SM2"})
	require.NoError(t, err)
	_, err = s.SetKeyState(ctx, a.KeyID, keystore.KeyDisabled)
	require.NoError(t, err)
	before, err := s.ListKeys(ctx)
	require.NoError(t, err)
	oldKey, err := s.Key(ctx, b.KeyID)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close twice is fine")

	_, err = s.Key(ctx, a.KeyID)
	assert.ErrorIs(t, err, ErrClosed)
	_, err = s.ListKeys(ctx)
	assert.ErrorIs(t, err, ErrClosed)
	_, err = s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	assert.ErrorIs(t, err, ErrClosed)
	c, err := oldKey.Version(3)
	require.NoError(t, err)
	_, err = c.Seal(nil, make([]byte, 12), []byte("x"), nil)
	assert.ErrorIs(t, err, ErrClosed, "keys handed out fail after Close")

	s2 := openStore(t, label)
	after, err := s2.ListKeys(ctx)
	require.NoError(t, err)
	assert.Equal(t, before, after)
	require.Len(t, after, 2)
	assert.Equal(t, keystore.KeyDisabled, after[0].KeyState)
	assert.True(t, after[0].Default)
	assert.Equal(t, uint32(3), after[1].CurrentVersion)

	p2, err := provider.New(s2)
	require.NoError(t, err)
	dec, err := p2.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: envB.PrivateKeyCipherText})
	require.NoError(t, err)
	assert.Equal(t, envB.PrivateKeyPlainText, dec.PrivateKeyPlainText)
	_, err = p2.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: envA.PrivateKeyCipherText})
	var perr *provider.Error
	require.ErrorAs(t, err, &perr)
	assert.Equal(t, provider.FailKeyDisabled, perr.Failure)
	_, err = s2.SetKeyState(ctx, a.KeyID, keystore.KeyEnabled)
	require.NoError(t, err)
	dec, err = p2.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: envA.PrivateKeyCipherText})
	require.NoError(t, err)
	assert.Equal(t, envA.PrivateKeyPlainText, dec.PrivateKeyPlainText)

	// Every change replaced the metadata object: one per key is left.
	session(t, s2, func(c *p11.Ctx, sh p11.SessionHandle) {
		metas, err := readMeta(c, sh)
		require.NoError(t, err)
		assert.Len(t, metas, 2)
	})
}

// TestRecovery: what an interrupted change leaves behind is handled.
func TestRecovery(t *testing.T) {
	label := takeToken(t)
	ctx := context.Background()
	s := openStore(t, label)
	a, err := s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	b, err := s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	ka := s.keys[a.KeyID]
	var orphan []byte
	session(t, s, func(c *p11.Ctx, sh p11.SessionHandle) {
		// A rotation of a that died after generating v2 (or that another
		// process is making now, and may seal under once it commits).
		h, err := generateVersion(c, sh, ka.id, a.KeyID, 2)
		require.NoError(t, err)
		orphan = sealWith(t, c, sh, h)
		// A change of b that died after writing its new metadata.
		doc := s.keys[b.KeyID].doc()
		doc.Revision++
		doc.KeyState = keystore.KeyPendingDeletion
		_, err = createMeta(c, sh, doc)
		require.NoError(t, err)
	})
	require.NoError(t, s.Close())

	s = openStore(t, label)
	kb, err := s.Key(ctx, b.KeyID)
	require.NoError(t, err)
	assert.Equal(t, keystore.KeyPendingDeletion, kb.Metadata().KeyState, "the highest revision wins")
	_, err = s.SetKeyState(ctx, b.KeyID, keystore.KeyEnabled)
	require.NoError(t, err)
	md, err := s.RotateKey(ctx, a.KeyID)
	require.NoError(t, err)
	assert.Equal(t, uint32(2), md.CurrentVersion)
	session(t, s, func(c *p11.Ctx, sh p11.SessionHandle) {
		metas, err := readMeta(c, sh)
		require.NoError(t, err)
		assert.Len(t, metas, 2, "stale metadata was removed by the next change")
		v2, err := findObjects(c, sh, []*p11.Attribute{p11.NewAttribute(p11.CKA_LABEL, keyLabel(a.KeyID, 2))})
		require.NoError(t, err)
		assert.Len(t, v2, 1, "the orphan v2 was replaced, not duplicated")
		all, err := findObjects(c, sh, []*p11.Attribute{
			p11.NewAttribute(p11.CKA_CLASS, p11.CKO_SECRET_KEY),
			p11.NewAttribute(p11.CKA_ID, ka.id[:]),
		})
		require.NoError(t, err)
		opened := 0
		for _, h := range all {
			if openWith(c, sh, h, orphan) {
				opened++
			}
		}
		assert.Len(t, all, 3, "v1, v2, and the orphan kept under another label: no key object is destroyed")
		assert.Equal(t, 1, opened, "what was sealed under the orphan still opens under it")
	})
	k, err := s.Key(ctx, a.KeyID)
	require.NoError(t, err)
	env, err := wrap.MasterKeyWrapper{Key: k, Spec: curves.P256}.Wrap(ctx, []byte("pt"), nil)
	require.NoError(t, err)
	_, err = wrap.MasterKeyUnwrapper{Key: k, Spec: curves.P256}.Unwrap(ctx, env, nil)
	require.NoError(t, err)
}

// TestLoadRefusesBadObjects: objects this package did not write as it
// writes them are refused, naming the object.
func TestLoadRefusesBadObjects(t *testing.T) {
	ctx := context.Background()
	t.Run("weak or missing version", func(t *testing.T) {
		label := takeToken(t)
		s := openStore(t, label)
		a, err := s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
		require.NoError(t, err)
		b, err := s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
		require.NoError(t, err)
		good, err := s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
		require.NoError(t, err)
		ka := s.keys[a.KeyID]
		session(t, s, func(c *p11.Ctx, sh p11.SessionHandle) {
			// a's v1 replaced by an extractable key of the same label;
			// b's v1 deleted.
			require.NoError(t, c.DestroyObject(sh, keyHandle(s, a.KeyID, 1)))
			value := make([]byte, 32)
			_, _ = rand.Read(value)
			id := ka.id
			_, err := c.CreateObject(sh, []*p11.Attribute{
				p11.NewAttribute(p11.CKA_CLASS, p11.CKO_SECRET_KEY), p11.NewAttribute(p11.CKA_KEY_TYPE, p11.CKK_AES),
				p11.NewAttribute(p11.CKA_TOKEN, true), p11.NewAttribute(p11.CKA_PRIVATE, true),
				p11.NewAttribute(p11.CKA_VALUE, value), p11.NewAttribute(p11.CKA_EXTRACTABLE, true),
				p11.NewAttribute(p11.CKA_SENSITIVE, false), p11.NewAttribute(p11.CKA_ENCRYPT, true),
				p11.NewAttribute(p11.CKA_DECRYPT, true), p11.NewAttribute(p11.CKA_LABEL, keyLabel(a.KeyID, 1)),
				p11.NewAttribute(p11.CKA_ID, id[:]),
			})
			require.NoError(t, err)
			require.NoError(t, c.DestroyObject(sh, keyHandle(s, b.KeyID, 1)))
		})
		require.NoError(t, s.Close())
		s = openStore(t, label)
		for _, tc := range []struct{ id, msg string }{{a.KeyID, "extractable"}, {b.KeyID, "no secret key object"}} {
			k, err := s.Key(ctx, tc.id)
			require.NoError(t, err)
			_, err = k.Version(1)
			assert.ErrorIs(t, err, wrap.ErrKeyUnavailable)
			assert.ErrorIs(t, err, ErrCorruptObject)
			assert.ErrorContains(t, err, tc.msg)
		}
		p, err := provider.New(s)
		require.NoError(t, err)
		_, err = p.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: a.KeyID, KeySpec: "ECC_NIST_P256"})
		assert.Error(t, err, "a key whose version is unfit seals nothing")
		_, err = p.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: good.KeyID, KeySpec: "ECC_NIST_P256"})
		assert.NoError(t, err, "the other keys still work")
	})
	for _, tc := range []struct {
		name  string
		value func(doc metaDoc) []byte
		label func(keyID string) string
		msg   string
	}{
		{"not JSON", func(metaDoc) []byte { return []byte("{not json") }, metaLabel, "not valid JSON"},
		{"unknown field", func(d metaDoc) []byte { return jsonWith(t, d, `"extra":1`) }, metaLabel, "unknown field"},
		{"other format", func(d metaDoc) []byte { d.Format = "v0"; return jsonOf(t, d) }, metaLabel, `format "v0"`},
		{"SM4 key", func(d metaDoc) []byte { d.KeySpec = keystore.SM4; return jsonOf(t, d) }, metaLabel, `key spec "SM4"`},
		{"bad state", func(d metaDoc) []byte { d.KeyState = "Gone"; return jsonOf(t, d) }, metaLabel, `state "Gone"`},
		{"version 0", func(d metaDoc) []byte { d.CurrentVersion = 0; return jsonOf(t, d) }, metaLabel, "version 0"},
		{"label names another key", func(d metaDoc) []byte { return jsonOf(t, d) }, func(string) string { return "ecdkp:00000000-0000-4000-8000-000000000000" }, "names key id"},
		{"label without prefix", func(d metaDoc) []byte { return jsonOf(t, d) }, func(string) string { return "other" }, `label "other"`},
		{"same revision twice", func(d metaDoc) []byte { return jsonOf(t, d) }, metaLabel, "revision 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			label := takeToken(t)
			s := openStore(t, label)
			md, err := s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
			require.NoError(t, err)
			doc := s.keys[md.KeyID].doc()
			doc.Format = metaFormat
			session(t, s, func(c *p11.Ctx, sh p11.SessionHandle) {
				_, err := c.CreateObject(sh, []*p11.Attribute{
					p11.NewAttribute(p11.CKA_CLASS, p11.CKO_DATA), p11.NewAttribute(p11.CKA_TOKEN, true),
					p11.NewAttribute(p11.CKA_PRIVATE, true), p11.NewAttribute(p11.CKA_APPLICATION, application),
					p11.NewAttribute(p11.CKA_LABEL, tc.label(md.KeyID)), p11.NewAttribute(p11.CKA_VALUE, tc.value(doc)),
				})
				require.NoError(t, err)
			})
			require.NoError(t, s.Close())
			_, err = Open(testConfig(label))
			require.ErrorIs(t, err, ErrCorruptObject)
			assert.ErrorContains(t, err, tc.msg)
		})
	}
}

// TestTokenLostSessionAndLogin: when the token closes the store's only
// session (and so logs out, renumbering its objects) or logs out under it,
// the pool opens a session, logs in again, finds the key by label and the
// call succeeds.
func TestTokenLostSessionAndLogin(t *testing.T) {
	label := takeToken(t)
	cfg := testConfig(label)
	cfg.Sessions = 1
	s, err := Open(cfg)
	require.NoError(t, err)
	defer s.Close()
	md, err := s.CreateKey(t.Context(), keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	k, err := s.Key(t.Context(), md.KeyID)
	require.NoError(t, err)
	c, err := k.Version(1)
	require.NoError(t, err)
	nonce := make([]byte, 12)
	want, err := c.Seal(nil, nonce, []byte("x"), nil)
	require.NoError(t, err)

	for _, tc := range []struct {
		name    string
		breakIt func(sh p11.SessionHandle) error
	}{
		{"session closed", s.mod.ctx.CloseSession},
		{"logged out", s.mod.ctx.Logout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gen := s.pool.gen.Load()
			sh := <-s.pool.ch
			require.NoError(t, tc.breakIt(sh))
			s.pool.ch <- sh
			got, err := c.Seal(nil, nonce, []byte("x"), nil)
			require.NoError(t, err)
			assert.Equal(t, want, got, "the same key sealed")
			assert.Greater(t, s.pool.gen.Load(), gen, "the pool repaired itself")
			pt, err := c.Open(nil, nonce, got, nil)
			require.NoError(t, err)
			assert.Equal(t, "x", string(pt))
		})
	}
}

// TestChangesWhileSealing: rotations and state changes race with sealing
// and opening under -race; every envelope opens afterwards.
func TestChangesWhileSealing(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	md, err := s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		envs [][]byte
		errs = make(chan error, 4)
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				k, err := s.Key(ctx, md.KeyID)
				if err != nil {
					errs <- err
					return
				}
				env, err := wrap.MasterKeyWrapper{Key: k, Spec: curves.P256}.Wrap(ctx, []byte("data"), nil)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				envs = append(envs, env)
				mu.Unlock()
			}
		}()
	}
	for i := range 5 {
		_, err := s.RotateKey(ctx, md.KeyID)
		require.NoError(t, err)
		_, err = s.SetKeyState(ctx, md.KeyID, []keystore.KeyState{keystore.KeyDisabled, keystore.KeyEnabled}[i%2])
		require.NoError(t, err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	k, err := s.Key(ctx, md.KeyID)
	require.NoError(t, err)
	assert.Equal(t, uint32(6), k.CurrentVersion())
	require.Len(t, envs, 200)
	for _, env := range envs {
		pt, err := wrap.MasterKeyUnwrapper{Key: k, Spec: curves.P256}.Unwrap(ctx, env, nil)
		require.NoError(t, err)
		assert.Equal(t, "data", string(pt))
	}
}

func TestCanceledContext(t *testing.T) {
	s := newStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	assert.True(t, errors.Is(err, context.Canceled), "got %v", err)
	_, err = s.DefaultKey(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	keys, err := s.ListKeys(context.Background())
	require.NoError(t, err)
	assert.Empty(t, keys)
}

// keyHandle is the cached object handle of a key version.
func keyHandle(s *Store, keyID string, v uint32) p11.ObjectHandle {
	return s.keys[keyID].versions[v-1].cached.Load().h
}

// TestChangeAfterAnotherProcess: a store opened before another process
// (here another Store on the token, as `ecdkp keys rotate` beside a
// running `ecdkp serve`) rotated a key and sealed under the new version
// must not undo that: its own later change of the key (a state change, a
// rotation) keeps every version on the token, and every envelope still
// opens on a store opened afterwards.
func TestChangeAfterAnotherProcess(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		change func(s *Store, id string) error
		want   uint32 // versions after
	}{
		{"disable", func(s *Store, id string) error {
			_, err := s.SetKeyState(ctx, id, keystore.KeyDisabled)
			return err
		}, 2},
		{"rotate", func(s *Store, id string) error { _, err := s.RotateKey(ctx, id); return err }, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			label := takeToken(t)
			server := openStore(t, label)
			md, err := server.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
			require.NoError(t, err)

			cli := openStore(t, label)
			_, err = cli.RotateKey(ctx, md.KeyID)
			require.NoError(t, err)
			k, err := cli.Key(ctx, md.KeyID)
			require.NoError(t, err)
			env, err := wrap.MasterKeyWrapper{Key: k, Spec: curves.P256}.Wrap(ctx, []byte("under v2"), nil)
			require.NoError(t, err)
			require.NoError(t, cli.Close())

			require.NoError(t, tc.change(server, md.KeyID))
			k, err = server.Key(ctx, md.KeyID)
			require.NoError(t, err)
			assert.Equal(t, tc.want, k.CurrentVersion(), "the change is made on the token's key, not the store's old copy")

			later := openStore(t, label)
			k, err = later.Key(ctx, md.KeyID)
			require.NoError(t, err)
			assert.Equal(t, tc.want, k.CurrentVersion())
			pt, err := wrap.MasterKeyUnwrapper{Key: k, Spec: curves.P256}.Unwrap(ctx, env, nil)
			require.NoError(t, err, "the envelope sealed under v2 still opens")
			assert.Equal(t, "under v2", string(pt))
		})
	}
}

// sealWith seals a test message under key object h with CKM_AES_GCM, as
// nonce || ciphertext || tag.
func sealWith(t *testing.T, c *p11.Ctx, sh p11.SessionHandle, h p11.ObjectHandle) []byte {
	t.Helper()
	nonce := make([]byte, 12)
	_, _ = rand.Read(nonce)
	require.NoError(t, c.EncryptInit(sh, []*p11.Mechanism{p11.NewMechanism(p11.CKM_AES_GCM, p11.NewGCMParams(nonce, nil, gcmTagBits))}, h))
	ct, err := c.Encrypt(sh, []byte("sealed under the orphan"))
	require.NoError(t, err)
	return append(nonce, ct...)
}

// openWith reports whether key object h opens what sealWith sealed.
func openWith(c *p11.Ctx, sh p11.SessionHandle, h p11.ObjectHandle, sealed []byte) bool {
	if err := c.DecryptInit(sh, []*p11.Mechanism{p11.NewMechanism(p11.CKM_AES_GCM, p11.NewGCMParams(sealed[:12], nil, gcmTagBits))}, h); err != nil {
		return false
	}
	pt, err := c.Decrypt(sh, sealed[12:])
	return err == nil && string(pt) == "sealed under the orphan"
}

// TestFollowsOtherProcess: a store that stays open (a server) sees what
// another store on the token (the CLI, a replica) creates, rotates and
// disables, within its Refresh, and opens what the other sealed under a
// version it added; a store with Refresh off does not.
func TestFollowsOtherProcess(t *testing.T) {
	ctx := context.Background()
	label := takeToken(t)
	cfg := testConfig(label)
	cfg.Refresh = 50 * time.Millisecond
	server, err := Open(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { server.Close() })
	cfg.Refresh = -1
	frozen, err := Open(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { frozen.Close() })

	cli := openStore(t, label)
	md, err := cli.CreateKey(ctx, keystore.KeyParams{Spec: keystore.AES256})
	require.NoError(t, err)
	require.Eventually(t, func() bool { _, err := server.Key(ctx, md.KeyID); return err == nil }, 5*time.Second, 10*time.Millisecond,
		"a key another process created")
	_, err = cli.RotateKey(ctx, md.KeyID)
	require.NoError(t, err)
	k, err := cli.Key(ctx, md.KeyID)
	require.NoError(t, err)
	env, err := wrap.MasterKeyWrapper{Key: k, Spec: curves.P256}.Wrap(ctx, []byte("under v2"), nil)
	require.NoError(t, err)
	_, err = cli.SetKeyState(ctx, md.KeyID, keystore.KeyDisabled)
	require.NoError(t, err)

	require.Eventually(t, func() bool {
		k, err := server.Key(ctx, md.KeyID)
		return err == nil && k.Metadata().KeyState == keystore.KeyDisabled
	}, 5*time.Second, 10*time.Millisecond, "a key another process disabled")
	k, err = server.Key(ctx, md.KeyID)
	require.NoError(t, err)
	assert.Equal(t, uint32(2), k.CurrentVersion(), "the version another process added")
	pt, err := wrap.MasterKeyUnwrapper{Key: k, Spec: curves.P256}.Unwrap(ctx, env, nil)
	require.NoError(t, err, "what the other sealed under its new version opens here")
	assert.Equal(t, "under v2", string(pt))
	keys, err := server.ListKeys(ctx)
	require.NoError(t, err)
	assert.Len(t, keys, 1)

	_, err = frozen.Key(ctx, md.KeyID)
	assert.ErrorIs(t, err, keystore.ErrKeyNotFound, "Refresh off: the store keeps what it loaded at Open")

	// A change made here after the other's is made on top of it.
	_, err = server.SetKeyState(ctx, md.KeyID, keystore.KeyEnabled)
	require.NoError(t, err)
	later := openStore(t, label)
	k, err = later.Key(ctx, md.KeyID)
	require.NoError(t, err)
	assert.Equal(t, keystore.KeyEnabled, k.Metadata().KeyState)
	assert.Equal(t, uint32(2), k.CurrentVersion())
}
