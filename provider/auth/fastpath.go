package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// The verifiers run on every request; these helpers do their work without
// allocating. Each one computes exactly what the plainer code it replaces
// computed (the tests hold them equal).

// parseSigningTime parses a DateFormat time (yyyymmddThhmmssZ) as
// time.Parse(DateFormat, s) does, and accepts only what also formats back
// to s: four-digit year, valid month and day of that month, hour 00-23,
// minute and second 00-59.
func parseSigningTime(s string) (time.Time, bool) {
	if len(s) != len(DateFormat) || s[8] != 'T' || s[15] != 'Z' {
		return time.Time{}, false
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(4, 2)
	day, ok3 := num(6, 2)
	hour, ok4 := num(9, 2)
	minute, ok5 := num(11, 2)
	sec, ok6 := num(13, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 ||
		day > daysIn(time.Month(month), year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC), true
}

// daysIn is the number of days of month in year (proleptic Gregorian).
func daysIn(m time.Month, year int) int {
	if m == time.February {
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	return 30 + int((m+m/8)%2)
}

// isASCII reports whether s holds only ASCII bytes.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// lowerEq reports whether strings.ToLower(s) == lower for an ASCII s.
func lowerEq(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// appendHexSHA256 appends the lower-case hex SHA-256 of b.
func appendHexSHA256[T string | []byte](dst []byte, b T) []byte {
	s := sha256.Sum256([]byte(b))
	var h [2 * sha256.Size]byte
	hex.Encode(h[:], s[:])
	return append(dst, h[:]...)
}

// appendCollapsed appends collapseSpaces(v).
func appendCollapsed(dst []byte, v string) []byte {
	v = strings.TrimSpace(v)
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' && i > 0 && v[i-1] == ' ' {
			continue
		}
		dst = append(dst, v[i])
	}
	return dst
}

// v4KeyCache remembers SigV4 signing keys (the four HMACs from the secret
// key through the date, region and service), as AWS's SDKs do: one
// request costs one HMAC more than the signature instead of five. An
// entry is keyed by the access key the request names and the secret it was
// derived from, so a changed secret never meets an old key, and an unknown
// access key (checked with a fixed secret) is cached exactly as a known
// one is: its first request misses, its next ones hit, so the timing does
// not tell which access keys exist. The cache is bounded: when full it
// starts over, which costs time, never correctness.
type v4KeyCache struct {
	mu sync.RWMutex
	m  map[v4KeyID][sha256.Size]byte
}

type v4KeyID struct{ accessKey, secret, date, region, service string }

// maxV4Keys bounds the cache: at most a few dates are within the skew
// window at once, so this is room for hundreds of access keys.
const maxV4Keys = 1024

// maxCachedAccessKeyLen bounds the access keys the cache keeps (the
// longest a Credentials store holds): an unauthenticated request may name
// an access key as long as the header allows, and its entry is kept as a
// known one's would be. A longer one is derived each time, known or not,
// so its timing tells nothing either.
const maxCachedAccessKeyLen = 128

// signingKey returns the signing key of secret for the scope.
func (c *v4KeyCache) signingKey(id v4KeyID) [sha256.Size]byte {
	c.mu.RLock()
	k, ok := c.m[id]
	c.mu.RUnlock()
	if ok {
		return k
	}
	k = deriveSigningKeyV4(id.secret, id.date, id.region, id.service)
	if len(id.accessKey) > maxCachedAccessKeyLen {
		return k
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxV4Keys {
		c.m = make(map[v4KeyID][sha256.Size]byte)
	}
	c.m[id] = k
	c.mu.Unlock()
	return k
}
