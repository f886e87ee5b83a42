package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/auth"
	"github.com/ecdkp/ecdkp/provider/aws"
	"github.com/ecdkp/ecdkp/provider/huawei"
	"github.com/ecdkp/ecdkp/provider/keystore"
)

const serveSynopsis = "serve [--addr 127.0.0.1:8080] [--credentials FILE | --token-file F | --ak AK --sk-file F] [--allow-unauthenticated] [--tls-cert F --tls-key F | --insecure-http] [--policy FILE] [--attestation-roots PEM] [--audit-log FILE] [--max-in-flight N] [--max-conns N] [--metrics-addr ADDR] [--shutdown-timeout D] [--keystore keyring|pkcs11|etcd] [--keyring PATH] [--etcd-endpoints URLS ...]"

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", serveSynopsis)
	nf := addNetFlags(fs)
	af := addAuthFlags(fs)
	maxInFlight := fs.Int("max-in-flight", 256, "most requests processed at once; more are refused at once with 503 (0: no limit)")
	auditLog := fs.String("audit-log", "", "append one JSON audit record per request to this file (default: stderr)")
	pf := addPolicyFlags(fs)
	metricsAddr := fs.String("metrics-addr", "", "serve /metrics (Prometheus), /healthz and /readyz on this address, e.g. 127.0.0.1:9090")
	pprofAddr := fs.String("pprof-addr", "", "debugging: serve Go's CPU and memory profiles (net/http/pprof) on this loopback address, e.g. 127.0.0.1:6060")
	shutdownTimeout := fs.Duration("shutdown-timeout", 10*time.Second, "on SIGTERM or SIGINT, how long requests in flight may take to finish")
	awsAccount := fs.String("aws-account", keystore.DefaultProject, "the account (project) of AWS requests whose credential is not bound to one project and whose KeyId is no ARN")
	sf := addStoreFlags(fs)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if !keystore.ValidProject(*awsAccount) {
		return fmt.Errorf("--aws-account %q is not a project id (1 to 64 of A-Z a-z 0-9 _ -)", *awsAccount)
	}
	log := slog.New(slog.NewJSONHandler(e.stderr, nil))
	creds, err := af.load(e)
	if err != nil {
		return err
	}
	authenticated := creds.tokens != nil || creds.accessKeys != nil
	switch {
	case authenticated && *af.allowUnauthenticated:
		return errors.New("--allow-unauthenticated with credentials: give one or the other")
	case !authenticated && !*af.allowUnauthenticated:
		return errors.New("no credentials: give --credentials FILE, a token ($ECDKP_TOKEN or --token-file) or an access key (--ak with $ECDKP_SK or --sk-file); --allow-unauthenticated serves without, on loopback only")
	case !authenticated && !isLoopback(*nf.addr):
		return fmt.Errorf("--allow-unauthenticated only on a loopback address, not %s", *nf.addr)
	}
	popts, az, err := pf.options()
	if err != nil {
		return err
	}
	auditOut, closeAudit, err := openAuditLog(e, *auditLog)
	if err != nil {
		return err
	}
	defer closeAudit()
	met := newMetrics()
	auditor := auditors{provider.NewJSONAuditor(auditOut, errorCode), met}
	sf.log = log // the keyring's warnings and reloads: a running server follows its file
	sf.reloaded = met.reloaded
	kr, p, err := sf.openProvider(ctx, e, append(popts, provider.WithMaxInFlight(*maxInFlight), provider.WithAuditor(auditor), provider.WithObserver(met))...)
	if err != nil {
		return err
	}
	defer kr.close()
	md, err := kr.DefaultKey(ctx)
	if err != nil {
		return err
	}
	// Each signature is accepted once: in this process, or on every
	// replica of a fleet through its shared window.
	mem := auth.NewMemoryReplayCache(0)
	var replay auth.ReplayCache = mem
	if kr.signatures != nil {
		replay = kr.signatures
	}
	var authns []auth.Authenticator
	if creds.tokens != nil {
		authns = append(authns, auth.Tokens(creds.tokens))
	}
	if creds.accessKeys != nil {
		authns = append(authns, auth.AKSK(creds.accessKeys, auth.WithReplayCache(replay)))
	}
	opts := []huawei.Option{huawei.WithLogger(log)}
	if len(authns) > 0 {
		opts = append(opts, huawei.WithAuthenticator(auth.Any(authns...)))
	}
	awsOpts := []aws.Option{aws.WithLogger(log), aws.WithKeyManagement(), aws.WithDefaultAccount(*awsAccount)}
	if creds.accessKeys != nil {
		awsOpts = append(awsOpts, aws.WithAuthenticator(auth.SigV4(creds.accessKeys, auth.WithRegion(*pf.region),
			auth.WithReplayCache(replay), auth.WithRequiredSignedHeaders("x-amz-target"))))
	} else if len(authns) > 0 {
		// Tokens only: the AWS dialect, which has no token, refuses all.
		awsOpts = append(awsOpts, aws.WithAuthenticator(auth.Any()))
	}
	ln, useTLS, err := nf.listen()
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           met.measure(dialects(huawei.NewHandler(p, opts...), aws.NewHandler(p, awsOpts...))),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if len(authns) == 0 {
		log.Warn("serving WITHOUT authentication (--allow-unauthenticated): any local process can create and decrypt data key pairs")
	}
	scheme := "http"
	if useTLS {
		scheme = "https"
	}
	met.watch(p, func() int { return mem.Len() + p.ReplayEntries() })
	var msrv *http.Server
	if *metricsAddr != "" {
		mln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		msrv = &http.Server{Handler: met.handler(kr.KeyManager), ReadHeaderTimeout: 10 * time.Second}
		log.Info("metrics", "addr", mln.Addr().String())
		go func() { _ = msrv.Serve(mln) }()
		defer msrv.Close()
	}
	if *pprofAddr != "" {
		stopPprof, err := servePprof(*pprofAddr, log)
		if err != nil {
			return err
		}
		defer stopPprof()
	}
	log.Info("serving", "addr", ln.Addr().String(), "scheme", scheme, "keystore", kr.where,
		"default_key_id", md.KeyID, "default_project", md.Project, "credentials", creds.summary, "policy", *pf.policy)
	if az != nil {
		reloadOnHUP(ctx, az, *pf.policy, log)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Drain: no new connections, readiness false, requests in flight
	// finish (up to --shutdown-timeout), then the audit trail is synced by
	// the deferred closeAudit.
	met.draining.Store(true)
	log.Info("shutting down", "in_flight", p.InFlight(), "timeout", shutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), *shutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	log.Info("stopped")
	return nil
}

// openAuditLog opens the audit trail: a file opened for appending (one
// write per record, so lines stay whole), or stderr. The close function
// syncs the file to disk.
func openAuditLog(e *env, path string) (io.Writer, func(), error) {
	if path == "" {
		return e.stderr, func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("--audit-log: %w", err)
	}
	return f, func() { _ = f.Sync(); _ = f.Close() }, nil
}

// errorCode is the dialect's error code of a failure, for the audit trail.
func errorCode(dialect string, f provider.Failure) string {
	if dialect == aws.Dialect {
		return aws.CodeOf(f).Type
	}
	return huawei.CodeOf(f).Code
}

// dialects serves both dialects on one listener: AWS JSON 1.1 requests
// name an X-Amz-Target, Huawei's do not.
func dialects(huaweiH, awsH http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if aws.Matches(r) {
			awsH.ServeHTTP(w, r)
			return
		}
		huaweiH.ServeHTTP(w, r)
	})
}
