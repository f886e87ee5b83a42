package quote_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ecdkp/ecdkp/internal/quote"
)

func TestClipAndQuote(t *testing.T) {
	for _, tc := range []struct {
		in, clip, quote string
	}{
		{"", "", `""`},
		{"abc", "abc", `"abc"`},
		{strings.Repeat("x", 8), strings.Repeat("x", 8), `"xxxxxxxx"`},
		{strings.Repeat("x", 9), strings.Repeat("x", 8) + "...", `"xxxxxxxx"...`},
		{"a\"\n", "a\"\n", `"a\"\n"`},
	} {
		assert.Equal(t, tc.clip, quote.Clip(tc.in, 8), tc.in)
		assert.Equal(t, tc.quote, quote.Quote(tc.in, 8), tc.in)
	}
}
