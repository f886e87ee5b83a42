package auth

import "slices"

// expirySet is the signature prefixes of one access key that expire in one
// second. Prefixes arrive in a burst (a second's requests, signed at about
// the same time) and are then only looked up until the second passes, so
// they go first into a map and, once the set has taken none for a second,
// into a sorted slice: 8 bytes an entry instead of a map's 20 to 25.
type expirySet struct {
	frozen []uint64            // sorted
	fresh  map[uint64]struct{} // added since the last freeze
	added  int64               // the last second an entry was added
}

func (s *expirySet) has(id uint64) bool {
	if _, ok := s.fresh[id]; ok {
		return true
	}
	_, ok := slices.BinarySearch(s.frozen, id)
	return ok
}

func (s *expirySet) add(id uint64, nowSec int64) {
	if s.fresh == nil {
		s.fresh = make(map[uint64]struct{})
	}
	s.fresh[id] = struct{}{}
	s.added = nowSec
}

func (s *expirySet) len() int { return len(s.frozen) + len(s.fresh) }

// freeze moves the fresh entries into the sorted slice when none was added
// in the second before nowSec's.
func (s *expirySet) freeze(nowSec int64) {
	if len(s.fresh) == 0 || s.added >= nowSec {
		return
	}
	merged := make([]uint64, 0, s.len())
	merged = append(merged, s.frozen...)
	for id := range s.fresh {
		merged = append(merged, id)
	}
	slices.Sort(merged)
	s.frozen, s.fresh = merged, nil
}
