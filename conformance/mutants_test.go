package conformance_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/conformance"
	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/provider"
)

// mutant is our provider with one deliberate defect, to show that the
// harness notices it.
type mutant struct {
	p       *provider.Provider
	create  func(m *mutant, ctx context.Context, req *provider.CreateEcDatakeyPairRequest) (*provider.CreateEcDatakeyPairResponse, error)
	decrypt func(m *mutant, ctx context.Context, req *provider.DecryptDatakeyPairRequest) (*provider.DecryptDatakeyPairResponse, error)

	mu    sync.Mutex
	calls int
	last  map[string]*provider.CreateEcDatakeyPairResponse
}

func (m *mutant) CreateEcDatakeyPair(ctx context.Context, req *provider.CreateEcDatakeyPairRequest) (*provider.CreateEcDatakeyPairResponse, error) {
	if m.create != nil {
		return m.create(m, ctx, req)
	}
	return m.p.CreateEcDatakeyPair(ctx, req)
}

func (m *mutant) DecryptDatakeyPair(ctx context.Context, req *provider.DecryptDatakeyPairRequest) (*provider.DecryptDatakeyPairResponse, error) {
	if m.decrypt != nil {
		return m.decrypt(m, ctx, req)
	}
	return m.p.DecryptDatakeyPair(ctx, req)
}

// wrongCode rewrites a rejection's code, keeping its status.
func wrongCode(err error) error {
	if e, ok := conformance.AsRefusal(err); ok {
		return &conformance.Refusal{Status: e.Status, Code: "KMS.0000", Message: e.Message}
	}
	return err
}

var mutants = map[string]struct {
	create  func(m *mutant, ctx context.Context, req *provider.CreateEcDatakeyPairRequest) (*provider.CreateEcDatakeyPairResponse, error)
	decrypt func(m *mutant, ctx context.Context, req *provider.DecryptDatakeyPairRequest) (*provider.DecryptDatakeyPairResponse, error)
}{
	// ignores_aad strips additional_authenticated_data on create and decrypt.
	"ignores_aad": {
		create: func(m *mutant, ctx context.Context, req *provider.CreateEcDatakeyPairRequest) (*provider.CreateEcDatakeyPairResponse, error) {
			r := *req
			r.AdditionalAuthenticatedData = ""
			return m.p.CreateEcDatakeyPair(ctx, &r)
		},
		decrypt: func(m *mutant, ctx context.Context, req *provider.DecryptDatakeyPairRequest) (*provider.DecryptDatakeyPairResponse, error) {
			r := *req
			r.AdditionalAuthenticatedData = ""
			return m.p.DecryptDatakeyPair(ctx, &r)
		},
	},
	// plaintext_when_false returns the plaintext when with_plain_text=false.
	"plaintext_when_false": {
		create: func(m *mutant, ctx context.Context, req *provider.CreateEcDatakeyPairRequest) (*provider.CreateEcDatakeyPairResponse, error) {
			r := *req
			if r.WithPlainText != nil && !*r.WithPlainText && r.WrappingPublicKey == "" && r.Recipient == nil {
				r.WithPlainText = nil
			}
			return m.p.CreateEcDatakeyPair(ctx, &r)
		},
	},
	// same_key_twice answers every second call of a spec with the previous
	// key pair.
	"same_key_twice": {
		create: func(m *mutant, ctx context.Context, req *provider.CreateEcDatakeyPairRequest) (*provider.CreateEcDatakeyPairResponse, error) {
			m.mu.Lock()
			m.calls++
			prev := m.last[req.KeySpec]
			again := m.calls%2 == 0 && prev != nil
			m.mu.Unlock()
			if again {
				r := *prev
				return &r, nil
			}
			resp, err := m.p.CreateEcDatakeyPair(ctx, req)
			if err == nil {
				m.mu.Lock()
				m.last[req.KeySpec] = resp
				m.mu.Unlock()
			}
			return resp, err
		},
	},
	// mismatched_public_key returns the public key of another key pair.
	"mismatched_public_key": {
		create: func(m *mutant, ctx context.Context, req *provider.CreateEcDatakeyPairRequest) (*provider.CreateEcDatakeyPairResponse, error) {
			resp, err := m.p.CreateEcDatakeyPair(ctx, req)
			if err != nil {
				return nil, err
			}
			other, err := m.p.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: req.KeyID, KeySpec: req.KeySpec})
			if err != nil {
				return nil, err
			}
			resp.PublicKey = other.PublicKey
			return resp, nil
		},
	},
	// v2_pkcs8 returns an Ed25519 plaintext in RFC 5958's v2 form (with the
	// public key), which parses to the right key but is not the canonical
	// PKCS#8.
	"v2_pkcs8": {
		create: func(m *mutant, ctx context.Context, req *provider.CreateEcDatakeyPairRequest) (*provider.CreateEcDatakeyPairResponse, error) {
			resp, err := m.p.CreateEcDatakeyPair(ctx, req)
			if err != nil || resp.PrivateKeyPlainText == "" || req.KeySpec != string(curves.Ed25519) {
				return resp, err
			}
			der, err := base64.StdEncoding.DecodeString(resp.PrivateKeyPlainText)
			if err != nil {
				return nil, err
			}
			pub, err := base64.StdEncoding.DecodeString(resp.PublicKey)
			if err != nil {
				return nil, err
			}
			// 302e 020100 ... 0420 seed  ->  3051 020101 ... 0420 seed 812100 pub
			v2 := append([]byte{0x30, 0x51, 0x02, 0x01, 0x01}, der[5:]...)
			v2 = append(append(v2, 0x81, 0x21, 0x00), pub[len(pub)-32:]...)
			resp.PrivateKeyPlainText = base64.StdEncoding.EncodeToString(v2)
			return resp, nil
		},
	},
	// wrong_codes answers every rejection with the right status and a wrong
	// KMS code.
	"wrong_codes": {
		create: func(m *mutant, ctx context.Context, req *provider.CreateEcDatakeyPairRequest) (*provider.CreateEcDatakeyPairResponse, error) {
			resp, err := m.p.CreateEcDatakeyPair(ctx, req)
			return resp, wrongCode(err)
		},
		decrypt: func(m *mutant, ctx context.Context, req *provider.DecryptDatakeyPairRequest) (*provider.DecryptDatakeyPairResponse, error) {
			resp, err := m.p.DecryptDatakeyPair(ctx, req)
			return resp, wrongCode(err)
		},
	},
}

// runMutant runs RunChecks against a mutant and parses the report; opts
// come after the defaults (a key, a disabled key, no OpenSSL).
func runMutant(t *testing.T, f *fixture, name string, opts ...conformance.Option) report {
	t.Helper()
	mu, ok := mutants[name]
	require.True(t, ok)
	m := &mutant{p: f.p, create: mu.create, decrypt: mu.decrypt, last: map[string]*provider.CreateEcDatakeyPairResponse{}}
	var out bytes.Buffer
	passed, failed := conformance.RunChecks(context.Background(), m, &out, append([]conformance.Option{
		conformance.WithKeyID(f.aes), conformance.WithDisabledKeyID(f.disabled), conformance.WithOpenSSL("off")}, opts...)...)
	r := parseReport(t, out.String())
	require.Equal(t, failed, r.count("FAIL"))
	require.Equal(t, passed, r.count("PASS"))
	require.Positive(t, failed, "the harness did not notice the %s mutant:\n%s", name, out.String())
	return r
}

func suffix(s string) func(string) bool {
	return func(n string) bool { return strings.HasSuffix(n, s) }
}
func prefix(s string) func(string) bool {
	return func(n string) bool { return strings.HasPrefix(n, s) }
}

// TestMutants: each broken target fails the checks of the property it
// breaks, with a reason naming it.
func TestMutants(t *testing.T) {
	f := newFixture(t)
	specs := []string{"ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1", "SM2"}

	t.Run("ignores_aad", func(t *testing.T) {
		r := runMutant(t, f, "ignores_aad")
		binding := r.names("FAIL", suffix("/aad_binding"))
		assert.Len(t, binding, 5*6, "every aad_binding check fails")
		assert.Empty(t, r.names("PASS", suffix("/aad_binding")))
		for _, n := range binding {
			assert.Contains(t, r.why[n], "was accepted", n)
		}
		// The request vectors that rely on AAD checks fail too.
		assert.Contains(t, r.names("FAIL", prefix("request_negatives/")), "request_negatives/decrypt/050_another_additional_authenticated_data")
		// What does not depend on the AAD still passes.
		assert.Empty(t, r.names("FAIL", suffix("/create")))
		assert.Empty(t, r.names("FAIL", suffix("/fresh_keys")))
	})

	t.Run("plaintext_when_false", func(t *testing.T) {
		r := runMutant(t, f, "plaintext_when_false")
		var want []string
		for _, s := range specs {
			want = append(want, s+"/with_plain_text=false/aad=unset/create", s+"/with_plain_text=false/aad=set/create")
		}
		assert.ElementsMatch(t, want, r.names("FAIL", nil))
		for _, n := range want {
			assert.Contains(t, r.why[n], "private_key_plain_text is present although with_plain_text=false", n)
		}
	})

	t.Run("same_key_twice", func(t *testing.T) {
		r := runMutant(t, f, "same_key_twice")
		fresh := r.names("FAIL", suffix("/fresh_keys"))
		assert.Len(t, fresh, 5)
		for _, n := range fresh {
			assert.Contains(t, r.why[n], "returned the public_key of call", n)
		}
	})

	t.Run("mismatched_public_key", func(t *testing.T) {
		r := runMutant(t, f, "mismatched_public_key")
		for _, s := range specs {
			for _, plain := range []string{"absent", "true"} {
				n := s + "/with_plain_text=" + plain + "/aad=unset/create"
				assert.Equal(t, "FAIL", r.status[n], n)
				assert.Contains(t, r.why[n], "private_key_plain_text does not match public_key", n)
			}
			// Without a plaintext only the round trip can tell.
			n := s + "/with_plain_text=false/aad=set/decrypt"
			assert.Equal(t, "FAIL", r.status[n], n)
			assert.Contains(t, r.why[n], "does not match public_key", n)
		}
		assert.Equal(t, "FAIL", r.status["ECC_NIST_P256/wrapping_key"])
		assert.Empty(t, r.names("FAIL", prefix("request_negatives/")))
		assert.Empty(t, r.names("FAIL", suffix("/aad_binding")))
	})

	t.Run("mismatched_public_key/Ed25519", func(t *testing.T) {
		r := runMutant(t, f, "mismatched_public_key", conformance.WithSpecs(curves.Ed25519))
		for _, plain := range []string{"absent", "true"} {
			n := "ECC_NIST_EDWARDS25519/with_plain_text=" + plain + "/aad=unset/create"
			assert.Equal(t, "FAIL", r.status[n], n)
			assert.Contains(t, r.why[n], "private_key_plain_text does not match public_key", n)
		}
		n := "ECC_NIST_EDWARDS25519/with_plain_text=false/aad=set/decrypt"
		assert.Equal(t, "FAIL", r.status[n], n)
		assert.Contains(t, r.why[n], "does not match public_key", n)
	})

	t.Run("v2_pkcs8", func(t *testing.T) {
		r := runMutant(t, f, "v2_pkcs8", conformance.WithSpecs(curves.Ed25519, curves.P256))
		var want []string
		for _, plain := range []string{"absent", "true"} {
			for _, aad := range []string{"unset", "set"} {
				want = append(want, "ECC_NIST_EDWARDS25519/with_plain_text="+plain+"/aad="+aad+"/create")
			}
		}
		for _, n := range want {
			assert.Equal(t, "FAIL", r.status[n], n)
			assert.Contains(t, r.why[n], "not the canonical PKCS#8 (RFC 8410 as OpenSSL writes it", n)
		}
		assert.Empty(t, r.names("FAIL", prefix("ECC_NIST_P256/")), "P-256 keys are untouched")
	})

	t.Run("wrong_codes", func(t *testing.T) {
		r := runMutant(t, f, "wrong_codes")
		failed := r.names("FAIL", prefix("request_negatives/"))
		skipped := r.names("SKIP", prefix("request_negatives/"))
		assert.Empty(t, r.names("PASS", prefix("request_negatives/")), "every request vector notices the wrong code")
		assert.Equal(t, len(requestVectors(t)), len(failed)+len(skipped))
		for _, n := range failed {
			assert.Contains(t, r.why[n], "KMS.0000", n)
		}
		assert.Len(t, r.names("FAIL", suffix("/aad_binding")), 5*6)
		assert.Len(t, r.names("FAIL", suffix("/tamper")), 5)
		assert.Equal(t, "FAIL", r.status["disabled_key"])
		assert.Empty(t, r.names("FAIL", suffix("/create")), "successful calls are unaffected")
	})
}
