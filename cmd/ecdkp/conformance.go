package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/ecdkp/ecdkp/conformance"
	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/provider/keystore"
)

// conformanceProjectID is the default {project_id} of the conformance
// command: the project ecdkp's keys belong to unless created in another.
const conformanceProjectID = keystore.DefaultProject

const conformanceSynopsis = "conformance --endpoint URL --key-id ID [--dialect huawei|aws] " +
	"[--token T | --ak AK --sk SK] [--project-id P] [--region R] [--account A] " +
	"[--disabled-key-id ID] [--other-key-id ID] [--specs LIST] [--openssl auto|off|PATH] [--fuzz 60s [--fuzz-requests N] [--fuzz-seed S]]"

// runConformance runs the conformance suite (or, with --fuzz, the fuzzer)
// against a live endpoint in either dialect. It stops before any check
// when the endpoint cannot be reached, refuses the credentials or lacks
// the key; otherwise it prints one line per check and the summary "N
// passed, M failed", and fails when any check fails (with --fuzz: one
// line per finding and "N requests, M findings").
func runConformance(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "conformance", conformanceSynopsis)
	dialect := fs.String("dialect", string(conformance.Huawei), "the endpoint's API: huawei (create-ec-datakey-pair) or aws (GenerateDataKeyPair, AWS JSON 1.1)")
	endpoint := fs.String("endpoint", "", "base URL of the KMS endpoint, e.g. http://127.0.0.1:8080 (required; an https one with a private CA: $SSL_CERT_FILE names the CA's PEM file)")
	project := fs.String("project-id", conformanceProjectID, "huawei: project_id in the request paths: the project of --key-id (ecdkp's default project unless the key was created with --project)")
	keyID := fs.String("key-id", "", "an enabled AES_256 or SM4 master key of the endpoint (required)")
	disabled := fs.String("disabled-key-id", "", "a disabled master key of the endpoint, to check that it is refused (optional)")
	other := fs.String("other-key-id", "", "aws: a second enabled master key, to check Decrypt with the wrong KeyId (optional)")
	token := fs.String("token", "", "huawei: send X-Auth-Token T (or $ECDKP_TOKEN)")
	ak := fs.String("ak", "", "sign requests with this access key (huawei: SDK-HMAC-SHA256, aws: SigV4)")
	sk := fs.String("sk", "", "the access key's secret (or $ECDKP_SK)")
	region := fs.String("region", conformance.DefaultAWSRegion, "aws: the region of the SigV4 scope and the key ARNs")
	account := fs.String("account", "", "aws: the account of the key ARNs, when known")
	specs := fs.String("specs", "default", "comma-separated key specs to check: default (Huawei's five), or names such as ECC_NIST_P256,ECC_NIST_EDWARDS25519; default,ECC_NIST_EDWARDS25519 adds Ed25519")
	openssl := fs.String("openssl", "auto", "openssl for the OpenSSL checks: auto (from PATH, skipped when absent), off, or a path")
	fuzz := fs.Duration("fuzz", 0, "instead of the checks, fuzz the endpoint for this long (e.g. 60s)")
	fuzzRequests := fs.Int("fuzz-requests", 100000, "with --fuzz: send at most this many requests")
	fuzzSeed := fs.Uint64("fuzz-seed", 0, "with --fuzz: the seed of a repeatable run (0: random, printed)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	d, err := conformance.ParseDialect(*dialect)
	if err != nil {
		return errors.New("--dialect must be huawei or aws")
	}
	if *endpoint == "" {
		return errors.New("--endpoint is required")
	}
	if *keyID == "" {
		return errors.New("--key-id is required: an enabled AES_256 or SM4 master key of the endpoint")
	}
	if d == conformance.Huawei && *token == "" && *ak == "" {
		*token = e.getenv("ECDKP_TOKEN")
	}
	if *sk == "" && *ak != "" {
		*sk = e.getenv("ECDKP_SK")
	}
	if (*ak == "") != (*sk == "") {
		return errors.New("--ak and --sk go together")
	}
	if *token != "" && *ak != "" {
		return errors.New("use --token or --ak/--sk, not both")
	}
	if *fuzz < 0 || *fuzzRequests < 1 {
		return errors.New("--fuzz must be a positive duration and --fuzz-requests at least 1")
	}
	specList, err := parseSpecs(*specs)
	if err != nil {
		return err
	}
	target, err := conformanceTarget(d, *endpoint, *project, *token, *ak, *sk, *region, *account, fs.Visit)
	if err != nil {
		return err
	}
	opts := []conformance.Option{conformance.WithKeyID(*keyID), conformance.WithOpenSSL(*openssl)}
	if specList != nil {
		opts = append(opts, conformance.WithSpecs(specList...))
	}
	if *disabled != "" {
		opts = append(opts, conformance.WithDisabledKeyID(*disabled))
	}
	if *other != "" {
		opts = append(opts, conformance.WithOtherKeyID(*other))
	}
	if err := conformance.Preflight(ctx, target, opts...); err != nil {
		return fmt.Errorf("%w; no check was run%s", err, preflightHint(err, d, *token == "" && *ak == ""))
	}
	if *fuzz > 0 {
		report, err := conformance.Fuzz(ctx, target, conformance.FuzzOptions{
			KeyID: *keyID, Duration: *fuzz, MaxRequests: *fuzzRequests, Seed: *fuzzSeed, Specs: specList,
		})
		if err != nil {
			return err
		}
		if _, err := report.WriteTo(e.stdout); err != nil {
			return err
		}
		if n := len(report.Findings) + report.Dropped; n > 0 {
			return fmt.Errorf("%d findings in %d requests (seed %d)", n, report.Requests, report.Seed)
		}
		return nil
	}
	passed, failed := conformance.RunChecks(ctx, target, e.stdout, opts...)
	if failed > 0 {
		return fmt.Errorf("%d of %d checks failed", failed, passed+failed)
	}
	return nil
}

// preflightHint is what to do about a failed preflight, when the command
// can tell: give the credentials it was not given, or trust the endpoint's
// private CA.
func preflightHint(err error, d conformance.Dialect, noCredentials bool) string {
	var pe *conformance.PreflightError
	var cve *tls.CertificateVerificationError
	switch {
	case errors.As(err, &cve):
		return " (a certificate from a private CA: name its PEM file in $SSL_CERT_FILE)"
	case !errors.As(err, &pe) || pe.Reason != "the endpoint refuses the credentials" || !noCredentials:
		return ""
	case d == conformance.AWS:
		return " (no credentials were given: --ak, with --sk or $ECDKP_SK)"
	}
	return " (no credentials were given: --token or $ECDKP_TOKEN, or --ak with --sk or $ECDKP_SK)"
}

// conformanceTarget makes the target of the dialect, refusing the flags of
// the other one.
func conformanceTarget(d conformance.Dialect, endpoint, project, token, ak, sk, region, account string,
	visit func(func(*flag.Flag))) (conformance.Target, error) {
	set := map[string]bool{}
	visit(func(f *flag.Flag) { set[f.Name] = true })
	var hopts []conformance.HTTPOption
	if ak != "" {
		hopts = append(hopts, conformance.WithAKSK(ak, sk))
	}
	if d == conformance.AWS {
		for _, name := range []string{"token", "project-id"} {
			if set[name] {
				return nil, fmt.Errorf("--%s is a flag of the huawei dialect", name)
			}
		}
		if token != "" {
			return nil, errors.New("the aws dialect has no token: give --ak and --sk (or $ECDKP_SK)")
		}
		hopts = append(hopts, conformance.WithRegion(region))
		if account != "" {
			hopts = append(hopts, conformance.WithAccount(account))
		}
		return conformance.NewAWSTarget(endpoint, hopts...)
	}
	for _, name := range []string{"region", "account", "other-key-id"} {
		if set[name] {
			return nil, fmt.Errorf("--%s is a flag of the aws dialect", name)
		}
	}
	if token != "" {
		hopts = append(hopts, conformance.WithToken(token))
	}
	return conformance.NewHTTPTarget(endpoint, project, hopts...)
}

// parseSpecs reads --specs: "default" (nil: the suite's default), or a
// comma-separated list of registered key specs, "default" among them
// standing for Huawei's five.
func parseSpecs(s string) ([]curves.Spec, error) {
	if s == "default" || s == "" {
		return nil, nil
	}
	var out []curves.Spec
	seen := map[curves.Spec]bool{}
	add := func(sp curves.Spec) {
		if !seen[sp] {
			seen[sp] = true
			out = append(out, sp)
		}
	}
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "default" {
			for _, sp := range []curves.Spec{curves.P256, curves.P384, curves.P521, curves.Secp256k1, curves.SM2} {
				add(sp)
			}
			continue
		}
		if _, err := curves.Lookup(curves.Spec(name)); err != nil {
			return nil, fmt.Errorf("--specs: %q is not a key spec (%v)", name, curves.Specs())
		}
		add(curves.Spec(name))
	}
	return out, nil
}
