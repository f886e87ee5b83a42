package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/policy"
	"github.com/ecdkp/ecdkp/wrap/attest"
)

// policyFlags are serve's authorization and attestation flags.
type policyFlags struct {
	policy     *string
	region     *string
	roots      *string
	allowDebug *bool
	maxAge     *time.Duration
}

func addPolicyFlags(fs interface {
	String(name, value, usage string) *string
	Bool(name string, value bool, usage string) *bool
	Duration(name string, value time.Duration, usage string) *time.Duration
}) policyFlags {
	return policyFlags{
		policy:     fs.String("policy", "", "IAM-style policy file deciding every request (re-read on SIGHUP); without it every authenticated caller may use the keys of its projects"),
		region:     fs.String("region", provider.DefaultRegion, "region of resource names (policies) and of SigV4 and ARNs"),
		roots:      fs.String("attestation-roots", "", "PEM file of the roots recipient attestation documents must chain to, instead of the built-in AWS Nitro Enclaves root"),
		allowDebug: fs.Bool("allow-debug-enclaves", false, "accept attestation documents of debug-mode enclaves (all-zero PCR0..2)"),
		maxAge:     fs.Duration("attestation-max-age", attest.DefaultMaxAge, "oldest attestation document accepted (0: no limit beyond its certificate)"),
	}
}

// options builds the provider options of the flags; the Authorizer is nil
// without --policy.
func (f policyFlags) options() ([]provider.Option, *policy.Authorizer, error) {
	opts := []provider.Option{provider.WithRegion(*f.region)}
	roots := attest.DefaultRoots()
	if *f.roots != "" {
		pemBundle, err := os.ReadFile(*f.roots)
		if err != nil {
			return nil, nil, fmt.Errorf("--attestation-roots: %w", err)
		}
		parsed, err := attest.ParseRootsPEM(pemBundle)
		if err != nil {
			return nil, nil, fmt.Errorf("--attestation-roots %s: %w", *f.roots, err)
		}
		if roots, err = attest.Certificates(parsed...); err != nil {
			return nil, nil, fmt.Errorf("--attestation-roots %s: %w", *f.roots, err)
		}
	}
	if *f.maxAge < 0 {
		return nil, nil, errors.New("--attestation-max-age must not be negative")
	}
	vopts := []attest.Option{attest.WithMaxAge(*f.maxAge)}
	if *f.allowDebug {
		vopts = append(vopts, attest.WithDebugEnclaves())
	}
	v, err := attest.NewNSMVerifier(roots, vopts...)
	if err != nil {
		return nil, nil, err
	}
	opts = append(opts, provider.WithAttestationVerifier(v))
	if *f.policy == "" {
		return opts, nil, nil
	}
	az, err := policy.LoadAuthorizer(*f.policy)
	if err != nil {
		return nil, nil, err
	}
	return append(opts, provider.WithAuthorizer(az)), az, nil
}

// reloadOnHUP re-reads the policy file on every SIGHUP until ctx is done;
// a file that does not parse keeps the old policy, and the log says why.
func reloadOnHUP(ctx context.Context, az *policy.Authorizer, path string, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if err := az.Reload(path); err != nil {
					log.Error("policy not reloaded; the previous policy stays in force", "file", path, "error", err.Error())
					continue
				}
				log.Info("policy reloaded", "file", path)
			}
		}
	}()
}
