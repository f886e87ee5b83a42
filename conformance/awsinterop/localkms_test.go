package awsinterop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/conformance"
	"github.com/ecdkp/ecdkp/curves"
)

// localKMSInstall is how to install the pinned local-kms.
const localKMSInstall = "GOFLAGS=-mod=mod go install github.com/nsmithuk/local-kms@v0.0.0-20260228092603-2a5e92d09ab6"

// localKMSBinary finds local-kms: $LOCAL_KMS, then PATH, then
// $(go env GOPATH)/bin.
func localKMSBinary() (string, bool) {
	if p := os.Getenv("LOCAL_KMS"); p != "" {
		return p, true
	}
	if p, err := exec.LookPath("local-kms"); err == nil {
		return p, true
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err != nil {
		return "", false
	}
	for _, dir := range filepath.SplitList(strings.TrimSpace(string(out))) {
		p := filepath.Join(dir, "bin", "local-kms")
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, true
		}
	}
	return "", false
}

var startedOn = regexp.MustCompile(`Local KMS started on [0-9.]+:(\d+)`)

// startLocalKMS runs local-kms on a free port with an empty database until
// the test ends (the process is killed by its pid) and returns its URL on
// 127.0.0.1. local-kms binds every interface; the test only talks to
// loopback.
func startLocalKMS(t *testing.T, bin, region, account string) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "PORT=0", "KMS_REGION="+region, "KMS_ACCOUNT_ID="+account,
		"KMS_DATA_PATH="+filepath.Join(dir, "data"), "KMS_SEED_PATH="+filepath.Join(dir, "no-seed.yaml"))
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	cmd.Stdout = cmd.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	port := make(chan string, 1)
	var log bytes.Buffer
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			log.Write(append(sc.Bytes(), '\n'))
			if m := startedOn.FindStringSubmatch(sc.Text()); m != nil {
				port <- m[1]
			}
		}
	}()
	select {
	case p := <-port:
		return "http://127.0.0.1:" + p
	case <-time.After(20 * time.Second):
		t.Fatalf("local-kms did not start")
	}
	return ""
}

// localKMSKey creates a key (disabled when asked) in local-kms.
func localKMSKey(t *testing.T, target *conformance.AWSTarget, disable bool) string {
	t.Helper()
	var out struct {
		KeyMetadata struct {
			KeyID string `json:"KeyId"`
		}
	}
	require.NoError(t, target.Call(context.Background(), "CreateKey", map[string]any{}, &out))
	id := out.KeyMetadata.KeyID
	require.NotEmpty(t, id)
	if disable {
		require.NoError(t, target.Call(context.Background(), "DisableKey", map[string]string{"KeyId": id}, nil))
	}
	return id
}

// suiteResult is RunChecks' output by check name.
type suiteResult struct {
	status map[string]string
	why    map[string]string
	order  []string
	out    string
}

func runSuite(t *testing.T, target conformance.Target, opts ...conformance.Option) suiteResult {
	t.Helper()
	var out bytes.Buffer
	conformance.RunChecks(context.Background(), target, &out, opts...)
	r := suiteResult{status: map[string]string{}, why: map[string]string{}, out: out.String()}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	for _, l := range lines[:len(lines)-1] {
		st, rest, _ := strings.Cut(l, " ")
		name, why, _ := strings.Cut(rest, ": ")
		r.status[name], r.why[name] = st, why
		r.order = append(r.order, name)
	}
	return r
}

// family groups a check name for the findings table: the spec's checks
// by kind, the others by their first element.
func family(name string) string {
	parts := strings.Split(name, "/")
	if _, err := curves.Lookup(curves.Spec(parts[0])); err == nil {
		return parts[0] + " " + parts[len(parts)-1]
	}
	if parts[0] == "aws_request_negatives" {
		return name
	}
	return parts[0]
}

// TestLocalKMS runs the AWS conformance suite against local-kms, the
// emulator many AWS users test with, and asserts what the suite finds
// there: the defects it is known for fail their checks (while the same
// checks pass against ecdkp's handler), and what it does right passes.
// It logs a table of the findings, check by check. It skips when the
// binary is absent.
func TestLocalKMS(t *testing.T) {
	bin, ok := localKMSBinary()
	if !ok {
		t.Skip("local-kms is not installed (install it with " + localKMSInstall + ", or set LOCAL_KMS)")
	}
	const region, account = "eu-west-2", "111122223333"
	url := startLocalKMS(t, bin, region, account)
	target, err := conformance.NewAWSTarget(url, conformance.WithAKSK("AKIDLOCALKMS", "local-kms-ignores-signatures"),
		conformance.WithRegion(region), conformance.WithAccount(account))
	require.NoError(t, err)
	keyID, other, disabled := localKMSKey(t, target, false), localKMSKey(t, target, false), localKMSKey(t, target, true)

	ours := newKMSServer(t)
	enclaveDoc := base64.StdEncoding.EncodeToString(ours.enclaveDoc)
	specs := append(slices.Clone([]curves.Spec{curves.P256, curves.P384, curves.P521, curves.Secp256k1, curves.SM2}), curves.Ed25519)
	common := []conformance.Option{conformance.WithRecipient(enclaveDoc, ours.enclave), conformance.WithSpecs(specs...)}
	peer := runSuite(t, target, append(common, conformance.WithKeyID(keyID), conformance.WithOtherKeyID(other), conformance.WithDisabledKeyID(disabled))...)
	t.Logf("local-kms:\n%s", peer.out)

	oursTarget, err := conformance.NewAWSTarget(ours.URL, conformance.WithAKSK(testAK, testSK), conformance.WithRegion(testRegion), conformance.WithAccount(testAcct))
	require.NoError(t, err)
	mine := runSuite(t, oursTarget, append(common, conformance.WithKeyID(ours.aes), conformance.WithOtherKeyID(ours.sm4), conformance.WithDisabledKeyID(ours.disabled))...)
	require.NotContains(t, mine.status, "preflight", mine.out)
	assert.NotContains(t, mine.out, "\nFAIL ", "ecdkp passes every check:\n%s", mine.out)
	require.Equal(t, mine.order, peer.order, "both ran the same checks")

	// What local-kms is known to get wrong, the suite finds.
	for name, why := range map[string]string{
		"encryption_context/concatenation":                              `{"ab":"c"} of what {"a":"bc"} sealed was accepted`,
		"ECC_NIST_P256/GenerateDataKeyPair/context=set/context_binding": "split elsewhere",
		"recipient": "PrivateKeyPlaintext is present although a Recipient was given",
		"dry_run":   "with DryRun created a key pair",
		"SM2/GenerateDataKeyPair/context=none/create":                   "ValidationException",
		"ECC_NIST_EDWARDS25519/GenerateDataKeyPair/context=none/create": "ValidationException",
		"aws_request_negatives/GenerateDataKeyPair/008_keyid_missing":   "MissingParameterException",
	} {
		assert.Equal(t, "FAIL", peer.status[name], "local-kms should fail %s:\n%s", name, peer.out)
		assert.Contains(t, peer.why[name], why, name)
		assert.Equal(t, "PASS", mine.status[name], "ecdkp passes %s", name)
	}
	// What it gets right passes.
	for _, name := range []string{
		"ECC_NIST_P256/GenerateDataKeyPair/context=none/create", "ECC_NIST_P256/GenerateDataKeyPairWithoutPlaintext/context=set/decrypt",
		"ECC_NIST_P384/GenerateDataKeyPair/context=set/decrypt", "ECC_NIST_P256/fresh_keys", "key_id_arn", "disabled_key",
	} {
		assert.Equal(t, "PASS", peer.status[name], "local-kms should pass %s: %s", name, peer.why[name])
	}
	t.Logf("findings on local-kms, by check family:\n%s", findingsTable(peer))

	// The fuzzer, on the specs local-kms offers, finds its context binding
	// too (and the rest it finds is logged).
	// local-kms hangs on some bodies (a 70000-character KeyId): a short
	// client timeout keeps the run short, and each hang is a finding.
	fuzzTarget, err := conformance.NewAWSTarget(url, conformance.WithAKSK("AKIDLOCALKMS", "local-kms-ignores-signatures"),
		conformance.WithRegion(region), conformance.WithHTTPClient(&http.Client{Timeout: 2 * time.Second}))
	require.NoError(t, err)
	report, err := conformance.Fuzz(context.Background(), fuzzTarget, conformance.FuzzOptions{
		KeyID: keyID, MaxRequests: 150, Duration: 20 * time.Second, Seed: 1, Specs: []curves.Spec{curves.P256, curves.P384},
	})
	require.NoError(t, err)
	var fz bytes.Buffer
	_, _ = report.WriteTo(&fz)
	t.Logf("fuzzing local-kms:\n%s", fz.String())
	assert.Contains(t, fz.String(), "the EncryptionContext split elsewhere (same joined bytes)): HTTP 200: accepted although the context is not the creation's")
}

// findingsTable is a Markdown table of the suite's results by check
// family: how many checks passed, failed and were skipped, and the first
// reason of a failure.
func findingsTable(r suiteResult) string {
	type row struct {
		pass, fail, skip int
		why              string
	}
	rows := map[string]*row{}
	var order []string
	for _, n := range r.order {
		f := family(n)
		if rows[f] == nil {
			rows[f] = &row{}
			order = append(order, f)
		}
		switch r.status[n] {
		case "PASS":
			rows[f].pass++
		case "FAIL":
			rows[f].fail++
			if rows[f].why == "" {
				rows[f].why = r.why[n]
				if len(rows[f].why) > 160 {
					rows[f].why = rows[f].why[:160] + "..."
				}
			}
		case "SKIP":
			rows[f].skip++
		}
	}
	var b strings.Builder
	b.WriteString("| checks | pass | fail | skip | first failure |\n|---|---|---|---|---|\n")
	for _, f := range order {
		x := rows[f]
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %s |\n", f, x.pass, x.fail, x.skip, strings.ReplaceAll(x.why, "|", "\\|"))
	}
	return b.String()
}
