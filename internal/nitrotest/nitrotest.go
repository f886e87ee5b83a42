// Package nitrotest builds a Nitro-like PKI (ECDSA P-384 root,
// intermediate, leaf) and signs attestation documents with go-cose, as the
// Nitro Security Module does, for tests of the attestation verifier
// (wrap/attest) and of the attestation recipient in wrap and provider.
package nitrotest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/require"
	"github.com/veraison/go-cose"
)

// Now is the clock of every synthetic document.
var Now = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// PKI is a root CA, an intermediate and a leaf certificate.
type PKI struct {
	RootKey, InterKey, LeafKey *ecdsa.PrivateKey
	Root, Inter                *x509.Certificate
	RootDER, InterDER, LeafDER []byte
}

// serial is a counter for certificate serial numbers.
var serial int64 = 1000

// Cert signs a certificate for pub under parent/parentKey (self-signed
// when parent is nil).
func Cert(t testing.TB, cn string, pub crypto.PublicKey, parent *x509.Certificate, parentKey crypto.Signer,
	ca bool, notBefore, notAfter time.Time) ([]byte, *x509.Certificate) {
	t.Helper()
	serial++
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{Country: []string{"US"}, Organization: []string{"Amazon"}, OrganizationalUnit: []string{"AWS"}, CommonName: cn},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		BasicConstraintsValid: true,
		IsCA:                  ca,
		KeyUsage:              x509.KeyUsageDigitalSignature,
	}
	if ca {
		tmpl.KeyUsage |= x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	}
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return der, cert
}

// Key returns a fresh ECDSA key on c.
func Key(t testing.TB, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	require.NoError(t, err)
	return k
}

// NewPKI builds a root and intermediate valid for years around
// Now and a leaf valid from an hour before it to two hours after.
func NewPKI(t testing.TB) *PKI {
	t.Helper()
	p := &PKI{
		RootKey:  Key(t, elliptic.P384()),
		InterKey: Key(t, elliptic.P384()),
		LeafKey:  Key(t, elliptic.P384()),
	}
	p.RootDER, p.Root = Cert(t, "test.nitro-enclaves", &p.RootKey.PublicKey, nil, p.RootKey, true,
		Now.AddDate(-5, 0, 0), Now.AddDate(25, 0, 0))
	p.InterDER, p.Inter = Cert(t, "zonal.test.nitro-enclaves", &p.InterKey.PublicKey, p.Root, p.RootKey, true,
		Now.AddDate(0, 0, -10), Now.AddDate(0, 0, 20))
	p.LeafDER = p.NewLeaf(t, &p.LeafKey.PublicKey, false, Now.Add(-time.Hour), Now.Add(2*time.Hour))
	return p
}

// NewLeaf issues another leaf certificate from the intermediate.
func (p *PKI) NewLeaf(t testing.TB, pub crypto.PublicKey, ca bool, notBefore, notAfter time.Time) []byte {
	t.Helper()
	der, _ := Cert(t, "i-0123456789abcdef0-enc0123456789abcdef.test", pub, p.Inter, p.InterKey, ca, notBefore, notAfter)
	return der
}

// Roots is the test root, for attest.NewNSMVerifier.
func (p *PKI) Roots() []*x509.Certificate {
	return []*x509.Certificate{p.Root}
}

// PCR returns a 48-byte PCR value filled with b.
func PCR(b byte) []byte {
	v := make([]byte, 48)
	for i := range v {
		v[i] = b + byte(i)
	}
	return v
}

// Fields returns a valid payload map whose public_key is spki.
func (p *PKI) Fields(spki []byte) map[string]any {
	return map[string]any{
		"module_id":   "i-0123456789abcdef0-enc0123456789abcdef",
		"timestamp":   uint64(Now.Add(-time.Second).UnixMilli()),
		"digest":      "SHA384",
		"pcrs":        map[uint64][]byte{0: PCR(0x10), 1: PCR(0x20), 2: PCR(0x30), 4: PCR(0x40)},
		"certificate": p.LeafDER,
		"cabundle":    [][]byte{p.RootDER, p.InterDER},
		"public_key":  spki,
		"nonce":       []byte("0123456789abcdef"),
	}
}

// Payload CBOR-encodes a payload map.
func Payload(t testing.TB, fields any) []byte {
	t.Helper()
	b, err := cbor.Marshal(fields)
	require.NoError(t, err)
	return b
}

// Sign signs payload as a COSE_Sign1 with alg in the protected
// header, untagged as AWS sends it unless tagged.
func Sign(t testing.TB, payload []byte, alg cose.Algorithm, key crypto.Signer, tagged bool) []byte {
	t.Helper()
	signer, err := cose.NewSigner(alg, key)
	require.NoError(t, err)
	headers := cose.Headers{Protected: cose.ProtectedHeader{cose.HeaderLabelAlgorithm: alg}}
	var doc []byte
	if tagged {
		doc, err = cose.Sign1(rand.Reader, signer, headers, payload, nil)
	} else {
		doc, err = cose.Sign1Untagged(rand.Reader, signer, headers, payload, nil)
	}
	require.NoError(t, err)
	return doc
}

// Doc signs fields with the leaf key, untagged.
func (p *PKI) Doc(t testing.TB, fields any) []byte {
	t.Helper()
	return Sign(t, Payload(t, fields), cose.AlgorithmES384, p.LeafKey, false)
}

// RSA returns a fresh RSA key of bits and its DER SPKI.
func RSA(t testing.TB, bits int) (*rsa.PrivateKey, []byte) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	require.NoError(t, err)
	spki, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	require.NoError(t, err)
	return k, spki
}
