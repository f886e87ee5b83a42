package curves

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/internal/race"
)

// maskedSecret is a secret held only XOR a random mask, so the test that
// searches memory for the secret does not keep a copy of it.
type maskedSecret struct{ masked, mask []byte }

func maskSecret(secret []byte) maskedSecret {
	m := maskedSecret{masked: make([]byte, len(secret)), mask: make([]byte, len(secret))}
	_, _ = rand.Read(m.mask)
	for i := range secret {
		m.masked[i] = secret[i] ^ m.mask[i]
	}
	return m
}

// at reports whether the secret starts at data[i], unmasking one byte at a
// time.
func (m maskedSecret) at(data []byte, i int) bool {
	if len(data)-i < len(m.masked) {
		return false
	}
	for j := range m.masked {
		if data[i+j] != m.masked[j]^m.mask[j] {
			return false
		}
	}
	return true
}

// countInMemory reads every private writable mapping of this process through
// /proc/self/mem and counts where each secret occurs.
func countInMemory(t *testing.T, secrets []maskedSecret) int {
	t.Helper()
	maps, err := os.Open("/proc/self/maps")
	require.NoError(t, err)
	defer maps.Close()
	mem, err := os.Open("/proc/self/mem")
	require.NoError(t, err)
	defer mem.Close()

	var regions [][2]uint64
	sc := bufio.NewScanner(maps)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		// Private writable mappings: the heap, stacks, data. Skip the
		// kernel's pages, which cannot be read this way.
		if len(f) < 2 || !strings.HasPrefix(f[1], "rw") || (len(f) >= 6 && strings.HasPrefix(f[5], "[v")) {
			continue
		}
		lo, hi, _ := strings.Cut(f[0], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		require.NoError(t, err1)
		require.NoError(t, err2)
		regions = append(regions, [2]uint64{start, end})
	}
	require.NoError(t, sc.Err())

	const chunk = 1 << 20
	const overlap = 256 // longer than any scalar
	buf := make([]byte, chunk+overlap)
	found := 0
	for _, r := range regions {
		for off := r[0]; off < r[1]; off += chunk {
			n, err := mem.ReadAt(buf[:min(uint64(len(buf)), r[1]-off)], int64(off))
			if err != nil && err != io.EOF && n == 0 {
				break // an unreadable guard page ends the region
			}
			data := buf[:n]
			// The buffer itself lies in a scanned region and holds the
			// previous chunk: blank its bytes where it reads itself.
			bufLo := uint64(uintptr(unsafe.Pointer(&buf[0])))
			if lo, hi := max(off, bufLo), min(off+uint64(n), bufLo+uint64(len(buf))); lo < hi {
				clear(data[lo-off : hi-off])
			}
			for _, s := range secrets {
				// Anchor on the last byte: P-521 scalars start with a
				// zero byte, which memory is full of.
				last := len(s.masked) - 1
				anchor := s.masked[last] ^ s.mask[last]
				for i := last; i < min(n, chunk+last); {
					k := bytes.IndexByte(data[i:min(n, chunk+last)], anchor)
					if k < 0 {
						break
					}
					if s.at(data, i+k-last) {
						found++
					}
					i += k + 1
				}
			}
		}
	}
	clear(buf)
	return found
}

// TestBackendCopiesErased generates keys, destroys them, collects the
// garbage and searches the whole process memory for their scalars. Destroy
// wipes this package's copy; the backends keep their own (crypto/ecdh and
// gmsm hold the scalar inside their key objects), which only a build with
// GOEXPERIMENT=runtimesecret erases. There no copy may be left; in a default
// build the test reports how many the collector left behind. A control
// secret kept live must be found, so the scan itself is proven to work.
func TestBackendCopiesErased(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/self/mem")
	}
	if race.Enabled {
		t.Skip("the race detector's shadow memory is too large to scan")
	}
	control := make([]byte, 32)
	_, _ = rand.Read(control)
	found := countInMemory(t, []maskedSecret{maskSecret(control)})
	assert.GreaterOrEqual(t, found, 1, "the scan must find a secret that is still live")
	runtime.KeepAlive(control)
	clear(control)

	for _, spec := range Specs() {
		t.Run(string(spec), func(t *testing.T) {
			c, err := Lookup(spec)
			require.NoError(t, err)
			var secrets []maskedSecret
			for range 16 {
				k, err := c.GenerateKey()
				require.NoError(t, err)
				secrets = append(secrets, maskSecret(k.scalar))
				k.Destroy()
			}
			runtime.GC()
			runtime.GC()
			left := countInMemory(t, secrets)
			if RuntimeSecret {
				assert.Zero(t, left, "copies of destroyed %s scalars are left in memory", spec)
			} else {
				t.Logf("%d copies of 16 destroyed %s scalars are left in memory (build with GOEXPERIMENT=runtimesecret to erase them)", left, spec)
			}
		})
	}
}
