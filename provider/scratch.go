package provider

import "sync"

// scratch is a pooled buffer for the DER and envelope bytes of one call,
// sized up front so appends do not move it; release wipes every array it
// has been in before the buffer goes back to the pool.
type scratch struct {
	pooled *[]byte
	buf    []byte
}

// scratchPool holds the buffers of CreateEcDatakeyPair: big enough for a
// P-521 PKCS#8, SPKI and envelope with a short AAD.
var scratchPool = &sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// maxPooledScratch bounds the buffers that go back to the pool: the
// largest built-in curve with the largest AAD fits.
const maxPooledScratch = 4096

// getScratch returns an empty buffer with at least need bytes of capacity.
func getScratch(need int) scratch {
	p := scratchPool.Get().(*[]byte)
	if cap(*p) < need {
		*p = make([]byte, 0, need)
	}
	return scratch{pooled: p, buf: (*p)[:0]}
}

// release wipes the buffer, and the larger one an append moved it to if
// the size was misjudged, and pools it again.
func (s *scratch) release() {
	p := s.pooled
	clear((*p)[:cap(*p)])
	if cap(s.buf) > cap(*p) {
		clear(s.buf[:cap(s.buf)])
		*p = s.buf[:0]
	}
	if cap(*p) <= maxPooledScratch {
		scratchPool.Put(p)
	}
}
