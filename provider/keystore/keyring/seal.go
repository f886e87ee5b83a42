package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"sync/atomic"

	"github.com/ecdkp/ecdkp/provider/keystore/internal/kek"
)

// Argon2Params are the Argon2id cost parameters (Time passes, MemoryKiB,
// Threads) of a sealed keyring; they are stored in the file (and
// authenticated with it). The type is shared with the etcd store.
type Argon2Params = kek.Argon2Params

// DefaultArgon2 is RFC 9106's second recommended option (t=3, 64 MiB).
var DefaultArgon2 = kek.DefaultArgon2

// DefaultArgon2Limits bounds the costs a keyring file may ask for, so a
// hostile file cannot stall or exhaust the reader: 10 passes, 256 MiB, 64
// threads. WithArgon2Limits raises them.
var DefaultArgon2Limits = kek.DefaultArgon2Limits

// kdfJSON is the kdf member of a sealed file.
type kdfJSON struct {
	Algorithm string `json:"algorithm"`
	Salt      string `json:"salt"`
	Argon2Params
	// Check is the passphrase check value (v2): HKDF of the Argon2id output
	// under its own label, so a wrong passphrase is told apart from an
	// altered file without trying the MAC.
	Check string `json:"check,omitempty"`
}

// checkParams refuses costs a reader should not run: zero, over limits, or
// below Argon2's minimum memory of 8 KiB per thread.
func checkParams(p, limits Argon2Params) error {
	if !p.Valid() {
		return fmt.Errorf("%w: Argon2id time %d, memory %d KiB, threads %d are not valid", ErrDamaged, p.Time, p.MemoryKiB, p.Threads)
	}
	if !p.Within(limits) {
		return fmt.Errorf("%w: time %d, memory %d KiB, threads %d; the limits are %d, %d KiB, %d",
			ErrKDFLimits, p.Time, p.MemoryKiB, p.Threads, limits.Time, limits.MemoryKiB, limits.Threads)
	}
	return nil
}

// derived holds the keys of one kdf section under one passphrase.
type derived struct {
	kdf      kdfJSON
	v1       bool
	material cipher.AEAD // seals key material
	macKey   []byte      // v2: the document MAC key
	check    []byte      // v2: the passphrase check value
}

// HKDF labels of the v2 subkeys; the Argon2id output itself is never used
// as a key.
const (
	labelCheck    = "ecdkp-keyring/v2 passphrase check"
	labelMaterial = "ecdkp-keyring/v2 key material"
	labelMAC      = "ecdkp-keyring/v2 document mac"
)

// deriveCount counts Argon2id runs, for tests of the cache.
var deriveCount atomic.Int64

// derive checks a file's kdf section and derives its keys from the
// passphrase, reusing the last derivation while salt and costs are the
// same (a reload of an unchanged kdf costs no Argon2id run). A v2 check
// value that does not match is ErrWrongPassphrase.
func (f *fileStore) derive(k *kdfJSON, v1 bool) (*derived, error) {
	if k.Algorithm != "argon2id" {
		return nil, fmt.Errorf("%w: unknown kdf %q", ErrDamaged, k.Algorithm)
	}
	salt, err := base64.StdEncoding.DecodeString(k.Salt)
	if err != nil || !kek.ValidSalt(salt) {
		return nil, fmt.Errorf("%w: the kdf salt must be 16 to 64 bytes of base64", ErrDamaged)
	}
	if err := checkParams(k.Argon2Params, f.opts.limits); err != nil {
		return nil, err
	}
	var check []byte
	if !v1 {
		if check, err = base64.StdEncoding.DecodeString(k.Check); err != nil || len(check) != 32 {
			return nil, fmt.Errorf("%w: the kdf check value must be 32 bytes of base64", ErrDamaged)
		}
	}
	d := f.cache
	if d == nil || d.v1 != v1 || d.kdf.Salt != k.Salt || d.kdf.Argon2Params != k.Argon2Params {
		if d, err = f.deriveFrom(salt, *k, v1); err != nil {
			return nil, err
		}
		f.cache = d
	}
	if !v1 && subtle.ConstantTimeCompare(check, d.check) != 1 {
		return nil, ErrWrongPassphrase
	}
	return d, nil
}

// newKeys makes a fresh salt under the configured costs and derives its
// keys: a new sealed file, Seal, ChangePassphrase.
func (f *fileStore) newKeys() (*derived, error) {
	salt := kek.NewSalt()
	d, err := f.deriveFrom(salt, kdfJSON{Algorithm: "argon2id", Salt: base64.StdEncoding.EncodeToString(salt), Argon2Params: f.opts.params}, false)
	if err != nil {
		return nil, err
	}
	f.cache = d
	return d, nil
}

// deriveFrom runs Argon2id. For v2 it fills in the check value it derived
// (derive compares it with the file's).
func (f *fileStore) deriveFrom(salt []byte, k kdfJSON, v1 bool) (*derived, error) {
	deriveCount.Add(1)
	root := kek.Root(f.passphrase, salt, k.Argon2Params)
	defer clear(root)
	d := &derived{kdf: k, v1: v1}
	materialKey := root
	if !v1 {
		d.check = kek.Subkey(root, labelCheck)
		d.kdf.Check = base64.StdEncoding.EncodeToString(d.check)
		materialKey = kek.Subkey(root, labelMaterial)
		defer clear(materialKey)
		d.macKey = kek.Subkey(root, labelMAC)
	}
	block, err := aes.NewCipher(materialKey)
	if err != nil {
		return nil, err
	}
	if d.material, err = cipher.NewGCM(block); err != nil {
		return nil, err
	}
	return d, nil
}

// materialAD binds sealed material to its format, key and version.
func (d *derived) materialAD(keyID string, version uint32) []byte {
	format := formatV2
	if d.v1 {
		format = formatV1
	}
	ad := append([]byte(format+"|"), keyID...)
	return binary.BigEndian.AppendUint32(append(ad, '|'), version)
}

func (d *derived) seal(material []byte, keyID string, version uint32) ([]byte, error) {
	n := d.material.NonceSize()
	nonce := make([]byte, n, n+len(material)+d.material.Overhead())
	_, _ = rand.Read(nonce)
	return d.material.Seal(nonce, nonce, material, d.materialAD(keyID, version)), nil
}

// open opens one version's material. In v2 the MAC has verified the file
// first, so a failure here means the file was altered; in v1, which has no
// check value, it is how a wrong passphrase shows.
func (d *derived) open(sealed []byte, keyID string, version uint32) ([]byte, error) {
	fail := ErrAltered
	if d.v1 {
		fail = ErrWrongPassphrase
	}
	n := d.material.NonceSize()
	if len(sealed) < n+d.material.Overhead() {
		return nil, fmt.Errorf("%w: key %s version %d is too short to be sealed", fail, keyID, version)
	}
	pt, err := d.material.Open(nil, sealed[:n], sealed[n:], d.materialAD(keyID, version))
	if err != nil {
		return nil, fail
	}
	return pt, nil
}

// mac is the document MAC, base64.
func (d *derived) mac(doc []byte) string {
	h := hmac.New(sha256.New, d.macKey)
	h.Write(doc)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

func (d *derived) verify(doc []byte, mac string) bool {
	got, err := base64.StdEncoding.DecodeString(mac)
	if err != nil {
		return false
	}
	h := hmac.New(sha256.New, d.macKey)
	h.Write(doc)
	return hmac.Equal(h.Sum(nil), got)
}
