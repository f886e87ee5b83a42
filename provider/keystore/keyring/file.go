package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ecdkp/ecdkp/provider/keystore"
	"golang.org/x/crypto/argon2"
)

const fileFormat = "ecdkp-keyring/v1"

// Argon2Params are the Argon2id cost parameters of a passphrase-sealed
// keyring; they are stored in the file.
type Argon2Params struct {
	Time      uint32 `json:"time"`
	MemoryKiB uint32 `json:"memory_kib"`
	Threads   uint8  `json:"threads"`
}

// DefaultArgon2 is RFC 9106's second recommended option (t=3, 64 MiB).
var DefaultArgon2 = Argon2Params{Time: 3, MemoryKiB: 64 * 1024, Threads: 4}

// Option configures Open.
type Option func(*fileStore)

// WithPassphrase seals key material under a key derived from passphrase.
// An empty passphrase means none.
func WithPassphrase(passphrase string) Option {
	return func(f *fileStore) { f.passphrase = []byte(passphrase) }
}

// WithArgon2 overrides the Argon2id cost used when a new salt is made (a
// new or previously unsealed file); existing files keep theirs.
func WithArgon2(p Argon2Params) Option {
	return func(f *fileStore) { f.params = p }
}

type fileStore struct {
	path       string
	passphrase []byte
	params     Argon2Params
	kdf        *kdfJSON    // nil when unsealed
	kek        cipher.AEAD // nil when unsealed
}

type kdfJSON struct {
	Algorithm string `json:"algorithm"`
	Salt      string `json:"salt"`
	Argon2Params
}

type fileJSON struct {
	Format       string    `json:"format"`
	KDF          *kdfJSON  `json:"kdf,omitempty"`
	DefaultKeyID string    `json:"default_key_id,omitempty"`
	Keys         []keyJSON `json:"keys"`
}

type keyJSON struct {
	keystore.KeyMetadata
	// Versions holds the material of each version, base64; sealed
	// (nonce||AES-256-GCM) when the file has a kdf.
	Versions []string `json:"versions"`
}

// Open loads the keyring file at path, or starts an empty keyring that is
// written there on its first change (DefaultKey creates the first key).
func Open(path string, opts ...Option) (*Keyring, error) {
	f := &fileStore{path: path, params: DefaultArgon2}
	for _, o := range opts {
		o(f)
	}
	r := New()
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := f.newSalt(); err != nil {
			return nil, err
		}
		r.file = f
		return r, nil
	case err != nil:
		return nil, fmt.Errorf("keyring: %w", err)
	}
	var doc fileJSON
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("keyring: %s is not a keyring file: %v", path, err)
	}
	if doc.Format != fileFormat {
		return nil, fmt.Errorf("keyring: %s has format %q, want %q", path, doc.Format, fileFormat)
	}
	if doc.KDF != nil {
		if len(f.passphrase) == 0 {
			return nil, fmt.Errorf("keyring: %s is sealed with a passphrase; set ECDKP_PASSPHRASE", path)
		}
		if err := f.derive(doc.KDF); err != nil {
			return nil, err
		}
	} else if err := f.newSalt(); err != nil {
		return nil, err
	}
	for _, kj := range doc.Keys {
		k, err := f.loadKey(kj, doc.KDF != nil)
		if err != nil {
			return nil, err
		}
		r.keys[k.md.KeyID] = k
		r.order = append(r.order, k.md.KeyID)
	}
	if doc.DefaultKeyID != "" {
		if _, ok := r.keys[doc.DefaultKeyID]; !ok {
			return nil, fmt.Errorf("keyring: %s names default key %s, which it does not hold", path, doc.DefaultKeyID)
		}
		r.defaultID = doc.DefaultKeyID
	}
	r.file = f
	r.publish()
	return r, nil
}

func (f *fileStore) loadKey(kj keyJSON, sealed bool) (*masterKey, error) {
	id, err := keystore.ParseKeyID(kj.KeyID)
	if err != nil {
		return nil, fmt.Errorf("keyring: %s: bad key id %q", f.path, kj.KeyID)
	}
	_, alg, err := materialSize(kj.KeySpec)
	if err != nil {
		return nil, err
	}
	if !kj.KeyState.Valid() {
		return nil, fmt.Errorf("keyring: %s: key %s has unknown state %q", f.path, kj.KeyID, kj.KeyState)
	}
	if len(kj.Versions) == 0 || uint32(len(kj.Versions)) != kj.CurrentVersion {
		return nil, fmt.Errorf("keyring: %s: key %s has %d versions but current_version %d", f.path, kj.KeyID, len(kj.Versions), kj.CurrentVersion)
	}
	if kj.Project == "" { // stored before keys had projects
		kj.Project = keystore.DefaultProject
	}
	if !keystore.ValidProject(kj.Project) {
		return nil, fmt.Errorf("keyring: %s: key %s has project %q, not 1 to 64 of [0-9A-Za-z_-]", f.path, kj.KeyID, kj.Project)
	}
	k := &masterKey{id: id, alg: alg, md: kj.KeyMetadata}
	for i, v := range kj.Versions {
		raw, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return nil, fmt.Errorf("keyring: %s: key %s version %d is not base64", f.path, kj.KeyID, i+1)
		}
		if sealed {
			if raw, err = f.open(raw, kj.KeyID, uint32(i+1)); err != nil {
				return nil, err
			}
		}
		cur := k.md
		if k, err = k.withVersion(raw); err != nil {
			return nil, fmt.Errorf("keyring: %s: key %s version %d: %v", f.path, kj.KeyID, i+1, err)
		}
		k.md = cur
	}
	return k, nil
}

func (f *fileStore) newSalt() error {
	if len(f.passphrase) == 0 {
		return nil
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return err
	}
	return f.derive(&kdfJSON{Algorithm: "argon2id", Salt: base64.StdEncoding.EncodeToString(salt), Argon2Params: f.params})
}

func (f *fileStore) derive(k *kdfJSON) error {
	if k.Algorithm != "argon2id" {
		return fmt.Errorf("keyring: %s: unknown kdf %q", f.path, k.Algorithm)
	}
	salt, err := base64.StdEncoding.DecodeString(k.Salt)
	if err != nil || len(salt) < 16 {
		return fmt.Errorf("keyring: %s: kdf salt must be at least 16 bytes of base64", f.path)
	}
	if k.Time == 0 || k.MemoryKiB < 8 || k.Threads == 0 || k.MemoryKiB > 4<<20 || k.Time > 64 {
		return fmt.Errorf("keyring: %s: kdf parameters out of range", f.path)
	}
	kek := argon2.IDKey(f.passphrase, salt, k.Time, k.MemoryKiB, k.Threads, 32)
	defer clear(kek)
	block, err := aes.NewCipher(kek)
	if err != nil {
		return err
	}
	if f.kek, err = cipher.NewGCM(block); err != nil {
		return err
	}
	f.kdf = k
	return nil
}

// sealAD binds sealed material to its key and version.
func sealAD(keyID string, version uint32) []byte {
	ad := append([]byte(fileFormat+"|"), keyID...)
	return binary.BigEndian.AppendUint32(append(ad, '|'), version)
}

func (f *fileStore) seal(material []byte, keyID string, version uint32) ([]byte, error) {
	nonce := make([]byte, f.kek.NonceSize(), f.kek.NonceSize()+len(material)+f.kek.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return f.kek.Seal(nonce, nonce, material, sealAD(keyID, version)), nil
}

func (f *fileStore) open(sealed []byte, keyID string, version uint32) ([]byte, error) {
	n := f.kek.NonceSize()
	if len(sealed) < n+f.kek.Overhead() {
		return nil, ErrWrongPassphrase
	}
	pt, err := f.kek.Open(nil, sealed[:n], sealed[n:], sealAD(keyID, version))
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	return pt, nil
}

// save writes the keyring atomically: temp file, fsync, rename, fsync dir.
func (f *fileStore) save(r *Keyring) error {
	doc := fileJSON{Format: fileFormat, KDF: f.kdf, DefaultKeyID: r.defaultID, Keys: make([]keyJSON, 0, len(r.order))}
	for _, id := range r.order {
		k := r.keys[id]
		kj := keyJSON{KeyMetadata: k.md}
		kj.Default = id == r.defaultID
		for i, m := range k.material {
			if f.kek != nil {
				s, err := f.seal(m, id, uint32(i+1))
				if err != nil {
					return err
				}
				m = s
			}
			kj.Versions = append(kj.Versions, base64.StdEncoding.EncodeToString(m))
		}
		doc.Keys = append(doc.Keys, kj)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	return writeAtomic(f.path, b)
}

// writeHook, when set by tests, runs after the temporary file is written
// and before it is renamed; an error aborts the save.
var writeHook func(tmp string) error

func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".keyring-*.tmp")
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("keyring: writing %s: %w", tmp.Name(), err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	if writeHook != nil {
		if err = writeHook(tmp.Name()); err != nil {
			return err
		}
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// Path is where a file-backed keyring lives ("" for memory-only).
func (r *Keyring) Path() string {
	if r.file == nil {
		return ""
	}
	return r.file.path
}

// DefaultPath is the keyring of the ecdkp command:
// $XDG_DATA_HOME/ecdkp/keyring.json, or ~/.local/share/ecdkp/keyring.json.
func DefaultPath() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "ecdkp", "keyring.json"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("keyring: no XDG_DATA_HOME and no home folder: %w", err)
	}
	return filepath.Join(home, ".local", "share", "ecdkp", "keyring.json"), nil
}
