package encoding_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// genpkeyArgs are the `openssl genpkey` arguments for each built-in spec.
var genpkeyArgs = map[curves.Spec][]string{
	curves.P256:      ecGenpkey("prime256v1"),
	curves.P384:      ecGenpkey("secp384r1"),
	curves.P521:      ecGenpkey("secp521r1"),
	curves.Secp256k1: ecGenpkey("secp256k1"),
	curves.SM2:       {"-algorithm", "SM2"},
}

func ecGenpkey(name string) []string {
	return []string{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:" + name, "-pkeyopt", "ec_param_enc:named_curve"}
}

// osslRunner runs the openssl command line in a temporary directory.
type osslRunner struct {
	t   *testing.T
	bin string
	dir string
}

func newOpenSSL(t *testing.T) *osslRunner {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not found in PATH: skipping OpenSSL interop tests (CI runs them with OpenSSL 3.0)")
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	require.NoError(t, err, "openssl version: %s", out)
	t.Logf("using %s", strings.TrimSpace(string(out)))
	return &osslRunner{t: t, bin: bin, dir: t.TempDir()}
}

// file writes data to a fresh file and returns its path.
func (o *osslRunner) file(name string, data []byte) string {
	o.t.Helper()
	p := filepath.Join(o.dir, name)
	require.NoError(o.t, os.WriteFile(p, data, 0o600))
	return p
}

// try runs openssl and returns stdout, and stdout+stderr on failure.
func (o *osslRunner) try(args ...string) (stdout []byte, err error) {
	cmd := exec.Command(o.bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("openssl %s: %w\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.Bytes(), nil
}

// run runs openssl, fails the test unless it succeeds, and returns stdout.
func (o *osslRunner) run(args ...string) []byte {
	o.t.Helper()
	out, err := o.try(args...)
	require.NoError(o.t, err)
	return out
}

// combined runs openssl and returns stdout and stderr together (the -check
// verdicts go to either, depending on the command).
func (o *osslRunner) combined(args ...string) (string, error) {
	out, err := exec.Command(o.bin, args...).CombinedOutput()
	return string(out), err
}

// sec1 converts a private key file to SEC 1 DER. `openssl ec` does it for
// every spec on OpenSSL 3.0.19 (SM2 included, no -param_enc needed); should
// another 3.0.x refuse, `pkey -outform DER` also writes the "traditional"
// SEC 1 form for DER output on OpenSSL 3 (SM2 included; only PEM output
// with -traditional refuses SM2).
func (o *osslRunner) sec1(in, inform string) []byte {
	o.t.Helper()
	out, err := o.try("ec", "-inform", inform, "-in", in, "-outform", "DER")
	if err != nil {
		o.t.Logf("openssl ec failed, falling back to pkey: %v", err)
		return o.run("pkey", "-inform", inform, "-in", in, "-outform", "DER")
	}
	return out
}

// checkPrivate asserts OpenSSL's pairwise check accepts a private key file.
func (o *osslRunner) checkPrivate(in, inform string) {
	o.t.Helper()
	out, err := o.combined("pkey", "-inform", inform, "-in", in, "-check", "-noout")
	require.NoError(o.t, err, out)
	assert.Contains(o.t, out, "Key is valid")
}

// TestOpenSSLReadsOurs: OpenSSL accepts and checks what we write, and
// re-encodes it to the same bytes.
func TestOpenSSLReadsOurs(t *testing.T) {
	o := newOpenSSL(t)
	for _, spec := range specs(t) {
		if genpkeyArgs[spec] == nil {
			continue // a curve registered by someone else; OpenSSL may not know it
		}
		for name, k := range testKeys(t, spec) {
			t.Run(string(spec)+"/"+name, func(t *testing.T) {
				o.t = t
				base := strings.ReplaceAll(string(spec)+"-"+name, "/", "_")

				spki, err := encoding.MarshalSPKI(k.PublicKey())
				require.NoError(t, err)
				f := o.file(base+".spki.der", spki)
				out, err := o.combined("pkey", "-pubin", "-inform", "DER", "-in", f, "-pubcheck", "-noout")
				require.NoError(t, err, out)
				assert.Contains(t, out, "Key is valid")
				assert.Equal(t, spki, o.run("pkey", "-pubin", "-inform", "DER", "-in", f, "-pubout", "-outform", "DER"), "SPKI")

				p8, err := encoding.MarshalPKCS8(k)
				require.NoError(t, err)
				f = o.file(base+".p8.der", p8)
				o.checkPrivate(f, "DER")
				assert.Equal(t, p8, o.run("pkcs8", "-topk8", "-nocrypt", "-inform", "DER", "-in", f, "-outform", "DER"), "PKCS#8")
				assert.Equal(t, spki, o.run("pkey", "-inform", "DER", "-in", f, "-pubout", "-outform", "DER"), "SPKI from PKCS#8")

				sec1, err := encoding.MarshalSEC1(k)
				require.NoError(t, err)
				f = o.file(base+".sec1.der", sec1)
				out, err = o.combined("ec", "-inform", "DER", "-in", f, "-check", "-noout")
				require.NoError(t, err, out)
				// `openssl ec -check` exits 0 even for a bad key: read the verdict.
				assert.Contains(t, out, "EC Key valid.")
				o.checkPrivate(f, "DER")
				assert.Equal(t, sec1, o.sec1(f, "DER"), "SEC1")

				// PEM: OpenSSL's PEM of our key is our PEM.
				p, err := encoding.MarshalSPKIPEM(k.PublicKey())
				require.NoError(t, err)
				assert.Equal(t, p, o.run("pkey", "-pubin", "-in", o.file(base+".spki.pem", p)), "SPKI PEM")
				p, err = encoding.MarshalPKCS8PEM(k)
				require.NoError(t, err)
				assert.Equal(t, p, o.run("pkey", "-in", o.file(base+".p8.pem", p)), "PKCS#8 PEM")
				p, err = encoding.MarshalSEC1PEM(k)
				require.NoError(t, err)
				// `pkey -traditional` refuses SM2 on OpenSSL 3.0; `ec` does not,
				// but labels an SM2 key "SM2 PRIVATE KEY", which we read too.
				theirs := o.run("ec", "-in", o.file(base+".sec1.pem", p))
				if spec == curves.SM2 {
					p = bytes.ReplaceAll(p, []byte(encoding.PEMTypeSEC1), []byte(encoding.PEMTypeSEC1SM2))
				}
				assert.Equal(t, p, theirs, "SEC1 PEM")
				got, err := encoding.ParseSEC1PEM(theirs)
				require.NoError(t, err)
				assert.True(t, got.Equal(k), "SEC1 PEM written by OpenSSL")

				// OpenSSL computes the public key from a PKCS#8 without [1]
				// and gets the same point as package curves.
				bare := partsOf(k)
				f = o.file(base+".bare.der", bare.pkcs8(bare.ecPrivateKey(false, false)))
				assert.Equal(t, spki, o.run("pkey", "-inform", "DER", "-in", f, "-pubout", "-outform", "DER"), "public key computed by OpenSSL")
			})
		}
	}
}

// TestWeReadOpenSSL: keys made by `openssl genpkey` parse from PKCS#8, SEC1
// and SPKI, and our encodings of them are OpenSSL's bytes.
func TestWeReadOpenSSL(t *testing.T) {
	o := newOpenSSL(t)
	for _, spec := range specs(t) {
		args := genpkeyArgs[spec]
		if args == nil {
			continue
		}
		t.Run(string(spec), func(t *testing.T) {
			o.t = t
			base := string(spec)
			genPEM := o.run(append([]string{"genpkey"}, args...)...)
			f := o.file(base+".gen.pem", genPEM)
			p8 := o.run("pkcs8", "-topk8", "-nocrypt", "-in", f, "-outform", "DER")
			sec1 := o.sec1(f, "PEM")
			spki := o.run("pkey", "-in", f, "-pubout", "-outform", "DER")

			k, err := encoding.ParsePKCS8PEM(genPEM)
			require.NoError(t, err)
			assert.Equal(t, spec, k.Curve().Spec())

			fromP8, err := encoding.ParsePKCS8(p8)
			require.NoError(t, err)
			fromSEC1, err := encoding.ParseSEC1(sec1)
			require.NoError(t, err)
			pub, err := encoding.ParseSPKI(spki)
			require.NoError(t, err)
			assert.True(t, fromP8.Equal(k))
			assert.True(t, fromSEC1.Equal(k))
			assert.True(t, pub.Equal(k.PublicKey()), "OpenSSL's public key is not the one we compute")

			ours, err := encoding.MarshalPKCS8(k)
			require.NoError(t, err)
			assert.Equal(t, p8, ours, "PKCS#8")
			ours, err = encoding.MarshalSEC1(k)
			require.NoError(t, err)
			assert.Equal(t, sec1, ours, "SEC1")
			ours, err = encoding.MarshalSPKI(pub)
			require.NoError(t, err)
			assert.Equal(t, spki, ours, "SPKI")
			ours, err = encoding.MarshalPKCS8PEM(k)
			require.NoError(t, err)
			assert.Equal(t, genPEM, ours, "PKCS#8 PEM")
		})
	}
}
