package keyring

import (
	"errors"

	"github.com/ecdkp/ecdkp/provider/keystore"
)

// Seal seals the unsealed keyring file at path with passphrase, under its
// cross-process lock, and returns the keys it sealed. A file sealed in
// format v1 (ErrLegacySealed), which passphrase must open, is rewritten in
// the current format: its states, projects and default key are
// authenticated from then on, as they are now, so check them. A file
// already sealed is refused with ErrSealed. The passphrase of opts is not
// used; WithArgon2 sets the costs.
func Seal(path, passphrase string, opts ...Option) ([]keystore.KeyMetadata, error) {
	if passphrase == "" {
		return nil, errors.New("keyring: an empty passphrase seals nothing")
	}
	return reseal(path, []byte(passphrase), []byte(passphrase), true, opts)
}

// ChangePassphrase reseals the sealed keyring file at path under
// newPassphrase, with a new salt, under its cross-process lock, and returns
// its keys. oldPassphrase must open it; a file sealed in format v1 is
// rewritten in the current format, as Seal does. An unsealed file is
// refused with ErrNotSealed.
func ChangePassphrase(path, oldPassphrase, newPassphrase string, opts ...Option) ([]keystore.KeyMetadata, error) {
	if oldPassphrase == "" {
		return nil, errors.New("keyring: the current passphrase is empty")
	}
	if newPassphrase == "" {
		return nil, errors.New("keyring: an empty new passphrase would unseal the keyring")
	}
	return reseal(path, []byte(oldPassphrase), []byte(newPassphrase), false, opts)
}

func reseal(path string, oldPass, newPass []byte, sealing bool, opts []Option) ([]keystore.KeyMetadata, error) {
	o := newOptions(opts)
	o.create = false
	if err := checkParams(o.params, o.limits); err != nil {
		return nil, err
	}
	f := &fileStore{path: path, opts: o, passphrase: oldPass, sealing: sealing, legacy: true}
	unlock, err := f.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	st, err := f.load()
	if err != nil {
		return nil, err
	}
	f.passphrase, f.cache = newPass, nil
	if f.keys, err = f.newKeys(); err != nil {
		return nil, f.fail(err)
	}
	f.sealed = true
	if err := f.save(st); err != nil {
		return nil, err
	}
	return st.list(), nil
}
