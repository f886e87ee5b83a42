package encoding_test

import (
	"bytes"
	"encoding/pem"
	"testing"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testKeys returns, for spec, two fixed keys and a generated one.
func testKeys(t *testing.T, spec curves.Spec) map[string]*curves.PrivateKey {
	gen, err := lookup(t, spec).GenerateKey()
	require.NoError(t, err)
	return map[string]*curves.PrivateKey{
		"fixed1":    fixedKey(t, spec, 3),
		"fixed2":    fixedKey(t, spec, 11),
		"generated": gen,
	}
}

func TestRoundTrip(t *testing.T) {
	for _, spec := range specs(t) {
		for name, k := range testKeys(t, spec) {
			t.Run(string(spec)+"/"+name, func(t *testing.T) {
				pub := k.PublicKey()

				spki, err := encoding.MarshalSPKI(pub)
				require.NoError(t, err)
				gotPub, err := encoding.ParseSPKI(spki)
				require.NoError(t, err)
				assert.True(t, gotPub.Equal(pub), "SPKI round trip changed the key")
				assert.Equal(t, spec, gotPub.Curve().Spec())
				again, err := encoding.MarshalSPKI(gotPub)
				require.NoError(t, err)
				assert.Equal(t, spki, again, "SPKI re-encoding differs")

				for _, f := range privateFormats {
					if f.name == "SEC1" && !isEC(t, spec) {
						assertNoSEC1(t, k)
						continue
					}
					der, err := f.marshal(k)
					require.NoError(t, err, f.name)
					got, err := f.parse(der)
					require.NoError(t, err, f.name)
					assert.True(t, got.Equal(k), "%s round trip changed the key", f.name)
					assert.True(t, got.PublicKey().Equal(pub), "%s round trip changed the public key", f.name)
					again, err := f.marshal(got)
					require.NoError(t, err, f.name)
					assert.Equal(t, der, again, "%s re-encoding differs", f.name)
				}
			})
		}
	}
}

// privateFormats lists the private-key encodings with their DER and PEM
// marshal/parse pairs.
var privateFormats = []struct {
	name      string
	pemType   string
	marshal   func(*curves.PrivateKey) ([]byte, error)
	parse     func([]byte) (*curves.PrivateKey, error)
	marshalPE func(*curves.PrivateKey) ([]byte, error)
	parsePEM  func([]byte) (*curves.PrivateKey, error)
}{
	{"PKCS#8", "PRIVATE KEY", encoding.MarshalPKCS8, encoding.ParsePKCS8, encoding.MarshalPKCS8PEM, encoding.ParsePKCS8PEM},
	{"SEC1", "EC PRIVATE KEY", encoding.MarshalSEC1, encoding.ParseSEC1, encoding.MarshalSEC1PEM, encoding.ParseSEC1PEM},
}

// assertNoSEC1 checks that every SEC1 encoder refuses k, an EdDSA key,
// with ErrUnsupportedAlgorithm and leaves an Append destination alone.
func assertNoSEC1(t *testing.T, k *curves.PrivateKey) {
	t.Helper()
	der, err := encoding.MarshalSEC1(k)
	assert.ErrorIs(t, err, encoding.ErrUnsupportedAlgorithm, "MarshalSEC1")
	assert.Nil(t, der)
	p, err := encoding.MarshalSEC1PEM(k)
	assert.ErrorIs(t, err, encoding.ErrUnsupportedAlgorithm, "MarshalSEC1PEM")
	assert.Nil(t, p)
	out, err := encoding.AppendSEC1([]byte("keep"), k)
	assert.ErrorIs(t, err, encoding.ErrUnsupportedAlgorithm, "AppendSEC1")
	assert.Equal(t, []byte("keep"), out)
	assertClassified(t, err)
}

func TestPEMRoundTrip(t *testing.T) {
	for _, spec := range specs(t) {
		t.Run(string(spec), func(t *testing.T) {
			k := fixedKey(t, spec, 5)

			spki, err := encoding.MarshalSPKI(k.PublicKey())
			require.NoError(t, err)
			p, err := encoding.MarshalSPKIPEM(k.PublicKey())
			require.NoError(t, err)
			// Our PEM writer must match encoding/pem byte for byte.
			assert.Equal(t, pem.EncodeToMemory(&pem.Block{Type: encoding.PEMTypeSPKI, Bytes: spki}), p)
			pub, err := encoding.ParseSPKIPEM(p)
			require.NoError(t, err)
			assert.True(t, pub.Equal(k.PublicKey()))

			for _, f := range privateFormats {
				if f.name == "SEC1" && !isEC(t, spec) {
					assertNoSEC1(t, k)
					continue
				}
				der, err := f.marshal(k)
				require.NoError(t, err)
				p, err := f.marshalPE(k)
				require.NoError(t, err)
				assert.Equal(t, pem.EncodeToMemory(&pem.Block{Type: f.pemType, Bytes: der}), p, f.name)
				assert.Equal(t, len(p), cap(p), "%s PEM buffer was not sized up front", f.name)
				got, err := f.parsePEM(p)
				require.NoError(t, err, f.name)
				assert.True(t, got.Equal(k), f.name)
				// Surrounding white space is fine.
				got, err = f.parsePEM(append(append([]byte("\n\t "), p...), "\r\n\n"...))
				require.NoError(t, err, f.name)
				assert.True(t, got.Equal(k), f.name)
			}
		})
	}
}

func TestAppendForms(t *testing.T) {
	prefix := []byte("prefix:")
	for _, spec := range specs(t) {
		t.Run(string(spec), func(t *testing.T) {
			k := fixedKey(t, spec, 7)
			for _, f := range []struct {
				name    string
				marshal func() ([]byte, error)
				append  func([]byte) ([]byte, error)
			}{
				{"SPKI", func() ([]byte, error) { return encoding.MarshalSPKI(k.PublicKey()) },
					func(d []byte) ([]byte, error) { return encoding.AppendSPKI(d, k.PublicKey()) }},
				{"PKCS#8", func() ([]byte, error) { return encoding.MarshalPKCS8(k) },
					func(d []byte) ([]byte, error) { return encoding.AppendPKCS8(d, k) }},
				{"SEC1", func() ([]byte, error) { return encoding.MarshalSEC1(k) },
					func(d []byte) ([]byte, error) { return encoding.AppendSEC1(d, k) }},
			} {
				if f.name == "SEC1" && !isEC(t, spec) {
					assertNoSEC1(t, k)
					continue
				}
				want, err := f.marshal()
				require.NoError(t, err)
				assert.Equal(t, len(want), cap(want), "%s: Marshal should allocate exactly once", f.name)

				got, err := f.append(bytes.Clone(prefix))
				require.NoError(t, err)
				assert.Equal(t, append(bytes.Clone(prefix), want...), got, f.name)

				// With room in dst, the append form writes in place.
				buf := make([]byte, 0, 512)
				got, err = f.append(buf)
				require.NoError(t, err)
				assert.Equal(t, want, got, f.name)
				assert.Same(t, &buf[:1][0], &got[0], "%s: appended into a new array despite capacity", f.name)
			}
		})
	}
}

func TestMarshalRejectsUnusableKeys(t *testing.T) {
	_, err := encoding.MarshalSPKI(nil)
	assert.ErrorIs(t, err, encoding.ErrInvalidKey)
	_, err = encoding.MarshalSPKI(new(curves.PublicKey))
	assert.ErrorIs(t, err, encoding.ErrInvalidKey)
	_, err = encoding.MarshalPKCS8(nil)
	assert.ErrorIs(t, err, encoding.ErrInvalidKey)
	_, err = encoding.MarshalSEC1(new(curves.PrivateKey))
	assert.ErrorIs(t, err, encoding.ErrInvalidKey)
	_, err = encoding.MarshalPKCS8PEM(nil)
	assert.ErrorIs(t, err, encoding.ErrInvalidKey)

	// A destroyed key (scalar wiped) must not be encoded as a zero scalar;
	// AppendPKCS8 hands dst back unchanged.
	k := fixedKey(t, curves.P256, 9)
	k.Destroy()
	_, err = encoding.MarshalPKCS8(k)
	assert.ErrorIs(t, err, encoding.ErrInvalidKey)
	dst := []byte("keep")
	out, err := encoding.AppendPKCS8(dst, k)
	assert.ErrorIs(t, err, encoding.ErrInvalidKey)
	assert.Equal(t, []byte("keep"), out)
	_, err = encoding.MarshalSEC1PEM(k)
	assert.ErrorIs(t, err, encoding.ErrInvalidKey)

	// Likewise a destroyed Ed25519 key: its seed is all zeros.
	ed := fixedKey(t, curves.Ed25519, 9)
	ed.Destroy()
	_, err = encoding.MarshalPKCS8(ed)
	assert.ErrorIs(t, err, encoding.ErrInvalidKey)
	out, err = encoding.AppendPKCS8(dst, ed)
	assert.ErrorIs(t, err, encoding.ErrInvalidKey)
	assert.Equal(t, []byte("keep"), out)
	_, err = encoding.MarshalPKCS8PEM(ed)
	assert.ErrorIs(t, err, encoding.ErrInvalidKey)
}

// TestParseLenientForms covers what parsers accept beyond our own output:
// PKCS#8 without [1] or with a matching [0], stripped leading scalar zeros,
// compressed points, SEC1 without [1].
func TestParseLenientForms(t *testing.T) {
	for _, spec := range ecSpecs(t) {
		t.Run(string(spec), func(t *testing.T) {
			c := lookup(t, spec)
			// A scalar with two leading zero bytes, so stripping is visible.
			s := fixedScalar(c, 13)
			s[1] = 0
			k, err := c.NewPrivateKey(s)
			require.NoError(t, err)
			p := partsOf(k)

			stripped := p
			stripped.scalar = s[2:]

			for name, der := range map[string][]byte{
				"no [1]":             p.pkcs8(p.ecPrivateKey(false, false)),
				"[0] equal to outer": p.pkcs8(p.ecPrivateKey(true, true)),
				"[0] without [1]":    p.pkcs8(p.ecPrivateKey(true, false)),
				"stripped scalar":    p.pkcs8(stripped.ecPrivateKey(false, true)),
				"stripped, no [1]":   p.pkcs8(stripped.ecPrivateKey(false, false)),
				"compressed point":   p.pkcs8(compressed(p).ecPrivateKey(false, true)),
			} {
				got, err := encoding.ParsePKCS8(der)
				require.NoError(t, err, name)
				assert.True(t, got.Equal(k), name)
				assert.True(t, got.PublicKey().Equal(k.PublicKey()), name)
			}

			for name, der := range map[string][]byte{
				"no [1]":          p.ecPrivateKey(true, false),
				"stripped scalar": stripped.ecPrivateKey(true, true),
			} {
				got, err := encoding.ParseSEC1(der)
				require.NoError(t, err, name)
				assert.True(t, got.Equal(k), name)
			}

			pub, err := encoding.ParseSPKI(compressed(p).spki())
			require.NoError(t, err)
			assert.True(t, pub.Equal(k.PublicKey()))
			assert.Equal(t, k.PublicKey().Bytes(), pub.Bytes(), "compressed SPKI point not normalised")
		})
	}
}

// compressed returns p with its point in SEC1 compressed form.
func compressed(p keyParts) keyParts {
	size := (len(p.point) - 1) / 2
	c := make([]byte, 1+size)
	c[0] = 2 | p.point[len(p.point)-1]&1
	copy(c[1:], p.point[1:1+size])
	p.point = c
	return p
}
