// Package fuzzseed is what the fuzz targets of several packages (wrap,
// wrap/attest) share: reading and writing a target's checked-in seed corpus
// (testdata/fuzz/<Target>/, the "go test fuzz v1" format), the check that an
// error wraps exactly one of a package's classes, and the fixed keys the
// checked-in seeds were made with, so those seeds open and verify in every
// run. Only tests import it.
package fuzzseed

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Seed is one seed input: its arguments, and a name for the checked-in
// corpus file.
type Seed struct {
	Name string
	Args []any
}

// New returns the seed name of args.
func New(name string, args ...any) Seed { return Seed{Name: name, Args: args} }

// WriteEnv is the environment variable that makes Write write seeds.
const WriteEnv = "ECDKP_FUZZ_WRITE_SEEDS"

// Corpus reads the checked-in seed corpus of target (files in the "go test
// fuzz v1" format holding []byte, byte and bool values, under
// testdata/fuzz/<target> of the package under test), as seeds named by
// their file names.
func Corpus(tb testing.TB, target string) []Seed {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
	if err != nil {
		tb.Fatal(err)
	}
	var out []Seed
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) == 0 || lines[0] != "go test fuzz v1" {
			tb.Fatalf("%s: not a go test fuzz v1 file", name)
		}
		seed := Seed{Name: filepath.Base(name)}
		for _, line := range lines[1:] {
			typ, lit, ok := strings.Cut(line, "(")
			lit, ok2 := strings.CutSuffix(lit, ")")
			if !ok || !ok2 {
				tb.Fatalf("%s: cannot read %q", name, line)
			}
			var v any
			switch typ {
			case "[]byte":
				var s string
				if s, err = strconv.Unquote(lit); err == nil {
					v = []byte(s)
				}
			case "byte", "uint8":
				var s string
				if s, err = strconv.Unquote(lit); err == nil && len([]rune(s)) == 1 && []rune(s)[0] < 256 {
					v = uint8([]rune(s)[0])
				} else {
					var n uint64
					n, err = strconv.ParseUint(lit, 0, 8)
					v = uint8(n)
				}
			case "bool":
				v, err = strconv.ParseBool(lit)
			default:
				err = fmt.Errorf("type %s", typ)
			}
			if err != nil {
				tb.Fatalf("%s: cannot read %q: %v", name, line, err)
			}
			seed.Args = append(seed.Args, v)
		}
		out = append(out, seed)
	}
	return out
}

// Write writes the seeds keep selects to target's checked-in corpus,
// testdata/fuzz/<target>/<name>, when ECDKP_FUZZ_WRITE_SEEDS=1 is set:
//
//	ECDKP_FUZZ_WRITE_SEEDS=1 go test -run '^Fuzz' ./wrap/...
//
// Run it when the seeds change (an algorithm, a layout or a key
// identifier), after which the checked-in valid seeds no longer open and
// the targets fail at setup. Files of other names (crashers kept as
// regression seeds) are left alone.
func Write(tb testing.TB, target string, seeds []Seed, keep func(name string) bool) {
	tb.Helper()
	if os.Getenv(WriteEnv) != "1" {
		return
	}
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	for _, s := range seeds {
		if !keep(s.Name) {
			continue
		}
		var b strings.Builder
		b.WriteString("go test fuzz v1\n")
		for _, a := range s.Args {
			switch v := a.(type) {
			case []byte:
				fmt.Fprintf(&b, "[]byte(%q)\n", v)
			case uint8:
				fmt.Fprintf(&b, "byte(%q)\n", v)
			default:
				tb.Fatalf("seed %q: cannot write a %T", s.Name, a)
			}
		}
		name := strings.Trim(strings.Map(func(r rune) rune {
			if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
				return r
			}
			return '-'
		}, strings.ToLower(s.Name)), "-")
		for strings.Contains(name, "--") {
			name = strings.ReplaceAll(name, "--", "-")
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// Valid returns the seeds whose names say they are valid.
func Valid(seeds []Seed) []Seed {
	var out []Seed
	for _, s := range seeds {
		if strings.HasPrefix(s.Name, "valid") {
			out = append(out, s)
		}
	}
	return out
}

// RequireClass fails t unless err wraps exactly one of classes (a
// package's error classes) and that one is among allowed.
func RequireClass(t testing.TB, what string, err error, classes []error, allowed ...error) {
	t.Helper()
	var in []error
	for _, c := range classes {
		if errors.Is(err, c) {
			in = append(in, c)
		}
	}
	if len(in) != 1 || !slices.Contains(allowed, in[0]) {
		t.Fatalf("%s: error %q wraps the classes %v, want exactly one of %v", what, err, in, allowed)
	}
}

// Scalar is a fixed scalar of size bytes: a zero byte (so it is below
// every curve's order) then a pattern seeded by seed.
func Scalar(size int, seed byte) []byte {
	s := make([]byte, size)
	for i := 1; i < size; i++ {
		s[i] = byte(i)*seed + 0x3c
	}
	return s
}

// rsaKeyB64 is a test-only RSA-2048 key (PKCS#1 DER, base64), made with
// `openssl genpkey` for the fuzz targets; it protects nothing. RSA key
// generation is random and slow, and the checked-in seeds must open (the
// recipient envelopes) and verify (the attestation documents, whose
// public_key it is).
const rsaKeyB64 = `
MIIEpAIBAAKCAQEA63WQ53xsH44AKemOayilHEkJ+l/Z0hWcIAFKgdFyB74fwfyTKqoKohcanwqr
JEfO2rBspmVJyGBC6/MlaBJWHE2pQEHp/efAwKu0vnJXcuFe4L8Nn/i0foAWLPltVirz005DpbhU
xgQTE6UOqA2uGSidakEeBCJ2cLlhh1VuqRgzKJL/x/g635u8x8T0QxrTM6/pSrtdPp0rRv7JV3aN
PCiuyTZPhuFj6Ubtl5ZlWqxn4K9IUZNupgE+/bvb/vNmsdDWz4IutCYHKHxh2gPaSwdaELTLUIX7
yUHS2Vnf6vzkuX/+JSSjj1/jFLHgjNIIYjH2LCm0dfY/RZ9Rt2SpaQIDAQABAoIBADWtgSHMsyeE
a1QiuwWB6BYpLn2mMVWb+JIxSSeMNHdAaCQErRYqWq82HisItxhXyHgBhVtvtuDX1RnOPgZaO8hL
Ch0siagJF9+0pUlPbtExQLxywavo+ljmYWfSWxMsSpau/mv+uFDGKAUv+UXljH2OzUgmXS3rH142
XN4J42bnvfyNujXc/uWxtmf5R7GTAp5gDG5c6TbLRmvz5lY61XPzvFKxcTUQF3vWBzkSILmk5iqx
4UMMcII0ydju/cUMlP3C/Km2P0l/q1lbbCYDB6W9LiDr8ybGtolmVi0HKcqiKCtHwee8N9V7bDez
q0sV8P94SFd332i+MtmTRh6RuRsCgYEA9oB0bWHU9XXMEnN9j2vBHyC5iW/k5ZMMk0rcdS4Jhduo
iTPZHTnKdg7tXmNLTZN9V5RYIconW9a58KxZs+T2OW9Uzy3BSVO94H2DAH3CbrUfi75pXAC4/7i2
Ph5dw7/gO/FeNajsGTA4lfNQIeFOoD+PaAu2FkSGL2htAxtggrcCgYEA9IgvdBp3u1s4G5gyh5WM
x0ixmW3AuOgizMFzdwC8nbYaGvhCt3RMC7GynZqvE7Q0gdSnenkIwGgfeb3ojHVYRbsLTWaSb3o/
IiKjRSY6HA8iz7L1VzDbnu1pr/fd7jMdXX5GPhJgzBIuKzo2O0KV2cymCWf5+zTc4ed+B75HlN8C
gYAZ4o9XVSipxf7yCRKsVuJmxGb3WbqtqO1vIjNYUsdJOTHPhpRMD1+FWjfu63pi4RQOeFNw6OuN
J1VLQq4AyBBbI6fCQcnES3jq9AMnsA0U1wxC/nHN6X2DzP/GMiYigimn4cbE18JDOt8WUACgLiq1
hTcn8+LhH7z/iXW5F8zgrQKBgQC1uIsDTjQSULzGjPloFvQymMwayBxDjYdnAJBNLIf+7/hAeKQj
71IgEqM5Sl23V+D5Zs47Trz5N6fEciPiVcYOs+y3TXWfUIqgVHtfBQSEG590GHsIm69qUOaMtbgA
r42wEAolUMUMgqo6x5zLtzTjUZlGPjXgwC0x2DWpjXdmowKBgQDwAfqc7mwnIBc8lL3UAFa0oci0
mo6+kMYZpAfGcGUB8s3ZuwjM8XD7MGLTj0sHGUMQcn9FwlTdt/cZ/OrIddsW9Sbt5lLatiXH3XW8
9CU/Opf6625s1p3sBQCqcVqf5LXHlmso2qUp7AwJA3dwYgsBwO+obvyKPMKoZWjtvL0Qgg==
`

var rsaKey = sync.OnceValues(func() (*rsa.PrivateKey, error) {
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(rsaKeyB64), ""))
	if err != nil {
		return nil, err
	}
	return x509.ParsePKCS1PrivateKey(der)
})

// RSAKey returns the fixed RSA-2048 key of the fuzz targets.
func RSAKey(tb testing.TB) *rsa.PrivateKey {
	tb.Helper()
	k, err := rsaKey()
	if err != nil {
		tb.Fatal(err)
	}
	return k
}
