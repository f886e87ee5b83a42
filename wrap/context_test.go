package wrap

import (
	"encoding/binary"
	"errors"
	"maps"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"testing/quick"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decodeContext parses a context back into its dialect and value: the
// inverse of AppendHuaweiContext and AppendAWSContext, strict (keys in
// ascending order, each once, nothing left over), so that a round trip
// through it shows the encoding is injective.
func decodeContext(ctx []byte) (dialect string, aad string, ec map[string]string, err error) {
	if len(ctx) == 0 {
		return "none", "", nil, nil
	}
	switch ctx[0] {
	case ContextTagHuawei:
		if len(ctx) == 1 {
			return "", "", nil, errors.New("huawei tag without an AAD")
		}
		return "huawei", string(ctx[1:]), nil, nil
	case ContextTagAWS:
		rest := ctx[1:]
		if len(rest) == 0 {
			return "", "", nil, errors.New("aws tag without pairs")
		}
		read := func() (string, error) {
			n, w := binary.Uvarint(rest)
			if w <= 0 || uint64(len(rest)-w) < n {
				return "", errors.New("bad length")
			}
			s := string(rest[w : w+int(n)])
			rest = rest[w+int(n):]
			return s, nil
		}
		ec = map[string]string{}
		prev, first := "", true
		for len(rest) > 0 {
			k, err := read()
			if err != nil {
				return "", "", nil, err
			}
			v, err := read()
			if err != nil {
				return "", "", nil, err
			}
			if !first && k <= prev {
				return "", "", nil, errors.New("keys out of order")
			}
			prev, first = k, false
			ec[k] = v
		}
		return "aws", "", ec, nil
	}
	return "", "", nil, errors.New("unknown tag")
}

func TestContextEncoding(t *testing.T) {
	long := strings.Repeat("k", 200) // a two-byte uvarint length
	for _, tc := range []struct {
		name string
		got  []byte
		want string
	}{
		{"huawei empty", HuaweiContext(""), ""},
		{"huawei", HuaweiContext("tenant=42"), "Htenant=42"},
		{"huawei UTF-8", HuaweiContext("租户"), "H租户"},
		{"aws nil", AWSContext(nil), ""},
		{"aws empty", AWSContext(map[string]string{}), ""},
		{"aws one pair", AWSContext(map[string]string{"k": "v"}), "A\x01k\x01v"},
		{"aws empty value", AWSContext(map[string]string{"k": ""}), "A\x01k\x00"},
		{"aws byte order", AWSContext(map[string]string{"b": "1", "a": "2", "B": "3", "aa": "4"}), "A\x01B\x013\x01a\x012\x02aa\x014\x01b\x011"},
		{"aws long key", AWSContext(map[string]string{long: "v"}), "A\xc8\x01" + long + "\x01v"},
	} {
		assert.Equal(t, tc.want, string(tc.got), tc.name)
	}
	assert.Nil(t, HuaweiContext(""), "no AAD is no context")
	assert.Nil(t, AWSContext(nil), "no encryption context is no context")
	assert.Equal(t, "preHx", string(AppendHuaweiContext([]byte("pre"), "x")))
	assert.Equal(t, "pre", string(AppendHuaweiContext([]byte("pre"), "")))
	assert.Equal(t, "preA\x01k\x01v", string(AppendAWSContext([]byte("pre"), map[string]string{"k": "v"})))

	for _, tc := range []struct {
		ctx     []byte
		aad     string
		ok      bool
		comment string
	}{
		{nil, "", true, "no context: no AAD"},
		{HuaweiContext("x"), "x", true, "a Huawei context: its AAD"},
		{[]byte{ContextTagHuawei}, "", false, "the tag alone is no encoding"},
		{AWSContext(map[string]string{"k": "v"}), "", false, "an AWS context has no v1 form"},
		{[]byte("raw"), "", false, "untagged bytes"},
	} {
		aad, ok := huaweiAAD(tc.ctx)
		assert.Equal(t, tc.ok, ok, tc.comment)
		assert.Equal(t, tc.aad, string(aad), tc.comment)
	}
}

// contextValue is one random context of either dialect, for testing/quick.
type contextValue struct {
	aws bool
	aad string
	ec  map[string]string
}

// Generate implements quick.Generator: short strings over a small alphabet
// (with the tag bytes and length-looking bytes in it), so that collisions
// would be found if the encoding allowed them.
func (contextValue) Generate(r *rand.Rand, _ int) reflect.Value {
	const alphabet = "aAH\x00\x01\x02\x41\x48=;"
	str := func() string {
		b := make([]byte, r.Intn(5))
		for i := range b {
			b[i] = alphabet[r.Intn(len(alphabet))]
		}
		return string(b)
	}
	var c contextValue
	if r.Intn(2) == 0 {
		c.aad = str()
		return reflect.ValueOf(c)
	}
	c.aws, c.ec = true, map[string]string{}
	for range r.Intn(4) {
		c.ec[str()] = str()
	}
	return reflect.ValueOf(c)
}

func (c contextValue) bytes() []byte {
	if c.aws {
		return AWSContext(c.ec)
	}
	return HuaweiContext(c.aad)
}

// empty reports whether c is "no context", one value in both dialects.
func (c contextValue) empty() bool { return c.aad == "" && len(c.ec) == 0 }

func (c contextValue) equal(d contextValue) bool {
	if c.empty() || d.empty() {
		return c.empty() && d.empty()
	}
	return c.aws == d.aws && c.aad == d.aad && maps.Equal(c.ec, d.ec)
}

// TestContextInjective is the property DESIGN.md states: distinct contexts,
// in one dialect or across the two, never give equal bytes; and each
// context's bytes decode back to it.
func TestContextInjective(t *testing.T) {
	cfg := &quick.Config{MaxCount: 20000, Rand: rand.New(rand.NewSource(1))}
	distinct := func(a, b contextValue) bool {
		return a.equal(b) == (string(a.bytes()) == string(b.bytes()))
	}
	require.NoError(t, quick.Check(distinct, cfg))
	roundTrip := func(c contextValue) bool {
		dialect, aad, ec, err := decodeContext(c.bytes())
		switch {
		case err != nil:
			return false
		case c.empty():
			return dialect == "none"
		case c.aws:
			return dialect == "aws" && maps.Equal(ec, c.ec)
		}
		return dialect == "huawei" && aad == c.aad
	}
	require.NoError(t, quick.Check(roundTrip, cfg))

	// The near misses a naive encoding would confuse.
	for _, pair := range [][2][]byte{
		{AWSContext(map[string]string{"a": "bc"}), AWSContext(map[string]string{"ab": "c"})},
		{AWSContext(map[string]string{"a": "b", "c": "d"}), AWSContext(map[string]string{"a": "b\x01c\x01d"})},
		{AWSContext(map[string]string{"": "x"}), AWSContext(map[string]string{"x": ""})},
		{HuaweiContext("A\x01k\x01v"), AWSContext(map[string]string{"k": "v"})},
		{HuaweiContext("\x01k\x01v"), AWSContext(map[string]string{"k": "v"})},
		{HuaweiContext("x"), HuaweiContext("x\x00")},
	} {
		assert.NotEqual(t, pair[0], pair[1])
	}
}

// FuzzContext: the AWS encoding of a map built from the fuzzer's bytes
// decodes back to it, and differs from the Huawei context of the same
// bytes.
func FuzzContext(f *testing.F) {
	f.Add([]byte("k\x00v"), "aad")
	f.Add([]byte("a\x00bc\x00ab\x00c"), "")
	f.Fuzz(func(t *testing.T, pairs []byte, aad string) {
		parts := strings.Split(string(pairs), "\x00")
		ec := map[string]string{}
		for i := 0; i+1 < len(parts); i += 2 {
			ec[parts[i]] = parts[i+1]
		}
		b := AWSContext(ec)
		dialect, _, got, err := decodeContext(b)
		if err != nil {
			t.Fatalf("decoding %x: %v", b, err)
		}
		if len(ec) == 0 {
			if dialect != "none" {
				t.Fatalf("empty map gave %x", b)
			}
		} else if !maps.Equal(got, ec) {
			t.Fatalf("round trip of %q gave %q", ec, got)
		}
		if h := HuaweiContext(aad); aad != "" && string(h) == string(b) {
			t.Fatalf("Huawei %q and AWS %q share the context %x", aad, ec, b)
		}
	})
}

// TestAWSContextLen: the length function agrees with the encoding, over
// long keys and values (multi-byte varints) too.
func TestAWSContextLen(t *testing.T) {
	for _, ec := range []map[string]string{
		nil, {}, {"a": ""}, {"a": "b", "c": "d"},
		{strings.Repeat("k", 127): strings.Repeat("v", 128), "x": strings.Repeat("y", 20000)},
	} {
		assert.Equal(t, len(AWSContext(ec)), AWSContextLen(ec), "%d pairs", len(ec))
	}
}
