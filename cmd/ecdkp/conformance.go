package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/ecdkp/ecdkp/conformance"
	"github.com/ecdkp/ecdkp/provider/keystore"
)

// conformanceProjectID is the default {project_id} of the conformance
// command: the project ecdkp's keys belong to unless created in another.
const conformanceProjectID = keystore.DefaultProject

// runConformance runs the conformance suite against a live endpoint and
// prints one line per check and the summary "N passed, M failed". It
// fails when any check fails.
func runConformance(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "conformance",
		"conformance --endpoint URL --key-id ID [--project-id P] [--token T | --ak AK --sk SK] [--disabled-key-id ID] [--openssl auto|off|PATH]")
	endpoint := fs.String("endpoint", "", "base URL of the KMS endpoint, e.g. http://127.0.0.1:8080 (required)")
	project := fs.String("project-id", conformanceProjectID, "project_id in the request paths: the project of --key-id (ecdkp's default project unless the key was created with --project)")
	keyID := fs.String("key-id", "", "an enabled AES_256 or SM4 master key of the endpoint (required)")
	disabled := fs.String("disabled-key-id", "", "a disabled master key of the endpoint, to check that it is refused (optional)")
	token := fs.String("token", "", "send X-Auth-Token T (or $ECDKP_TOKEN)")
	ak := fs.String("ak", "", "sign requests with this access key (SDK-HMAC-SHA256)")
	sk := fs.String("sk", "", "the access key's secret (or $ECDKP_SK)")
	openssl := fs.String("openssl", "auto", "openssl for the OpenSSL checks: auto (from PATH, skipped when absent), off, or a path")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *endpoint == "" {
		return errors.New("--endpoint is required")
	}
	if *keyID == "" {
		return errors.New("--key-id is required: an enabled AES_256 or SM4 master key of the endpoint")
	}
	if *token == "" && *ak == "" {
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
	var hopts []conformance.HTTPOption
	if *token != "" {
		hopts = append(hopts, conformance.WithToken(*token))
	}
	if *ak != "" {
		hopts = append(hopts, conformance.WithAKSK(*ak, *sk))
	}
	target, err := conformance.NewHTTPTarget(*endpoint, *project, hopts...)
	if err != nil {
		return err
	}
	opts := []conformance.Option{conformance.WithKeyID(*keyID), conformance.WithOpenSSL(*openssl)}
	if *disabled != "" {
		opts = append(opts, conformance.WithDisabledKeyID(*disabled))
	}
	passed, failed := conformance.RunChecks(ctx, target, e.stdout, opts...)
	if failed > 0 {
		return fmt.Errorf("%d of %d checks failed", failed, passed+failed)
	}
	return nil
}
