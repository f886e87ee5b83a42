package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/ecdkp/ecdkp/provider/auth"
	"github.com/ecdkp/ecdkp/provider/huawei"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "serve [--addr 127.0.0.1:8080] [--token T] [--ak AK --sk SK] [--keystore keyring|pkcs11] [--keyring PATH]")
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	token := fs.String("token", "", "accept requests whose X-Auth-Token is T (or $ECDKP_TOKEN)")
	ak := fs.String("ak", "", "accept requests signed with this access key (SDK-HMAC-SHA256)")
	sk := fs.String("sk", "", "the access key's secret (or $ECDKP_SK)")
	sf := addStoreFlags(fs)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *token == "" {
		*token = e.getenv("ECDKP_TOKEN")
	}
	if *sk == "" {
		*sk = e.getenv("ECDKP_SK")
	}
	if (*ak == "") != (*sk == "") {
		return errors.New("--ak and --sk go together")
	}
	log := slog.New(slog.NewJSONHandler(e.stderr, nil))
	sf.log = log // the keyring's warnings and reloads: a running server follows its file
	kr, p, err := sf.openProvider(e)
	if err != nil {
		return err
	}
	defer kr.close()
	md, err := kr.DefaultKey(ctx)
	if err != nil {
		return err
	}
	var authns []auth.Authenticator
	if *token != "" {
		authns = append(authns, auth.Token(*token))
	}
	if *ak != "" {
		authns = append(authns, auth.AKSK(auth.StaticCredentials(map[string]string{*ak: *sk})))
	}
	opts := []huawei.Option{huawei.WithLogger(log)}
	switch len(authns) {
	case 0:
		log.Warn("no --token or --ak/--sk: every request is accepted unauthenticated")
	case 1:
		opts = append(opts, huawei.WithAuthenticator(authns[0]))
	default:
		opts = append(opts, huawei.WithAuthenticator(auth.Any(authns...)))
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           huawei.NewHandler(p, opts...),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	log.Info("serving", "addr", ln.Addr().String(), "keystore", kr.where, "default_key_id", md.KeyID)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
