package main

import (
	"flag"

	"github.com/ecdkp/ecdkp/provider/keyring"
)

// keyringFlag registers --keyring on a flag set.
func keyringFlag(fs *flag.FlagSet) *string {
	return fs.String("keyring", "", "keyring file (default $XDG_DATA_HOME/ecdkp/keyring.json)")
}

// openKeyring opens the keyring at path, or the default one, with the
// passphrase from ECDKP_PASSPHRASE.
func openKeyring(e *env, path string) (*keyring.Keyring, error) {
	if path == "" {
		p, err := keyring.DefaultPath()
		if err != nil {
			return nil, err
		}
		path = p
	}
	return keyring.Open(path, keyring.WithPassphrase(e.getenv("ECDKP_PASSPHRASE")))
}
