package curves

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/internal/memscan"
)

// TestBackendCopiesErased generates keys, destroys them, collects the
// garbage and searches the whole process memory for their scalars. Destroy
// wipes this package's copy; the backends keep their own (crypto/ecdh and
// gmsm hold the scalar inside their key objects), which only a build with
// GOEXPERIMENT=runtimesecret erases. There no copy may be left; in a default
// build the test reports how many the collector left behind. (memscan's
// own test proves the scan finds a live secret and misses a wiped one.)
func TestBackendCopiesErased(t *testing.T) {
	if err := memscan.Available(); err != nil {
		t.Skip(err)
	}
	for _, spec := range Specs() {
		t.Run(string(spec), func(t *testing.T) {
			c, err := Lookup(spec)
			require.NoError(t, err)
			var secrets []memscan.Masked
			for range 16 {
				k, err := c.GenerateKey()
				require.NoError(t, err)
				secrets = append(secrets, memscan.Mask(k.scalar))
				k.Destroy()
			}
			runtime.GC()
			runtime.GC()
			left, err := memscan.Count(secrets)
			require.NoError(t, err)
			if RuntimeSecret {
				assert.Zero(t, left, "copies of destroyed %s scalars are left in memory", spec)
			} else {
				t.Logf("%d copies of 16 destroyed %s scalars are left in memory (build with GOEXPERIMENT=runtimesecret to erase them)", left, spec)
			}
		})
	}
}
