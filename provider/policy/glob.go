package policy

import (
	"strings"
	"unicode/utf8"
)

// globKind says how a pattern is matched; the common shapes skip the
// general matcher.
type globKind uint8

const (
	globExact  globKind = iota // no wildcard: s == lit
	globAny                    // "*": anything, the empty string too
	globPrefix                 // "lit*": strings.HasPrefix
	globSuffix                 // "*lit": strings.HasSuffix
	globFull                   // anything else: match
)

// glob is a compiled wildcard pattern: '*' matches any run of characters
// (the empty one too) and '?' exactly one character (a UTF-8 rune). There
// is no escape: a literal '*' or '?' in the subject is matched by the
// wildcard itself.
type glob struct {
	kind globKind
	lit  string // the pattern, or its literal part for prefix and suffix
}

// compileGlob precomputes the shape of pattern.
func compileGlob(pattern string) glob {
	n := strings.Count(pattern, "*")
	switch {
	case !strings.ContainsAny(pattern, "*?"):
		return glob{globExact, pattern}
	case pattern == strings.Repeat("*", len(pattern)):
		return glob{globAny, ""}
	case n == 1 && !strings.Contains(pattern, "?") && pattern[len(pattern)-1] == '*':
		return glob{globPrefix, pattern[:len(pattern)-1]}
	case n == 1 && !strings.Contains(pattern, "?") && pattern[0] == '*':
		return glob{globSuffix, pattern[1:]}
	}
	return glob{globFull, pattern}
}

// match reports whether s matches the pattern. It does not allocate.
func (g *glob) match(s string) bool {
	switch g.kind {
	case globExact:
		return s == g.lit
	case globAny:
		return true
	case globPrefix:
		return strings.HasPrefix(s, g.lit)
	case globSuffix:
		return strings.HasSuffix(s, g.lit)
	}
	return wildcardMatch(g.lit, s)
}

// wildcardMatch matches s against p ('*' and '?') by the greedy algorithm
// that backtracks only to the last star: O(len(p)*len(s)) at worst, no
// recursion, no allocation.
func wildcardMatch(p, s string) bool {
	px, sx := 0, 0
	star, resume := -1, 0 // index of the last '*' in p; where s resumes after it
	for sx < len(s) {
		if px < len(p) {
			switch c := p[px]; c {
			case '*':
				star, resume = px, sx
				px++
				continue
			case '?':
				_, n := utf8.DecodeRuneInString(s[sx:])
				px++
				sx += n
				continue
			default:
				if s[sx] == c {
					px++
					sx++
					continue
				}
			}
		}
		if star < 0 {
			return false
		}
		// Let the last star swallow one more rune and retry from there.
		_, n := utf8.DecodeRuneInString(s[resume:])
		resume += n
		px, sx = star+1, resume
	}
	for px < len(p) && p[px] == '*' {
		px++
	}
	return px == len(p)
}

// asciiLower returns s with ASCII letters lowered; other bytes are kept,
// so byte offsets do not move (unlike strings.ToLower on some runes).
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// asciiEqualFold reports whether a and b are equal when ASCII letters are
// folded; unlike strings.EqualFold it does not fold non-ASCII runes (the
// Kelvin sign is not a "k").
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
