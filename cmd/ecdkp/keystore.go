package main

import (
	"flag"
	"fmt"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/keyring"
	"github.com/ecdkp/ecdkp/provider/keystore/pkcs11"
)

// storeFlags are the flags every subcommand takes to choose its master key
// store.
type storeFlags struct {
	kind, path *string
}

func addStoreFlags(fs *flag.FlagSet) storeFlags {
	return storeFlags{
		kind: fs.String("keystore", "keyring", "master key store: keyring, or pkcs11 (configured by ECDKP_PKCS11_MODULE, ECDKP_PKCS11_TOKEN, ECDKP_PKCS11_PIN)"),
		path: fs.String("keyring", "", "keyring file (default $XDG_DATA_HOME/ecdkp/keyring.json); sealed with $ECDKP_PASSPHRASE when set"),
	}
}

// store is an open master key store and how to close it.
type store struct {
	keystore.KeyManager
	close func() error
	where string
}

// openProvider opens the chosen store and a provider over it; the caller
// closes the store.
func (s storeFlags) openProvider(e *env, opts ...provider.Option) (*store, *provider.Provider, error) {
	st, err := s.open(e)
	if err != nil {
		return nil, nil, err
	}
	p, err := provider.New(st, opts...)
	if err != nil {
		st.close()
		return nil, nil, err
	}
	return st, p, nil
}

// open opens the chosen store.
func (s storeFlags) open(e *env) (*store, error) {
	switch *s.kind {
	case "keyring":
		path := *s.path
		if path == "" {
			p, err := keyring.DefaultPath()
			if err != nil {
				return nil, err
			}
			path = p
		}
		kr, err := keyring.Open(path, keyring.WithPassphrase(e.getenv("ECDKP_PASSPHRASE")))
		if err != nil {
			return nil, err
		}
		return &store{kr, func() error { return nil }, path}, nil
	case "pkcs11":
		cfg, err := pkcs11.ConfigFromEnv()
		if err != nil {
			return nil, err
		}
		st, err := pkcs11.Open(cfg)
		if err != nil {
			return nil, err
		}
		return &store{st, st.Close, "pkcs11:" + cfg.TokenLabel}, nil
	}
	return nil, fmt.Errorf("--keystore must be keyring or pkcs11, not %q", *s.kind)
}
