package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/auth"
	"github.com/ecdkp/ecdkp/provider/keystore"
	"github.com/ecdkp/ecdkp/provider/keystore/etcd"
	"github.com/ecdkp/ecdkp/provider/keystore/pkcs11"
)

// etcdFlags choose and reach a fleet's etcd store (--keystore etcd). The
// secrets come from the environment only: the etcd password from
// ECDKP_ETCD_PASSWORD, the KEK passphrase from ECDKP_PASSPHRASE, the PIN of
// a PKCS#11 KEK from ECDKP_PKCS11_PIN.
type etcdFlags struct {
	endpoints, ca, cert, key, serverName, username *string
	prefix, kek                                    *string
	staleness, replayWindow                        *time.Duration
}

func addEtcdFlags(fs *flag.FlagSet) etcdFlags {
	return etcdFlags{
		endpoints:    fs.String("etcd-endpoints", "", "--keystore etcd: the members' client URLs, comma-separated (https:// with --etcd-ca)"),
		ca:           fs.String("etcd-ca", "", "--keystore etcd: CA of the members' certificates (PEM); turns TLS on"),
		cert:         fs.String("etcd-cert", "", "--keystore etcd: client certificate (PEM), for members that require one"),
		key:          fs.String("etcd-key", "", "--keystore etcd: the client certificate's key (PEM)"),
		serverName:   fs.String("etcd-server-name", "", "--keystore etcd: the name to check in the members' certificates, when not the endpoint's host"),
		username:     fs.String("etcd-username", "", "--keystore etcd: etcd user (its password from $ECDKP_ETCD_PASSWORD)"),
		prefix:       fs.String("etcd-prefix", etcd.DefaultPrefix, "--keystore etcd: the key prefix of the store in etcd"),
		kek:          fs.String("etcd-kek", "passphrase", "--keystore etcd: what seals the store: passphrase ($ECDKP_PASSPHRASE), or pkcs11:KEYID (a master key of the ECDKP_PKCS11_* token)"),
		staleness:    fs.Duration("etcd-staleness", etcd.DefaultStaleness, "--keystore etcd: how long a replica cut off from etcd still serves from its cache before answering unavailable"),
		replayWindow: fs.Duration("etcd-replay-window", provider.DefaultReplayWindow, "--keystore etcd: how long a request's sequence is refused on every replica"),
	}
}

// set reports whether any etcd flag was given: they mean nothing to
// another store.
func (f etcdFlags) set(fs *flag.FlagSet) bool {
	given := false
	fs.Visit(func(fl *flag.Flag) { given = given || strings.HasPrefix(fl.Name, "etcd-") })
	return given
}

// clientConfig is how to reach the cluster.
func (f etcdFlags) clientConfig(e *env) (etcd.ClientConfig, error) {
	var eps []string
	for ep := range strings.SplitSeq(*f.endpoints, ",") {
		if ep = strings.TrimSpace(ep); ep != "" {
			eps = append(eps, ep)
		}
	}
	if len(eps) == 0 {
		return etcd.ClientConfig{}, errors.New("--keystore etcd needs --etcd-endpoints (the members' client URLs, comma-separated)")
	}
	password := e.getenv("ECDKP_ETCD_PASSWORD")
	if password != "" && *f.username == "" {
		return etcd.ClientConfig{}, errors.New("$ECDKP_ETCD_PASSWORD is set but --etcd-username is not")
	}
	if (*f.cert == "") != (*f.key == "") {
		return etcd.ClientConfig{}, errors.New("--etcd-cert and --etcd-key go together")
	}
	return etcd.ClientConfig{
		Endpoints: eps, CAFile: *f.ca, CertFile: *f.cert, KeyFile: *f.key, ServerName: *f.serverName,
		Username: *f.username, Password: password, DialTimeout: 5 * time.Second,
	}, nil
}

// openEtcd opens the fleet's store (creating it under an empty prefix only
// when create is set: `keys create`), with the shared replay windows of
// sequences and of signatures.
func (s storeFlags) openEtcd(ctx context.Context, e *env) (*store, error) {
	f := s.etcd
	cfg, err := f.clientConfig(e)
	if err != nil {
		return nil, err
	}
	cli, err := cfg.Dial()
	if err != nil {
		return nil, fmt.Errorf("etcd %s: %w", strings.Join(cfg.Endpoints, ","), err)
	}
	log := s.log
	if log == nil {
		log = etcdLogger(e)
	}
	opts := []etcd.Option{etcd.WithPrefix(*f.prefix), etcd.WithStaleness(*f.staleness), etcd.WithLogger(log)}
	if !s.create {
		opts = append(opts, etcd.WithoutCreate())
	}
	st, err := openWithKEK(ctx, e, cli, *f.kek, opts)
	if err != nil {
		cli.Close()
		switch {
		case errors.Is(err, etcd.ErrNotInitialized):
			err = fmt.Errorf("%w (create the store and its first master key with 'ecdkp keys create --keystore etcd' and the same --etcd-* flags)", err)
		case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
			err = fmt.Errorf("%w (no answer from etcd at %s: check --etcd-endpoints and that the members are up; https:// members need --etcd-ca)",
				err, strings.Join(cfg.Endpoints, ","))
		}
		return nil, err
	}
	closeAll := func() error { return errors.Join(st.Close(), cli.Close()) }
	seq, err := etcd.NewReplayWindow(cli, *f.prefix, *f.replayWindow)
	if err != nil {
		closeAll()
		return nil, err
	}
	// A signature is remembered until its date plus the skew, at most
	// twice the skew from when it is accepted.
	sig, err := etcd.NewReplayWindow(cli, *f.prefix, 2*auth.DefaultMaxSkew)
	if err != nil {
		closeAll()
		return nil, err
	}
	return &store{KeyManager: st, close: closeAll, where: "etcd:" + strings.Join(cfg.Endpoints, ",") + *f.prefix,
		replay: seq, signatures: auth.WindowReplayCache(sig), etcd: st}, nil
}

// openWithKEK opens the store under the KEK that --etcd-kek names.
func openWithKEK(ctx context.Context, e *env, cli *clientv3.Client, kek string, opts []etcd.Option) (*etcd.Store, error) {
	if kek == "passphrase" {
		pass := e.getenv("ECDKP_PASSPHRASE")
		if pass == "" {
			return nil, errors.New("--keystore etcd with --etcd-kek passphrase: set ECDKP_PASSPHRASE")
		}
		return etcd.Open(ctx, cli, etcd.Passphrase(pass), opts...)
	}
	keyID, ok := strings.CutPrefix(kek, "pkcs11:")
	if !ok || keyID == "" {
		return nil, fmt.Errorf("--etcd-kek must be passphrase or pkcs11:KEYID, not %q", kek)
	}
	srcs, closeHSM, err := pkcs11KEKs(ctx, keyID)
	if err != nil {
		return nil, err
	}
	defer closeHSM()
	// The store names the KEK version that sealed it: try the key's
	// versions newest first, so a rotated KEK key still opens a store
	// sealed under an older version (reseal it with 'keys passphrase').
	for _, src := range srcs {
		st, err := etcd.Open(ctx, cli, src, opts...)
		if !errors.Is(err, etcd.ErrWrongKEK) {
			return st, err
		}
	}
	return nil, fmt.Errorf("--etcd-kek pkcs11:%s: %w (no version of the key opens the store)", keyID, etcd.ErrWrongKEK)
}

// pkcs11KEKs returns the KEK sources of every version of the token's
// master key keyID, the newest first, and how to close the token once the
// store is open (the store key is unsealed once, at Open).
func pkcs11KEKs(ctx context.Context, keyID string) ([]etcd.KEKSource, func(), error) {
	cfg, err := pkcs11.ConfigFromEnv()
	if err != nil {
		return nil, nil, err
	}
	hsm, err := pkcs11.Open(cfg)
	if err != nil {
		return nil, nil, err
	}
	mk, err := hsm.Key(ctx, keyID)
	if err != nil {
		hsm.Close()
		return nil, nil, fmt.Errorf("--etcd-kek pkcs11:%s: %w", keyID, err)
	}
	var srcs []etcd.KEKSource
	for v := mk.CurrentVersion(); v >= 1; v-- {
		ver, err := mk.Version(v)
		if err != nil {
			hsm.Close()
			return nil, nil, fmt.Errorf("--etcd-kek pkcs11:%s version %d: %w", keyID, v, err)
		}
		srcs = append(srcs, etcd.KEKCipher(fmt.Sprintf("pkcs11:%s:%s:v%d", cfg.TokenLabel, keyID, v), ver))
	}
	return srcs, func() { hsm.Close() }, nil
}

// changeEtcdKEK reseals an etcd store's store key (keys passphrase): from
// the KEK of --etcd-kek to $ECDKP_NEW_PASSPHRASE, or to --etcd-new-kek
// pkcs11:KEYID.
func changeEtcdKEK(ctx context.Context, e *env, st *etcd.Store, to string) error {
	if to == "passphrase" {
		pass, err := passphrase(ctx, e, "ECDKP_NEW_PASSPHRASE", "new passphrase for the etcd store "+st.Prefix(), true)
		if err != nil {
			return err
		}
		return st.ChangeKEK(ctx, etcd.Passphrase(pass))
	}
	keyID, ok := strings.CutPrefix(to, "pkcs11:")
	if !ok || keyID == "" {
		return fmt.Errorf("--etcd-new-kek must be passphrase or pkcs11:KEYID, not %q", to)
	}
	srcs, closeHSM, err := pkcs11KEKs(ctx, keyID)
	if err != nil {
		return err
	}
	defer closeHSM()
	return st.ChangeKEK(ctx, srcs[0])
}

// etcdLogger is the store's logger for short commands: warnings and
// errors (a refused record) on stderr.
func etcdLogger(e *env) *slog.Logger {
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// providerOptions are what the store adds to its provider: a fleet's
// shared sequence window.
func (st *store) providerOptions() []provider.Option {
	if st.replay == nil {
		return nil
	}
	return []provider.Option{provider.WithReplayWindow(st.replay)}
}

// The etcd store tells serve's /readyz when it is past its staleness bound.
var _ keystore.Checker = (*etcd.Store)(nil)
