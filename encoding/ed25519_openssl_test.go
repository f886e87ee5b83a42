package encoding_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
)

// TestOpenSSLReadsOurEd25519 is TestOpenSSLReadsOurs for Ed25519, which has
// no SEC1 form: OpenSSL checks our SPKI and PKCS#8 and writes them back
// byte for byte, in DER and PEM, and derives our public key from our seed.
func TestOpenSSLReadsOurEd25519(t *testing.T) {
	o := newOpenSSL(t)
	for name, k := range testKeys(t, curves.Ed25519) {
		t.Run(name, func(t *testing.T) {
			o.t = t
			spki, err := encoding.MarshalSPKI(k.PublicKey())
			require.NoError(t, err)
			f := o.file(name+".spki.der", spki)
			out, err := o.combined("pkey", "-pubin", "-inform", "DER", "-in", f, "-pubcheck", "-noout")
			require.NoError(t, err, out)
			assert.Contains(t, out, "Key is valid")
			assert.Equal(t, spki, o.run("pkey", "-pubin", "-inform", "DER", "-in", f, "-pubout", "-outform", "DER"), "SPKI")

			p8, err := encoding.MarshalPKCS8(k)
			require.NoError(t, err)
			f = o.file(name+".p8.der", p8)
			o.checkPrivate(f, "DER")
			// For Ed25519 `pkey -outform DER` writes PKCS#8 (there is no
			// traditional form), as `pkcs8 -topk8` does.
			assert.Equal(t, p8, o.run("pkey", "-inform", "DER", "-in", f, "-outform", "DER"), "PKCS#8 (pkey)")
			assert.Equal(t, p8, o.run("pkcs8", "-topk8", "-nocrypt", "-inform", "DER", "-in", f, "-outform", "DER"), "PKCS#8 (pkcs8)")
			assert.Equal(t, spki, o.run("pkey", "-inform", "DER", "-in", f, "-pubout", "-outform", "DER"), "public key OpenSSL derives from the seed")
			text := o.run("pkey", "-inform", "DER", "-in", f, "-noout", "-text")
			assert.Contains(t, string(text), "ED25519 Private-Key")

			p, err := encoding.MarshalSPKIPEM(k.PublicKey())
			require.NoError(t, err)
			assert.Equal(t, p, o.run("pkey", "-pubin", "-in", o.file(name+".spki.pem", p)), "SPKI PEM")
			p, err = encoding.MarshalPKCS8PEM(k)
			require.NoError(t, err)
			assert.Equal(t, p, o.run("pkey", "-in", o.file(name+".p8.pem", p)), "PKCS#8 PEM")
		})
	}
}

// TestWeReadOpenSSLEd25519: keys made by `openssl genpkey -algorithm
// ed25519`, in PEM and DER, parse, and our encodings of them are OpenSSL's
// bytes.
func TestWeReadOpenSSLEd25519(t *testing.T) {
	o := newOpenSSL(t)
	for i := range 4 {
		genPEM := o.run("genpkey", "-algorithm", "ed25519")
		f := o.file("gen.pem", genPEM)
		genDER := o.run("genpkey", "-algorithm", "ed25519", "-outform", "DER")
		for name, der := range map[string][]byte{
			"PEM converted": o.run("pkey", "-in", f, "-outform", "DER"),
			"DER":           genDER,
		} {
			k, err := encoding.ParsePKCS8(der)
			require.NoError(t, err, "%d %s", i, name)
			assert.Equal(t, curves.Ed25519, k.Curve().Spec())
			ours, err := encoding.MarshalPKCS8(k)
			require.NoError(t, err)
			assert.Equal(t, der, ours, "%d %s: PKCS#8", i, name)

			spki := o.run("pkey", "-inform", "DER", "-in", o.file("gen.der", der), "-pubout", "-outform", "DER")
			pub, err := encoding.ParseSPKI(spki)
			require.NoError(t, err)
			assert.True(t, pub.Equal(k.PublicKey()), "%d %s: OpenSSL's public key is not the one we compute", i, name)
			ours, err = encoding.MarshalSPKI(pub)
			require.NoError(t, err)
			assert.Equal(t, spki, ours, "%d %s: SPKI", i, name)
		}
		k, err := encoding.ParsePKCS8PEM(genPEM)
		require.NoError(t, err)
		ours, err := encoding.MarshalPKCS8PEM(k)
		require.NoError(t, err)
		assert.Equal(t, genPEM, ours, "%d: PKCS#8 PEM", i)
	}
}

// TestOpenSSLEd25519Leniency records where OpenSSL 3 is laxer than we are:
// `pkey -pubcheck` accepts a small-order point and an unreduced one, which
// ParseSPKI refuses, and (3.0) `pkey` cannot read the v2 form, which
// ParsePKCS8 reads. What OpenSSL does is logged; what we do is asserted.
func TestOpenSSLEd25519Leniency(t *testing.T) {
	o := newOpenSSL(t)
	unreduced := bytes.Repeat([]byte{0xff}, 32)
	unreduced[0], unreduced[31] = 0xee, 0x7f // y = p+1
	for name, pub := range map[string][]byte{
		"small-order": mustUnhex(t, "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
		"unreduced":   unreduced,
	} {
		spki := edSPKI(pub)
		_, err := encoding.ParseSPKI(spki)
		assert.ErrorIs(t, err, encoding.ErrInvalidKey, name)
		out, err := o.combined("pkey", "-pubin", "-inform", "DER", "-in", o.file(name+".der", spki), "-pubcheck", "-noout")
		t.Logf("openssl pkey -pubcheck, %s point: %v %s", name, err, strings.TrimSpace(out))
	}
	k := fixedKey(t, curves.Ed25519, 3)
	v2 := edPKCS8v2(k.Bytes(), k.PublicKey().Bytes())
	got, err := encoding.ParsePKCS8(v2)
	require.NoError(t, err)
	assert.True(t, got.Equal(k))
	out, err := o.combined("pkey", "-inform", "DER", "-in", o.file("v2.der", v2), "-noout")
	t.Logf("openssl pkey, v2 PKCS#8: %v %s", err, strings.TrimSpace(out))
}
