package etcd

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"

	"github.com/ecdkp/ecdkp/provider/keystore/internal/kek"
)

// KEK is a key-encryption key: an AEAD with 12-byte nonces and 16-byte
// tags that seals the store key. A wrap.KeyCipher satisfies it, so one
// version of a master key of another store can be the KEK: the PKCS#11
// store's keys run inside the token, so the store key is then only ever
// unsealed by the HSM.
type KEK interface {
	// Seal appends the sealed plaintext (ciphertext || tag) to dst.
	Seal(dst, nonce, plaintext, additionalData []byte) ([]byte, error)
	// Open authenticates and opens ciphertext || tag, appending the
	// plaintext to dst.
	Open(dst, nonce, ciphertext, additionalData []byte) ([]byte, error)
}

// A KEKSource says where the store's KEK comes from: Passphrase or
// KEKCipher. Its zero value is no KEK, which Open refuses.
type KEKSource struct {
	kind       string // kindPassphrase or kindCipher
	passphrase []byte
	label      string
	cipher     KEK
}

// KEK kinds, as the store record names them.
const (
	kindPassphrase = "argon2id"
	kindCipher     = "cipher"
)

// Passphrase derives the KEK from a passphrase with Argon2id (costs and
// salt in the store record, bounded on read by the limits), then
// HKDF-SHA256: the KEK is an AES-256-GCM key.
func Passphrase(passphrase string) KEKSource {
	return KEKSource{kind: kindPassphrase, passphrase: []byte(passphrase)}
}

// KEKCipher uses c as the KEK. label names it in the store record (for
// example "pkcs11:TOKEN:KEYID:v1") and is bound to the sealed store key, so
// a store sealed under one KEK tells which when opened with another.
func KEKCipher(label string, c KEK) KEKSource {
	return KEKSource{kind: kindCipher, label: label, cipher: c}
}

// String names the source without its secret.
func (k KEKSource) String() string {
	switch k.kind {
	case kindPassphrase:
		return "passphrase (Argon2id)"
	case kindCipher:
		return fmt.Sprintf("KEK cipher %q", k.label)
	}
	return "no KEK"
}

// GoString keeps the passphrase out of %#v.
func (k KEKSource) GoString() string { return "etcd.KEKSource(" + k.String() + ")" }

// Argon2Params are the Argon2id costs (Time passes, MemoryKiB, Threads) of
// a passphrase KEK; the keyring uses the same type.
type Argon2Params = kek.Argon2Params

// DefaultArgon2 is RFC 9106's second recommended option (t=3, 64 MiB),
// used for a new store's salt.
var DefaultArgon2 = kek.DefaultArgon2

// DefaultArgon2Limits bounds the costs a store record may ask for (10
// passes, 256 MiB, 64 threads), so a hostile record cannot stall or
// exhaust a replica. WithArgon2Limits changes them.
var DefaultArgon2Limits = kek.DefaultArgon2Limits

// kekJSON is the kek member of the store record.
type kekJSON struct {
	Kind string `json:"kind"`
	// Label names a KEK cipher.
	Label string `json:"label,omitempty"`
	// Salt and the costs are a passphrase's.
	Salt          string `json:"salt,omitempty"`
	*Argon2Params `json:",omitempty"`
}

// HKDF labels of the keys derived from a passphrase and from the store key.
const (
	labelKEK      = "ecdkp-etcd/v1 kek"
	labelMAC      = "ecdkp-etcd/v1 record mac"
	labelMaterial = "ecdkp-etcd/v1 key material"
	adStoreKey    = "ecdkp-etcd/v1 store key"
	adRecord      = "ecdkp-etcd/v1 record"
)

// storeKeySize is the length of the store key.
const storeKeySize = 32

// newKEKSection describes a new store's KEK (a fresh salt for a passphrase).
func newKEKSection(src KEKSource, params Argon2Params) kekJSON {
	if src.kind == kindPassphrase {
		p := params
		return kekJSON{Kind: kindPassphrase, Salt: base64.StdEncoding.EncodeToString(kek.NewSalt()), Argon2Params: &p}
	}
	return kekJSON{Kind: kindCipher, Label: src.label}
}

// resolve returns the KEK that src makes for a store record's kek section,
// checking that they match and, for a passphrase, that the costs are
// within limits before running Argon2id.
func resolve(src KEKSource, k kekJSON, limits Argon2Params) (KEK, error) {
	switch k.Kind {
	case kindPassphrase:
		if src.kind != kindPassphrase {
			return nil, fmt.Errorf("%w: the store is sealed under a passphrase, and %s was given", ErrWrongKEK, src)
		}
		salt, err := base64.StdEncoding.DecodeString(k.Salt)
		if err != nil || !kek.ValidSalt(salt) || k.Argon2Params == nil || k.Label != "" {
			return nil, fmt.Errorf("%w: the store record's kek section is malformed", ErrAltered)
		}
		p := *k.Argon2Params
		if !p.Valid() {
			return nil, fmt.Errorf("%w: Argon2id time %d, memory %d KiB, threads %d are not valid", ErrAltered, p.Time, p.MemoryKiB, p.Threads)
		}
		if !p.Within(limits) {
			return nil, fmt.Errorf("%w: time %d, memory %d KiB, threads %d; the limits are %d, %d KiB, %d",
				ErrKDFLimits, p.Time, p.MemoryKiB, p.Threads, limits.Time, limits.MemoryKiB, limits.Threads)
		}
		key := kek.Derive(src.passphrase, salt, p, labelKEK)[0]
		defer clear(key)
		return aeadKEK{newGCM(key)}, nil
	case kindCipher:
		if src.kind != kindCipher {
			return nil, fmt.Errorf("%w: the store is sealed under KEK cipher %q, and %s was given", ErrWrongKEK, k.Label, src)
		}
		if k.Label != src.label {
			return nil, fmt.Errorf("%w: the store is sealed under KEK cipher %q, and %q was given", ErrWrongKEK, k.Label, src.label)
		}
		if src.cipher == nil {
			return nil, fmt.Errorf("etcd: KEK cipher %q is nil", src.label)
		}
		return src.cipher, nil
	}
	return nil, fmt.Errorf("%w: unknown KEK kind %q in the store record", ErrAltered, k.Kind)
}

// aeadKEK is a passphrase's KEK.
type aeadKEK struct{ aead cipher.AEAD }

func (k aeadKEK) Seal(dst, nonce, pt, ad []byte) ([]byte, error) {
	return k.aead.Seal(dst, nonce, pt, ad), nil
}
func (k aeadKEK) Open(dst, nonce, ct, ad []byte) ([]byte, error) {
	return k.aead.Open(dst, nonce, ct, ad)
}

// Format keeps the key schedule out of fmt output.
func (k aeadKEK) Format(f fmt.State, _ rune) { fmt.Fprint(f, "etcd.KEK(REDACTED)") }

func newGCM(key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key)
	if err != nil { // a 32-byte key always makes a cipher
		panic(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}

// storeKeyAD binds the sealed store key to the store record's etcd key and
// to the KEK that sealed it.
func storeKeyAD(metaName string, k kekJSON) []byte {
	id := k.Label
	if k.Kind == kindPassphrase {
		id = k.Salt
	}
	return fmt.Appendf(nil, "%s\x00%s\x00%s\x00%s", adStoreKey, metaName, k.Kind, id)
}

// sealStoreKey seals the store key under kek: base64(nonce || sealed).
func sealStoreKey(k KEK, storeKey []byte, ad []byte) (string, error) {
	nonce := make([]byte, 12, 12+storeKeySize+16)
	_, _ = rand.Read(nonce)
	out, err := k.Seal(nonce, nonce, storeKey, ad)
	if err != nil {
		return "", fmt.Errorf("etcd: sealing the store key under the KEK: %w", err)
	}
	return base64.StdEncoding.EncodeToString(out), nil
}

// openStoreKey opens a sealed store key; failing, it is ErrWrongKEK.
func openStoreKey(k KEK, sealed string, ad []byte) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(b) != 12+storeKeySize+16 {
		return nil, fmt.Errorf("%w: the sealed store key is malformed", ErrAltered)
	}
	key, err := k.Open(nil, b[:12], b[12:], ad)
	if err != nil || len(key) != storeKeySize {
		clear(key)
		return nil, ErrWrongKEK
	}
	return key, nil
}

// storeKeys are the keys derived from the store key: the MAC over every
// record and the AEAD sealing each version's material.
type storeKeys struct {
	mac      []byte
	material cipher.AEAD
}

// Format keeps the keys out of fmt output.
func (k *storeKeys) Format(f fmt.State, _ rune) { fmt.Fprint(f, "etcd.storeKeys(REDACTED)") }

func deriveStoreKeys(storeKey []byte) *storeKeys {
	m := kek.Subkey(storeKey, labelMaterial)
	defer clear(m)
	return &storeKeys{mac: kek.Subkey(storeKey, labelMAC), material: newGCM(m)}
}

// recordMAC authenticates a record's bytes and the etcd key it is stored
// under.
func (k *storeKeys) recordMAC(name string, record []byte) []byte {
	h := hmac.New(sha256.New, k.mac)
	h.Write([]byte(adRecord))
	h.Write([]byte{0})
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write(record)
	return h.Sum(nil)
}

// materialAD binds sealed material to its key and version.
func materialAD(keyID string, version uint32) []byte {
	ad := fmt.Appendf(nil, "%s\x00%s\x00", labelMaterial, keyID)
	return binary.BigEndian.AppendUint32(ad, version)
}

// sealMaterial seals one version's material: base64(nonce || sealed).
func (k *storeKeys) sealMaterial(material []byte, keyID string, version uint32) string {
	nonce := make([]byte, 12, 12+len(material)+16)
	_, _ = rand.Read(nonce)
	return base64.StdEncoding.EncodeToString(k.material.Seal(nonce, nonce, material, materialAD(keyID, version)))
}

func (k *storeKeys) openMaterial(sealed, keyID string, version uint32) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(b) < 12+16 {
		return nil, fmt.Errorf("%w: version %d of key %s is not sealed material", ErrAltered, version, keyID)
	}
	pt, err := k.material.Open(nil, b[:12], b[12:], materialAD(keyID, version))
	if err != nil {
		return nil, fmt.Errorf("%w: version %d of key %s does not open", ErrAltered, version, keyID)
	}
	return pt, nil
}
