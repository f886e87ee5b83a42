package attest

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/ecdkp/ecdkp/internal/quote"
)

// Root is a trust anchor of attestation documents, as data: a CA
// certificate by name, as PEM, with the SHA-256 fingerprint of its DER that
// pins it.
type Root struct {
	// Name says whose root it is, in error messages.
	Name string
	// PEM is the certificate: one CERTIFICATE block and nothing else.
	PEM string
	// SHA256 is the SHA-256 of the certificate's DER, as its publisher lists
	// it; Pool refuses a root whose certificate has another.
	SHA256 [sha256.Size]byte
}

// builtinRoots are the roots DefaultRoots trusts, in a fixed order. A
// platform's root is one entry: its name, its fingerprint as the publisher
// lists it, its PEM as the publisher ships it.
var builtinRoots = []Root{
	{
		// The AWS Nitro Enclaves attestation root for the commercial AWS
		// partitions ("CN=aws.nitro-enclaves", valid 2019-10-28 to
		// 2049-10-28), published by AWS at
		// https://aws-nitro-enclaves.amazonaws.com/AWS_NitroEnclaves_Root-G1.zip;
		// AWS's "Verifying the root of trust" page lists the fingerprint.
		Name:   "AWS Nitro Enclaves Root-G1",
		SHA256: fingerprint("64:1A:03:21:A3:E2:44:EF:E4:56:46:31:95:D6:06:31:7E:D7:CD:CC:3C:17:56:E0:98:93:F3:C6:8F:79:BB:5B"),
		PEM: `-----BEGIN CERTIFICATE-----
MIICETCCAZagAwIBAgIRAPkxdWgbkK/hHUbMtOTn+FYwCgYIKoZIzj0EAwMwSTEL
MAkGA1UEBhMCVVMxDzANBgNVBAoMBkFtYXpvbjEMMAoGA1UECwwDQVdTMRswGQYD
VQQDDBJhd3Mubml0cm8tZW5jbGF2ZXMwHhcNMTkxMDI4MTMyODA1WhcNNDkxMDI4
MTQyODA1WjBJMQswCQYDVQQGEwJVUzEPMA0GA1UECgwGQW1hem9uMQwwCgYDVQQL
DANBV1MxGzAZBgNVBAMMEmF3cy5uaXRyby1lbmNsYXZlczB2MBAGByqGSM49AgEG
BSuBBAAiA2IABPwCVOumCMHzaHDimtqQvkY4MpJzbolL//Zy2YlES1BR5TSksfbb
48C8WBoyt7F2Bw7eEtaaP+ohG2bnUs990d0JX28TcPQXCEPZ3BABIeTPYwEoCWZE
h8l5YoQwTcU/9KNCMEAwDwYDVR0TAQH/BAUwAwEB/zAdBgNVHQ4EFgQUkCW1DdkF
R+eWw5b6cp3PmanfS5YwDgYDVR0PAQH/BAQDAgGGMAoGCCqGSM49BAMDA2kAMGYC
MQCjfy+Rocm9Xue4YnwWmNJVA44fA0P5W2OpYow9OYCVRaEevL8uO1XYru5xtMPW
rfMCMQCi85sWBbJwKKXdS6BptQFuZbT73o/gBh1qUxl/nNr12UO8Yfwr6wPLb+6N
IwLz3/Y=
-----END CERTIFICATE-----
`,
	},
}

// fingerprint decodes a SHA-256 fingerprint written as hex, with or without
// colons between the bytes. It is for the fixed table above: a malformed
// entry panics at start-up.
func fingerprint(s string) [sha256.Size]byte {
	var fp [sha256.Size]byte
	b, err := hex.DecodeString(strings.ReplaceAll(s, ":", ""))
	if err != nil || len(b) != len(fp) {
		panic("attest: malformed built-in root fingerprint " + s)
	}
	copy(fp[:], b)
	return fp
}

// BuiltinRoots returns the built-in roots, in a fixed order: AWS Nitro
// Enclaves Root-G1.
func BuiltinRoots() []Root {
	return slices.Clone(builtinRoots)
}

// builtinCerts parses the built-in roots once.
var builtinCerts = sync.OnceValue(func() []*x509.Certificate {
	certs := make([]*x509.Certificate, len(builtinRoots))
	for i, r := range builtinRoots {
		c, err := r.certificate()
		if err != nil {
			panic(err) // fixed input: a test parses every entry
		}
		certs[i] = c
	}
	return certs
})

// DefaultRoots returns a new pool holding the built-in roots (BuiltinRoots),
// the trust anchors of real attestation documents.
func DefaultRoots() []*x509.Certificate {
	return slices.Clone(builtinCerts())
}

// Certificates returns the certificates of roots, for NewNSMVerifier. It
// fails when there is no root, or when a root's PEM is not exactly one CA
// certificate or the certificate's SHA-256 is not the root's.
func Certificates(roots ...Root) ([]*x509.Certificate, error) {
	if len(roots) == 0 {
		return nil, errors.New("attest: Certificates: no roots")
	}
	out := make([]*x509.Certificate, 0, len(roots))
	for _, r := range roots {
		c, err := r.certificate()
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// certificate parses and checks the root's certificate.
func (r Root) certificate() (*x509.Certificate, error) {
	certs, err := parsePEMCertificates([]byte(r.PEM))
	switch {
	case err != nil:
		return nil, fmt.Errorf("attest: root %q: PEM %v", r.Name, err)
	case len(certs) != 1:
		return nil, fmt.Errorf("attest: root %q: PEM holds %d certificates, want one", r.Name, len(certs))
	}
	c := certs[0]
	if sum := sha256.Sum256(c.Raw); sum != r.SHA256 {
		return nil, fmt.Errorf("attest: root %q: certificate fingerprint is SHA-256 %s, not the pinned %s",
			r.Name, hexColons(sum[:]), hexColons(r.SHA256[:]))
	}
	return c, nil
}

// ParseRootsPEM reads a PEM bundle of root certificates a user gives (the
// root of another platform, or a private one), each becoming a Root named by
// its subject and pinned to its own SHA-256. It is strict: the file holds
// PEM blocks and white space only, at least one block, every block a
// CERTIFICATE without headers that parses as a CA certificate. An error
// names the block, counted from 1.
func ParseRootsPEM(pemBundle []byte) ([]Root, error) {
	certs, err := parsePEMCertificates(pemBundle)
	if err != nil {
		return nil, fmt.Errorf("attest: PEM bundle: %v", err)
	}
	roots := make([]Root, len(certs))
	for i, c := range certs {
		roots[i] = Root{
			Name:   c.Subject.String(),
			PEM:    string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})),
			SHA256: sha256.Sum256(c.Raw),
		}
	}
	return roots, nil
}

// parsePEMCertificates reads PEM blocks and white space, at least one block,
// each a CERTIFICATE without headers holding a DER CA certificate.
func parsePEMCertificates(in []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := bytes.TrimSpace(in)
	for n := 1; len(rest) > 0; n++ {
		if !bytes.HasPrefix(rest, []byte("-----BEGIN ")) {
			return nil, fmt.Errorf("block %d: text outside a PEM block", n)
		}
		var block *pem.Block
		block, rest = pem.Decode(rest)
		switch {
		case block == nil:
			return nil, fmt.Errorf("block %d: not a well-formed PEM block", n)
		case block.Type != "CERTIFICATE":
			return nil, fmt.Errorf("block %d: PEM type is %s, not CERTIFICATE", n, quote.Quote(block.Type, maxQuoted))
		case len(block.Headers) != 0:
			return nil, fmt.Errorf("block %d: CERTIFICATE has PEM headers", n)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("block %d: not a DER X.509 certificate: %v", n, err)
		}
		if !c.BasicConstraintsValid || !c.IsCA {
			return nil, fmt.Errorf("block %d: certificate %s is not a CA certificate", n, quote.Quote(c.Subject.String(), maxQuoted))
		}
		certs = append(certs, c)
		rest = bytes.TrimSpace(rest)
	}
	if len(certs) == 0 {
		return nil, errors.New("holds no certificate")
	}
	return certs, nil
}

// hexColons writes b as upper-case hex bytes separated by colons, as
// fingerprints are published.
func hexColons(b []byte) string {
	var sb strings.Builder
	for i, c := range b {
		if i > 0 {
			sb.WriteByte(':')
		}
		fmt.Fprintf(&sb, "%02X", c)
	}
	return sb.String()
}
