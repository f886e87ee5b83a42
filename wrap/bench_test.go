package wrap

import (
	"testing"

	"github.com/ecdkp/ecdkp/curves"
)

// BenchmarkRawGenerateKey is the baseline of the envelope benchmarks of
// this package (BenchmarkMasterKeyWrap, BenchmarkCustomKeyWrap,
// BenchmarkRecipientWrapP256): key generation on the curves whose PKCS#8
// they wrap, measured in the same go test run so scripts/bench can report
// each envelope as a ratio to it.
func BenchmarkRawGenerateKey(b *testing.B) {
	for _, spec := range []curves.Spec{curves.P256, curves.SM2} {
		c, err := curves.Lookup(spec)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(string(spec), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				k, err := c.GenerateKey()
				if err != nil {
					b.Fatal(err)
				}
				k.Destroy()
			}
		})
	}
}
