package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/auth"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/etcd"
	"github.com/ecdkp/ecdkp/provider/keystore/keyring"
	"github.com/ecdkp/ecdkp/provider/keystore/pkcs11"
)

// storeFlags are the flags every subcommand takes to choose its master key
// store, and how the subcommand uses it.
type storeFlags struct {
	kind, path *string
	etcd       etcdFlags
	// create lets an explicit --keyring PATH that does not exist be created
	// (keys create); only the default keyring is otherwise created on first
	// use.
	create bool
	// noFirstUse marks a command that never creates the default keyring
	// (decrypt, keys list, enable, disable, rotate): when there is none, it
	// says so rather than warn that it is not sealed.
	noFirstUse bool
	// log, when set (serve), receives the keyring's warnings, and the
	// keyring then follows changes other processes make to its file,
	// reporting each reload there.
	log *slog.Logger
	// reloaded, when set (serve), counts the keyring's reloads.
	reloaded func(error)
	fs       *flag.FlagSet
}

func addStoreFlags(fs *flag.FlagSet) storeFlags {
	return storeFlags{
		kind: fs.String("keystore", "keyring", "master key store: keyring, pkcs11 (configured by ECDKP_PKCS11_MODULE, ECDKP_PKCS11_TOKEN, ECDKP_PKCS11_PIN), or etcd (a fleet's, --etcd-*)"),
		path: fs.String("keyring", "", "keyring file, which must exist (default $XDG_DATA_HOME/ecdkp/keyring.json, created on first use); $ECDKP_PASSPHRASE opens a sealed one"),
		etcd: addEtcdFlags(fs),
		fs:   fs,
	}
}

// store is an open master key store and how to close it.
type store struct {
	keystore.KeyManager
	close func() error
	where string
	// replay and signatures, set for a fleet's store, are the replay
	// windows of sequences and of signatures every replica shares.
	replay     keystore.ReplayWindow
	signatures auth.ReplayCache
	// etcd is the fleet's store, for what only it does (keys passphrase).
	etcd *etcd.Store
}

// openProvider opens the chosen store and a provider over it; the caller
// closes the store.
func (s storeFlags) openProvider(ctx context.Context, e *env, opts ...provider.Option) (*store, *provider.Provider, error) {
	st, err := s.open(ctx, e)
	if err != nil {
		return nil, nil, err
	}
	p, err := provider.New(st, append(st.providerOptions(), opts...)...)
	if err != nil {
		st.close()
		return nil, nil, err
	}
	return st, p, nil
}

// keyringPath is the keyring file: --keyring, or the default one.
func (s storeFlags) keyringPath() (path string, explicit bool, err error) {
	if *s.path != "" {
		return *s.path, true, nil
	}
	path, err = keyring.DefaultPath()
	return path, false, err
}

// open opens the chosen store. A keyring that is not sealed is said so on
// stderr (or in serve's log), once.
func (s storeFlags) open(ctx context.Context, e *env) (*store, error) {
	if *s.kind != "etcd" && s.etcd.set(s.fs) {
		return nil, fmt.Errorf("the --etcd-* flags are for --keystore etcd, not %s", *s.kind)
	}
	if *s.kind != "keyring" && *s.path != "" {
		return nil, fmt.Errorf("--keyring is for --keystore keyring, not %s", *s.kind)
	}
	switch *s.kind {
	case "keyring":
		path, explicit, err := s.keyringPath()
		if err != nil {
			return nil, err
		}
		opts := []keyring.Option{
			keyring.WithPassphrase(e.getenv("ECDKP_PASSPHRASE")),
			keyring.WithCreated(func(p string) { s.notice(e, "created keyring "+p, p) }),
		}
		if explicit && !s.create {
			opts = append(opts, keyring.WithoutCreate())
		}
		if s.log != nil {
			opts = append(opts, keyring.WithLogger(s.log))
			if s.reloaded != nil {
				opts = append(opts, keyring.WithReloadEvents(s.reloaded))
			}
		} else {
			opts = append(opts, keyring.WithReload(0)) // one short command
		}
		_, statErr := os.Stat(path)
		kr, err := keyring.Open(path, opts...)
		if err != nil {
			return nil, keyringHint(err, explicit)
		}
		switch {
		case s.noFirstUse && errors.Is(statErr, fs.ErrNotExist):
			// A user whose keys live under another HOME or XDG_DATA_HOME
			// would otherwise see no keys, or "does not exist", and a
			// warning about a file that is not there.
			s.notice(e, "no keyring at "+path+" yet (create, keys create and serve make it on first use; "+
				"set XDG_DATA_HOME or --keyring to use another)", path)
		case !kr.Sealed():
			s.warn(e, "keyring "+path+" is not sealed: its master keys are stored in the clear, protected only by the file's permissions; "+
				"set ECDKP_PASSPHRASE and run 'ecdkp keys seal' to seal it", path)
		}
		return &store{KeyManager: kr, close: kr.Close, where: path}, nil
	case "pkcs11":
		cfg, err := pkcs11.ConfigFromEnv()
		if err != nil {
			return nil, err
		}
		if s.log == nil {
			cfg.Refresh = -1 // one short command; a server follows the token
		}
		st, err := pkcs11.Open(cfg)
		if err != nil {
			return nil, err
		}
		return &store{KeyManager: st, close: st.Close, where: "pkcs11:" + cfg.TokenLabel}, nil
	case "etcd":
		return s.openEtcd(ctx, e)
	}
	return nil, fmt.Errorf("--keystore must be keyring, pkcs11 or etcd, not %q", *s.kind)
}

// warn and notice write one line to stderr, or to serve's log.
func (s storeFlags) warn(e *env, msg, path string) {
	if s.log != nil {
		s.log.Warn(msg, "keyring", path)
		return
	}
	fmt.Fprintf(e.stderr, "ecdkp: warning: %s\n", msg)
}

func (s storeFlags) notice(e *env, msg, path string) {
	if s.log != nil {
		s.log.Info(msg, "keyring", path)
		return
	}
	fmt.Fprintf(e.stderr, "ecdkp: %s\n", msg)
}

// hinted is an error said differently on the command line; errors.Is and
// errors.As still see the original.
type hinted struct {
	msg string
	err error
}

func (h *hinted) Error() string { return h.msg }
func (h *hinted) Unwrap() error { return h.err }

// keyringHint adds what to do to the keyring's refusals.
func keyringHint(err error, explicit bool) error {
	var fe *keyring.FileError
	if errors.Is(err, keyring.ErrSealed) && errors.As(err, &fe) {
		// The package's text names its Go function, ChangePassphrase.
		return &hinted{"keyring: " + fe.Path + ": already sealed ('ecdkp keys passphrase' changes its passphrase)", err}
	}
	hint := ""
	switch {
	case errors.Is(err, keyring.ErrPassphraseRequired):
		hint = "set ECDKP_PASSPHRASE"
	case errors.Is(err, keyring.ErrNotSealed):
		hint = "unset ECDKP_PASSPHRASE, or seal the keyring with 'ecdkp keys seal'"
	case errors.Is(err, keyring.ErrLegacySealed):
		hint = "after checking its keys, upgrade it once with 'ecdkp keys seal' (ECDKP_PASSPHRASE set)"
	case errors.Is(err, keyring.ErrWrongPassphrase):
		hint = "check ECDKP_PASSPHRASE"
	case errors.Is(err, fs.ErrNotExist) && explicit:
		hint = "check --keyring, or create the keyring with 'ecdkp keys create --keyring PATH'"
	}
	if hint == "" {
		return err
	}
	return fmt.Errorf("%w (%s)", err, hint)
}
