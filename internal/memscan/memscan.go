// Package memscan searches this process's memory for secrets, for tests
// that check key material is erased after use. A secret is held only XOR a
// random mask ([Mask]), so the search keeps no copy of what it looks for;
// [Count] reads every private writable mapping through /proc/self/mem
// (Linux only) and counts where each secret occurs.
package memscan

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"unsafe"

	"github.com/ecdkp/ecdkp/internal/race"
)

// Masked is a secret held only XOR a random mask.
type Masked struct{ masked, mask []byte }

// Mask returns secret masked; the caller then wipes or drops secret.
func Mask(secret []byte) Masked {
	m := Masked{masked: make([]byte, len(secret)), mask: make([]byte, len(secret))}
	_, _ = rand.Read(m.mask)
	for i := range secret {
		m.masked[i] = secret[i] ^ m.mask[i]
	}
	return m
}

// MaskString is Mask for a string.
func MaskString(secret string) Masked {
	m := Masked{masked: make([]byte, len(secret)), mask: make([]byte, len(secret))}
	_, _ = rand.Read(m.mask)
	for i := range len(secret) {
		m.masked[i] = secret[i] ^ m.mask[i]
	}
	return m
}

// at reports whether the secret starts at data[i], unmasking one byte at a
// time.
func (m Masked) at(data []byte, i int) bool {
	if i < 0 || len(data)-i < len(m.masked) {
		return false
	}
	for j := range m.masked {
		if data[i+j] != m.masked[j]^m.mask[j] {
			return false
		}
	}
	return true
}

// Available says why Count cannot run here, or nil: it needs
// /proc/self/mem (Linux), and the race detector's shadow memory is too
// large to scan.
func Available() error {
	if runtime.GOOS != "linux" {
		return errors.New("memscan: needs /proc/self/mem (Linux)")
	}
	if race.Enabled {
		return errors.New("memscan: the race detector's shadow memory is too large to scan")
	}
	return nil
}

// Count reads every private writable mapping of this process (heap,
// stacks, data) and returns how many times the secrets occur in it.
func Count(secrets []Masked) (int, error) {
	if err := Available(); err != nil {
		return 0, err
	}
	longest := 1
	for _, s := range secrets {
		if len(s.masked) == 0 {
			return 0, errors.New("memscan: empty secret")
		}
		longest = max(longest, len(s.masked))
	}
	regions, err := writableRegions()
	if err != nil {
		return 0, err
	}
	mem, err := os.Open("/proc/self/mem")
	if err != nil {
		return 0, err
	}
	defer mem.Close()

	// Chunks overlap by the longest secret, so one that straddles two
	// chunks is seen whole, and counted once: a match must start in the
	// chunk's first `chunk` bytes.
	const chunk = 1 << 20
	buf := make([]byte, chunk+longest)
	defer clear(buf)
	bufLo := uint64(uintptr(unsafe.Pointer(&buf[0])))
	found := 0
	for _, r := range regions {
		for off := r[0]; off < r[1]; off += chunk {
			n, err := mem.ReadAt(buf[:min(uint64(len(buf)), r[1]-off)], int64(off))
			if n == 0 && err != nil && err != io.EOF {
				break // an unreadable guard page ends the region
			}
			data := buf[:n]
			// The buffer lies in a scanned region and holds the previous
			// chunk: blank the bytes where it reads itself.
			if lo, hi := max(off, bufLo), min(off+uint64(n), bufLo+uint64(len(buf))); lo < hi {
				clear(data[lo-off : hi-off])
			}
			starts := min(n, chunk)
			for _, s := range secrets {
				// Anchor on the last byte: P-521 scalars and DER start
				// with bytes that memory is full of.
				last := len(s.masked) - 1
				anchor := s.masked[last] ^ s.mask[last]
				for i := last; i < min(n, starts+last); {
					k := bytes.IndexByte(data[i:min(n, starts+last)], anchor)
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
	return found, nil
}

// writableRegions lists the private writable mappings of /proc/self/maps,
// without the kernel's [vvar]/[vsyscall] pages.
func writableRegions() ([][2]uint64, error) {
	maps, err := os.Open("/proc/self/maps")
	if err != nil {
		return nil, err
	}
	defer maps.Close()
	var regions [][2]uint64
	sc := bufio.NewScanner(maps)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || !strings.HasPrefix(f[1], "rw") || (len(f) >= 6 && strings.HasPrefix(f[5], "[v")) {
			continue
		}
		lo, hi, _ := strings.Cut(f[0], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("memscan: bad /proc/self/maps line %q", sc.Text())
		}
		regions = append(regions, [2]uint64{start, end})
	}
	return regions, sc.Err()
}
