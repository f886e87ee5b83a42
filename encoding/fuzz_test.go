package encoding_test

import (
	"testing"

	"github.com/ecdkp/ecdkp/curves"
	"github.com/ecdkp/ecdkp/encoding"
)

// FuzzParse feeds arbitrary bytes to every parser. Parsers must not panic,
// must classify every error, and whatever they accept must re-encode to an
// encoding that parses back to the same key.
func FuzzParse(f *testing.F) {
	for _, spec := range curves.Specs() {
		c, err := curves.Lookup(spec)
		if err != nil {
			f.Fatal(err)
		}
		k, err := c.NewPrivateKey(fixedScalar(c, 3))
		if err != nil {
			f.Fatal(err)
		}
		p := partsOf(k)
		for _, seed := range [][]byte{
			p.spki(), compressed(p).spki(),
			p.pkcs8(p.ecPrivateKey(false, true)), p.pkcs8(p.ecPrivateKey(false, false)), p.pkcs8(p.ecPrivateKey(true, true)),
			p.ecPrivateKey(true, true), p.ecPrivateKey(true, false),
		} {
			f.Add(seed)
		}
		pemSeed, err := encoding.MarshalPKCS8PEM(k)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(pemSeed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if pub, err := encoding.ParseSPKI(data); err == nil {
			der, err := encoding.MarshalSPKI(pub)
			if err != nil {
				t.Fatalf("accepted SPKI does not re-encode: %v", err)
			}
			again, err := encoding.ParseSPKI(der)
			if err != nil || !again.Equal(pub) {
				t.Fatalf("SPKI re-encoding does not round-trip: %v", err)
			}
		} else {
			assertClassified(t, err)
		}
		for _, f := range privateFormats {
			for _, parse := range []func([]byte) (*curves.PrivateKey, error){f.parse, f.parsePEM} {
				k, err := parse(data)
				if err != nil {
					assertClassified(t, err)
					continue
				}
				der, err := f.marshal(k)
				if err != nil {
					t.Fatalf("accepted %s does not re-encode: %v", f.name, err)
				}
				again, err := f.parse(der)
				if err != nil || !again.Equal(k) || !again.PublicKey().Equal(k.PublicKey()) {
					t.Fatalf("%s re-encoding does not round-trip: %v", f.name, err)
				}
			}
		}
		if _, err := encoding.ParseSPKIPEM(data); err != nil {
			assertClassified(t, err)
		}
	})
}
