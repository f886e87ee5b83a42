package keyring

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ecdkp/ecdkp/provider/keystore"
)

// File formats: v2 is written; v1 (no checksum, a seal over key material
// only) is still read: unsealed, it is rewritten as v2 by the next change;
// sealed, only Seal and ChangePassphrase read it (see ErrLegacySealed).
const (
	formatV1 = "ecdkp-keyring/v1"
	formatV2 = "ecdkp-keyring/v2"
)

// maxFileSize bounds what is read, so a hostile file cannot exhaust memory.
const maxFileSize = 16 << 20

// fileJSON is the keyring document. In v2 every member is covered by the
// checksum; in a sealed v2 file every member but the checksum is also
// covered by the MAC. Both are computed over canonical(doc): the document
// re-encoded compactly by encoding/json, so what is authenticated is what
// was parsed, member for member.
type fileJSON struct {
	Format       string    `json:"format"`
	KDF          *kdfJSON  `json:"kdf,omitempty"`
	DefaultKeyID string    `json:"default_key_id,omitempty"`
	Keys         []keyJSON `json:"keys"`
	// MAC is HMAC-SHA256 under the document key derived from the
	// passphrase, base64; sealed files only.
	MAC string `json:"mac,omitempty"`
	// Checksum is SHA-256 over the rest, hex: it detects damage without
	// the passphrase, and is the only integrity an unsealed file has.
	Checksum string `json:"checksum,omitempty"`
}

type keyJSON struct {
	keystore.KeyMetadata
	// Versions holds the material of each version, base64; sealed
	// (nonce || AES-256-GCM) when the file has a kdf.
	Versions []string `json:"versions"`
}

// canonical is the byte string the checksum (withMAC) or the MAC (not
// withMAC) covers.
func canonical(doc fileJSON, withMAC bool) []byte {
	doc.Checksum = ""
	if !withMAC {
		doc.MAC = ""
	}
	b, err := json.Marshal(doc)
	if err != nil { // a fileJSON always marshals
		panic(err)
	}
	return b
}

func checksum(doc fileJSON) string {
	s := sha256.Sum256(canonical(doc, true))
	return hex.EncodeToString(s[:])
}

// fileStore is a Keyring's file. Its fields are used under the Keyring's
// mutex (or by one Seal/ChangePassphrase call).
type fileStore struct {
	path string
	opts options
	// passphrase opens the file (Open) or seals it (Seal).
	passphrase []byte
	// sealing: an unsealed file is read although a passphrase is given,
	// and a sealed v2 one is refused with ErrSealed (Seal).
	sealing bool
	// legacy: a sealed v1 file may be read (Seal, ChangePassphrase).
	legacy bool

	// What the file was when last read or written.
	exists bool
	sealed bool     // or, while the file is absent: will be
	keys   *derived // the current file's keys; nil when unsealed or absent
	sum    [32]byte // SHA-256 of its bytes
	cache  *derived // the last derivation, reused while salt and costs stay
}

// loaded is one decoded file, not yet adopted by the fileStore.
type loaded struct {
	st     *state
	keys   *derived
	sealed bool
	sum    [32]byte
}

// adopt makes l the file's current contents.
func (f *fileStore) adopt(l *loaded) {
	f.exists, f.sealed, f.keys, f.sum = true, l.sealed, l.keys, l.sum
}

// fail names the file in err.
func (f *fileStore) fail(err error) error {
	var fe *FileError
	if errors.As(err, &fe) {
		return err
	}
	var pe *fs.PathError
	if errors.As(err, &pe) && (pe.Path == f.path) {
		err = pe.Err
	}
	if errors.Is(err, fs.ErrNotExist) {
		err = notExist{}
	}
	return &FileError{Path: f.path, Err: err}
}

// notExist is a missing keyring file: "keyring: PATH: does not exist".
type notExist struct{}

func (notExist) Error() string        { return "does not exist" }
func (notExist) Is(target error) bool { return target == fs.ErrNotExist }

// deleted is a keyring file deleted while in use: "keyring: PATH: was
// there and has been deleted; ...".
type deleted struct{}

func (deleted) Error() string {
	return "was there and has been deleted; nothing was written (put it back from a backup, by a rename)"
}
func (deleted) Is(target error) bool { return target == fs.ErrNotExist }

// read returns the file's bytes, bounded by maxFileSize. Writers replace
// the file by rename, so the bytes are one whole version of it.
func (f *fileStore) read() ([]byte, error) {
	fh, err := os.Open(f.path)
	if err != nil {
		return nil, f.fail(err)
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, maxFileSize+1))
	if err != nil {
		return nil, f.fail(err)
	}
	if len(b) > maxFileSize {
		return nil, f.fail(fmt.Errorf("%w: larger than %d MiB", ErrDamaged, maxFileSize>>20))
	}
	return b, nil
}

// load reads the file as it is now. An absent file is an empty keyring
// when the store may create it, else an error wrapping fs.ErrNotExist.
//
// A file that was there when last read or written and is gone is an error
// (wrapping fs.ErrNotExist), never an empty keyring: a change would
// otherwise drop every key held and write a file of the new state alone.
func (f *fileStore) load() (*state, error) {
	b, err := f.read()
	if errors.Is(err, fs.ErrNotExist) && f.exists {
		return nil, &FileError{Path: f.path, Err: deleted{}}
	}
	if errors.Is(err, fs.ErrNotExist) && f.opts.create {
		f.exists, f.keys, f.sum = false, nil, [32]byte{}
		f.sealed = len(f.passphrase) > 0
		return emptyState(), nil
	}
	if err != nil {
		return nil, err
	}
	l, err := f.decode(b)
	if err != nil {
		return nil, f.fail(err)
	}
	f.adopt(l)
	return l.st, nil
}

// decode parses and verifies a whole file: strict JSON, the format, the
// checksum, the passphrase and the MAC, then every key. Nothing is used
// from a file that fails any check.
func (f *fileStore) decode(b []byte) (*loaded, error) {
	var doc fileJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: not a keyring file: %v", ErrDamaged, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the keyring document", ErrDamaged)
	}
	l := &loaded{sum: sha256.Sum256(b)}
	var open func(blob []byte, keyID string, version uint32) ([]byte, error)
	switch doc.Format {
	case formatV2:
		if doc.Checksum == "" {
			return nil, fmt.Errorf("%w: no checksum", ErrDamaged)
		}
		if doc.Checksum != checksum(doc) {
			return nil, fmt.Errorf("%w: the checksum does not match the content", ErrDamaged)
		}
		if doc.KDF == nil {
			if doc.MAC != "" {
				return nil, fmt.Errorf("%w: a MAC but no kdf", ErrDamaged)
			}
			if len(f.passphrase) > 0 && !f.sealing {
				return nil, ErrNotSealed
			}
			break
		}
		if f.sealing {
			return nil, ErrSealed
		}
		if len(f.passphrase) == 0 {
			return nil, ErrPassphraseRequired
		}
		keys, err := f.derive(doc.KDF, false)
		if err != nil {
			return nil, err
		}
		if doc.MAC == "" {
			return nil, fmt.Errorf("%w: sealed, but the MAC is missing", ErrAltered)
		}
		if !keys.verify(canonical(doc, false), doc.MAC) {
			return nil, ErrAltered
		}
		l.keys, l.sealed, open = keys, true, keys.open
	case formatV1:
		if doc.MAC != "" || doc.Checksum != "" || doc.KDF != nil && doc.KDF.Check != "" {
			return nil, fmt.Errorf("%w: format v1 with members of v2", ErrDamaged)
		}
		if doc.KDF == nil {
			if len(f.passphrase) > 0 && !f.sealing {
				return nil, ErrNotSealed
			}
			break
		}
		if !f.legacy {
			return nil, ErrLegacySealed
		}
		if len(f.passphrase) == 0 {
			return nil, ErrPassphraseRequired
		}
		keys, err := f.derive(doc.KDF, true)
		if err != nil {
			return nil, err
		}
		l.keys, l.sealed, open = keys, true, keys.open
	default:
		return nil, fmt.Errorf("keyring: format %q is not %q or %q", doc.Format, formatV2, formatV1)
	}
	st, err := buildState(&doc, open)
	if err != nil {
		return nil, err
	}
	l.st = st
	return l, nil
}

// buildState checks every key of doc and makes the keyring's state; open,
// when the file is sealed, opens each version's material.
func buildState(doc *fileJSON, open func([]byte, string, uint32) ([]byte, error)) (*state, error) {
	st := &state{keys: make(map[string]*masterKey, len(doc.Keys)), order: make([]string, 0, len(doc.Keys))}
	for _, kj := range doc.Keys {
		if _, dup := st.keys[kj.KeyID]; dup {
			return nil, fmt.Errorf("%w: key %s appears twice", ErrDamaged, kj.KeyID)
		}
		k, err := loadKey(kj, doc.Format == formatV1, open)
		if err != nil {
			return nil, err
		}
		if k.md.Default != (kj.KeyID == doc.DefaultKeyID) {
			return nil, fmt.Errorf("%w: key %s: its default flag disagrees with default_key_id", ErrDamaged, kj.KeyID)
		}
		st.keys[kj.KeyID] = k
		st.order = append(st.order, kj.KeyID)
	}
	if doc.DefaultKeyID != "" {
		if _, ok := st.keys[doc.DefaultKeyID]; !ok {
			return nil, fmt.Errorf("%w: default key %s is not in the keyring", ErrDamaged, doc.DefaultKeyID)
		}
		st.defaultID = doc.DefaultKeyID
	}
	return st, nil
}

func loadKey(kj keyJSON, v1 bool, open func([]byte, string, uint32) ([]byte, error)) (*masterKey, error) {
	id, err := keystore.ParseKeyID(kj.KeyID)
	if err != nil {
		return nil, fmt.Errorf("%w: bad key id %q", ErrDamaged, kj.KeyID)
	}
	_, alg, err := materialSize(kj.KeySpec)
	if err != nil {
		return nil, fmt.Errorf("%w: key %s: %v", ErrDamaged, kj.KeyID, err)
	}
	if !kj.KeyState.Valid() {
		return nil, fmt.Errorf("%w: key %s has unknown state %q", ErrDamaged, kj.KeyID, kj.KeyState)
	}
	if kj.KeyUsage != keystore.UsageEncryptDecrypt {
		return nil, fmt.Errorf("%w: key %s has usage %q, not %s", ErrDamaged, kj.KeyID, kj.KeyUsage, keystore.UsageEncryptDecrypt)
	}
	if kj.Origin != keystore.OriginKMS && kj.Origin != keystore.OriginExternal {
		return nil, fmt.Errorf("%w: key %s has origin %q", ErrDamaged, kj.KeyID, kj.Origin)
	}
	if len(kj.Versions) == 0 || uint32(len(kj.Versions)) != kj.CurrentVersion || len(kj.Versions) > maxVersions {
		return nil, fmt.Errorf("%w: key %s has %d versions but current_version %d", ErrDamaged, kj.KeyID, len(kj.Versions), kj.CurrentVersion)
	}
	if kj.Project == "" && v1 { // stored before keys had projects
		kj.Project = keystore.DefaultProject
	}
	if !keystore.ValidProject(kj.Project) {
		return nil, fmt.Errorf("%w: key %s has project %q, not 1 to 64 of [0-9A-Za-z_-]", ErrDamaged, kj.KeyID, kj.Project)
	}
	k := &masterKey{id: id, alg: alg, md: kj.KeyMetadata}
	for i, v := range kj.Versions {
		raw, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return nil, fmt.Errorf("%w: key %s version %d is not base64", ErrDamaged, kj.KeyID, i+1)
		}
		if open != nil {
			if raw, err = open(raw, kj.KeyID, uint32(i+1)); err != nil {
				return nil, err
			}
		}
		cur := k.md
		if k, err = k.withVersion(raw); err != nil {
			return nil, fmt.Errorf("%w: key %s version %d: %v", ErrDamaged, kj.KeyID, i+1, err)
		}
		k.md = cur
	}
	return k, nil
}

// maxVersions bounds a key's versions, as maxFileSize bounds the file.
const maxVersions = 1 << 16

// encode writes st as a v2 document, sealed under f.keys when set.
func (f *fileStore) encode(st *state) ([]byte, error) {
	doc := fileJSON{Format: formatV2, DefaultKeyID: st.defaultID, Keys: make([]keyJSON, 0, len(st.order))}
	if f.keys != nil {
		kdf := f.keys.kdf
		doc.KDF = &kdf
	}
	for _, id := range st.order {
		k := st.keys[id]
		kj := keyJSON{KeyMetadata: k.md, Versions: make([]string, 0, len(k.material))}
		for i, m := range k.material {
			if f.keys != nil {
				s, err := f.keys.seal(m, id, uint32(i+1))
				if err != nil {
					return nil, err
				}
				m = s
			}
			kj.Versions = append(kj.Versions, base64.StdEncoding.EncodeToString(m))
		}
		doc.Keys = append(doc.Keys, kj)
	}
	if f.keys != nil {
		doc.MAC = f.keys.mac(canonical(doc, false))
	}
	doc.Checksum = checksum(doc)
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// save writes st over the file. The caller holds the file's lock and has
// just loaded it. A new sealed file gets a fresh salt.
func (f *fileStore) save(st *state) error {
	if f.sealed && f.keys == nil {
		keys, err := f.newKeys()
		if err != nil {
			return err
		}
		f.keys = keys
	}
	b, err := f.encode(st)
	if err != nil {
		return f.fail(err)
	}
	if err := writeAtomic(f.path, b); err != nil {
		return f.fail(err)
	}
	created := !f.exists
	f.exists, f.sum = true, sha256.Sum256(b)
	if created && f.opts.created != nil {
		f.opts.created(f.path)
	}
	return nil
}

// lock takes the cross-process lock of the file: flock(2) on PATH.lock,
// created beside it. The folder is created when the file may be.
func (f *fileStore) lock() (func(), error) {
	if f.opts.create {
		if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
			return nil, f.fail(err)
		}
	}
	unlock, err := lockFile(f.path + ".lock")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, f.fail(fs.ErrNotExist)
	}
	if err != nil {
		return nil, f.fail(err)
	}
	removeStaleTemps(f.path)
	return unlock, nil
}

// tempPattern names the temporary files of a keyring: hidden, in its
// folder, so rename is atomic, and named after it, so only its own writers
// (serialized by its lock) make them.
func tempPattern(path string) (prefix, suffix string) {
	return "." + filepath.Base(path) + ".", ".tmp"
}

// removeStaleTemps deletes temporary files a killed writer left behind;
// the caller holds the lock, so no live writer owns one.
func removeStaleTemps(path string) {
	dir := filepath.Dir(path)
	prefix, suffix := tempPattern(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, prefix) && strings.HasSuffix(n, suffix) && len(n) > len(prefix)+len(suffix) {
			os.Remove(filepath.Join(dir, n))
		}
	}
}

// writeHook, when set by tests, runs after the temporary file is written
// and before it is renamed; an error aborts the save.
var writeHook func(tmp string) error

// writeAtomic replaces path with data: a temporary file in the same folder
// (mode 0600), fsync, rename, fsync of the folder. A reader sees the whole
// old file or the whole new one; a crash leaves the old one.
func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	prefix, suffix := tempPattern(path)
	tmp, err := os.CreateTemp(dir, prefix+"*"+suffix)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if writeHook != nil {
		if err = writeHook(tmp.Name()); err != nil {
			return err
		}
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// The new file is in place; a failed fsync of the folder only makes the
	// rename less durable, and reporting the write as failed would be false.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
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
