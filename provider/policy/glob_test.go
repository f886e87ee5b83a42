package policy

import (
	"math/rand/v2"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
		kind       globKind
	}{
		{"abc", "abc", true, globExact},
		{"abc", "abd", false, globExact},
		{"", "", true, globExact},
		{"*", "", true, globAny},
		{"**", "anything", true, globAny},
		{"ab*", "ab", true, globPrefix},
		{"ab*", "abc", true, globPrefix},
		{"ab*", "a", false, globPrefix},
		{"*bc", "abc", true, globSuffix},
		{"*bc", "abd", false, globSuffix},
		{"a*c", "ac", true, globFull},
		{"a*c", "abbbc", true, globFull},
		{"a*c", "abbbd", false, globFull},
		{"a?c", "abc", true, globFull},
		{"a?c", "ac", false, globFull},
		{"a?c", "aéc", true, globFull},
		{"?", "é", true, globFull},
		{"??", "é", false, globFull},
		{"*a*b*", "xxaxxbxx", true, globFull},
		{"*a*b*", "xxbxxaxx", false, globFull},
		{"a*b*c", "abbc", true, globFull},
		{"a*b?c", "abxbyc", true, globFull},
		{"*?", "", false, globFull},
		{"*?", "x", true, globFull},
		{"ab*?", "ab", false, globFull},
		{"*é", "xé", true, globSuffix},
		{"a**b", "ab", true, globFull},
	} {
		g := compileGlob(tc.pattern)
		assert.Equal(t, tc.kind, g.kind, "%q", tc.pattern)
		assert.Equal(t, tc.want, g.match(tc.s), "%q ~ %q", tc.pattern, tc.s)
	}
}

// refMatch is the obvious recursive matcher, on runes.
func refMatch(p, s []rune) bool {
	if len(p) == 0 {
		return len(s) == 0
	}
	switch p[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if refMatch(p[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return len(s) > 0 && refMatch(p[1:], s[1:])
	}
	return len(s) > 0 && p[0] == s[0] && refMatch(p[1:], s[1:])
}

func TestGlobAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("ab*?é")
	word := func(n int, withWild bool) string {
		out := make([]rune, r.IntN(n+1))
		for i := range out {
			a := alphabet
			if !withWild {
				a = []rune("abé*?") // subjects may hold literal '*' and '?'
			}
			out[i] = a[r.IntN(len(a))]
		}
		return string(out)
	}
	for range 20000 {
		p, s := word(6, true), word(8, false)
		g := compileGlob(p)
		assert.Equal(t, refMatch([]rune(p), []rune(s)), g.match(s), "%q ~ %q", p, s)
	}
}

func FuzzGlob(f *testing.F) {
	f.Add("a*b?c", "axxbyc")
	f.Add("*é?", "xéé")
	f.Fuzz(func(t *testing.T, p, s string) {
		if !utf8.ValidString(p) || !utf8.ValidString(s) || len(p) > 16 || len(s) > 32 {
			return
		}
		g := compileGlob(p)
		if got, want := g.match(s), refMatch([]rune(p), []rune(s)); got != want {
			t.Fatalf("%q ~ %q: got %v, want %v", p, s, got, want)
		}
	})
}

func TestParseNumber(t *testing.T) {
	for _, tc := range []struct {
		in    string
		ok    bool
		isInt bool
		f     float64
	}{
		{"0", true, true, 0},
		{"-12", true, true, -12},
		{"+7", true, true, 7},
		{"1.5", true, false, 1.5},
		{".5", true, false, 0.5},
		{"5.", true, false, 5},
		{"1e3", true, false, 1000},
		{"1E-2", true, false, 0.01},
		{"123456789012345678", true, true, 123456789012345678},
		{"12345678901234567890", true, false, 12345678901234567890},
		{"", false, false, 0},
		{"-", false, false, 0},
		{".", false, false, 0},
		{"1e", false, false, 0},
		{"0x10", false, false, 0},
		{"1_000", false, false, 0},
		{"Inf", false, false, 0},
		{"NaN", false, false, 0},
		{" 1", false, false, 0},
		{"1 ", false, false, 0},
		{"1e999", false, false, 0},
		{"--1", false, false, 0},
	} {
		n, ok := parseNumber(tc.in)
		assert.Equal(t, tc.ok, ok, "%q", tc.in)
		if ok {
			assert.Equal(t, tc.isInt, n.isInt, "%q", tc.in)
			assert.Equal(t, tc.f, n.f, "%q", tc.in)
		}
	}
	a, _ := parseNumber("9007199254740993")
	b, _ := parseNumber("9007199254740992")
	assert.Equal(t, 1, a.cmp(b))
	c, _ := parseNumber("9007199254740992.0")
	assert.Equal(t, 0, b.cmp(c))
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = parseNumber("not a number") }))
}
