package provider_test

import (
	"context"
	"encoding/base64"
	"testing"
	"time"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/internal/benchpair"
	"github.com/ecdkp/ecdkp/internal/nitrotest"
	"github.com/ecdkp/ecdkp/provider"
	"github.com/ecdkp/ecdkp/provider/providertest"
	"github.com/ecdkp/ecdkp/wrap"
	"github.com/ecdkp/ecdkp/wrap/attest"
)

// BenchmarkCreateEcDatakeyPair measures the in-process call (plaintext on,
// AES_256 master key) beside the raw GenerateKey of the same curve: alone
// (raw, create: ns/op and allocs/op) and alternated call by call (paired:
// raw-ns/op, create-ns/op and their ratio, which scripts/bench reports).
// Budget (DESIGN.md): at most 1.25x raw and 20 allocations per call.
func BenchmarkCreateEcDatakeyPair(b *testing.B) {
	f := providertest.NewFixture(b, newKeyring)
	ctx := context.Background()
	for _, spec := range curves.Specs() {
		c, err := curves.Lookup(spec)
		if err != nil {
			b.Fatal(err)
		}
		raw := func(b *testing.B) {
			k, err := c.GenerateKey()
			if err != nil {
				b.Fatal(err)
			}
			k.Destroy()
		}
		req := &provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: string(spec)}
		create := func(b *testing.B) {
			if _, err := f.P.CreateEcDatakeyPair(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(string(spec)+"/raw", func(b *testing.B) { benchpair.Alone(b, raw) })
		b.Run(string(spec)+"/create", func(b *testing.B) { benchpair.Alone(b, create) })
		b.Run(string(spec)+"/paired", func(b *testing.B) { benchpair.Paired(b, "raw", raw, "create", create) })
	}
}

// BenchmarkCreateParallel measures P-256 throughput with GOMAXPROCS
// goroutines, for the raw GenerateKey and for CreateEcDatakeyPair in the same
// run; run with -cpu 1,2 to see scaling (budget: 2 goroutines give 1.8x
// one). The raw operation's own scaling is the machine's ceiling.
func BenchmarkCreateParallel(b *testing.B) {
	f := providertest.NewFixture(b, newKeyring)
	ctx := context.Background()
	c, err := curves.Lookup(curves.P256)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				k, err := c.GenerateKey()
				if err != nil {
					b.Error(err)
					return
				}
				k.Destroy()
			}
		})
	})
	req := &provider.CreateEcDatakeyPairRequest{KeyID: f.AES, KeySpec: string(curves.P256)}
	b.Run("create", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := f.P.CreateEcDatakeyPair(ctx, req); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkHolders measures P-256 creation with each holder of the private
// key beside the master-key-only path (plaintext off), in one run: the
// custom-key envelopes and the attestation recipient (document verified per
// call, as a request would).
func BenchmarkHolders(b *testing.B) {
	pki := nitrotest.NewPKI(b)
	v, err := attest.NewNSMVerifier(pki.Roots(), attest.WithClock(func() time.Time { return nitrotest.Now }))
	if err != nil {
		b.Fatal(err)
	}
	f := providertest.NewFixture(b, newKeyring, providertest.WithProviderOptions(provider.WithAttestationVerifier(v)))
	ctx := context.Background()
	_, enclaveSPKI := nitrotest.RSA(b, 2048)
	doc := base64.StdEncoding.EncodeToString(pki.Doc(b, pki.Fields(enclaveSPKI)))

	cases := []struct {
		name string
		req  provider.CreateEcDatakeyPairRequest
	}{
		{"master-key-only", provider.CreateEcDatakeyPairRequest{WithPlainText: new(bool)}},
		{"recipient", provider.CreateEcDatakeyPairRequest{Recipient: &provider.Recipient{AttestationDocument: doc, KeyEncryptionAlgorithm: wrap.KeyEncryptionRSAESOAEPSHA256}}},
	}
	for _, c := range customCallers(b) {
		spec := curves.P256
		if c.alg == wrap.SM2EnvelopedKey {
			spec = curves.SM2 // the SM2 envelope carries SM2 keys only
		}
		cases = append(cases, struct {
			name string
			req  provider.CreateEcDatakeyPairRequest
		}{c.alg, provider.CreateEcDatakeyPairRequest{KeySpec: string(spec), WrappingPublicKey: base64.StdEncoding.EncodeToString(c.spki), WrappingAlgorithm: c.alg}})
	}
	for _, c := range cases {
		req := c.req
		req.KeyID = f.AES
		if req.KeySpec == "" {
			req.KeySpec = string(curves.P256)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.P.CreateEcDatakeyPair(ctx, &req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
