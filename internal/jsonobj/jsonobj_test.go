package jsonobj_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/internal/jsonobj"
)

func TestParseAccepts(t *testing.T) {
	body := `  {"s":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00","e":"","t":true,"f":false,"n":null,` +
		`"num":-12.5e+3,"o":{"k":"v","m":{"x":"y"}},"l":["a","b"],"m":{"a":"1","b":"2"}}  `
	o, err := jsonobj.Parse([]byte(body))
	require.NoError(t, err)
	var want map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &want))

	s, err := o.String("s")
	require.NoError(t, err)
	assert.Equal(t, want["s"], s)
	e, err := o.String("e")
	require.NoError(t, err)
	assert.Equal(t, "", e)
	tr, err := o.Bool("t")
	require.NoError(t, err)
	assert.True(t, *tr)
	fa, err := o.Bool("f")
	require.NoError(t, err)
	assert.False(t, *fa)
	n, err := o.OptString("n")
	require.NoError(t, err)
	assert.Nil(t, n, "null is absent")
	sub, err := o.Object("o")
	require.NoError(t, err)
	k, err := sub.String("k")
	require.NoError(t, err)
	assert.Equal(t, "v", k)
	_, err = sub.Object("m")
	require.NoError(t, err)
	l, err := o.StringList("l")
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, l)
	m, err := o.StringMap("m")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "1", "b": "2"}, m)
	assert.EqualError(t, o.Unknown(), `unknown member "num"`)
	assert.NoError(t, sub.Unknown(), "m was taken as an object")
	missing, err := o.String("absent")
	require.NoError(t, err)
	assert.Equal(t, "", missing)
}

func TestParseRejects(t *testing.T) {
	for _, tc := range []struct{ body, msg string }{
		{``, "empty"},
		{`   `, "empty"},
		{`[]`, "an array; a JSON object is required"},
		{`"x"`, "a string; a JSON object is required"},
		{`42`, "a number"},
		{`null`, "null"},
		{`{"a":"1","a":"2"}`, `member "a" twice`},
		{`{"o":{"a":1,"a":2}}`, `member "o.a" twice`},
		{`{"a":"1"}{}`, "data after the JSON object"},
		{`{"a":"1"} x`, "data after the JSON object"},
		{`{"a":`, "truncated"},
		{`{"a" "b"}`, "':' was expected"},
		{`{"a":"b",}`, "member name was expected"},
		{`{a:"b"}`, "member name was expected"},
		{`{"a":tru}`, "value was expected"},
		{`{"a":01}`, "',' or '}'"},
		{`{"a":1.}`, "digit"},
		{`{"a":-}`, "digit"},
		{"{\"a\":\"\x01\"}", "control character"},
		{`{"a":"\q"}`, "unknown escape"},
		{`{"a":"\u12"}`, "four hex digits"},
		{`{"a":"\ud83d"}`, "surrogate without its pair"},
		{`{"a":"\ude00"}`, "surrogate without its pair"},
		{`{"a":"\ud83dx"}`, "surrogate without its pair"},
		{`{"a":"\ud83d\u0041"}`, "surrogate without its pair"},
		{`{"a":"\ud83d\ud83d"}`, "surrogate without its pair"},
		{`{"\ud800":"b"}`, "surrogate without its pair"},
		{"{\"a\":\"\xff\"}", "not UTF-8"},
		{"{\"a\\n\":\"\xc3\"}", "not UTF-8"},
		{`{"a":"unterminated`, "truncated"},
		{strings.Repeat(`{"a":`, 17) + `1` + strings.Repeat(`}`, 17), "deeper than 16"},
		{`{"a":[` + strings.Repeat(`[`, 16) + strings.Repeat(`]`, 16) + `]}`, "deeper than 16"},
	} {
		_, err := jsonobj.Parse([]byte(tc.body))
		require.Error(t, err, "%q", tc.body)
		assert.Contains(t, err.Error(), tc.msg, "%q", tc.body)
		_, ok := jsonobj.AsError(err)
		assert.True(t, ok)
	}
}

// TestAccessorsTypeErrors name the member and both JSON types, no Go types.
func TestAccessorsTypeErrors(t *testing.T) {
	o, err := jsonobj.Parse([]byte(`{"s":1,"b":"true","o":"x","l":{},"m":{"k":2},"x":["a",3],"r":{"z":true}}`))
	require.NoError(t, err)
	_, err = o.String("s")
	assert.EqualError(t, err, `member "s" must be a string, not a number`)
	_, err = o.Bool("b")
	assert.EqualError(t, err, `member "b" must be a boolean, not a string`)
	_, err = o.Object("o")
	assert.EqualError(t, err, `member "o" must be an object, not a string`)
	_, err = o.StringList("l")
	assert.EqualError(t, err, `member "l" must be an array, not an object`)
	_, err = o.StringMap("m")
	assert.EqualError(t, err, `member "m.k" must be a string, not a number`)
	_, err = o.StringList("x")
	assert.EqualError(t, err, `member "x" must hold strings, not a number`)
	r, err := o.Object("r")
	require.NoError(t, err)
	_, err = r.String("Z")
	require.NoError(t, err)
	assert.EqualError(t, r.Unknown(), `unknown member "r.z": member names are case-sensitive, did you mean "r.Z"?`)
}

func TestCaseVariantIsUnknown(t *testing.T) {
	o, err := jsonobj.Parse([]byte(`{"with_plain_text":false,"WITH_PLAIN_TEXT":true}`))
	require.NoError(t, err)
	b, err := o.Bool("with_plain_text")
	require.NoError(t, err)
	assert.False(t, *b)
	assert.ErrorContains(t, o.Unknown(), `unknown member "WITH_PLAIN_TEXT": member names are case-sensitive, did you mean "with_plain_text"?`)
}

// FuzzParse: never panics; what it accepts encoding/json accepts, with the
// same strings.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":"b"}`, `{"a":{"b":[1,"x",null,true]}}`, `{"\u00e9":"\ud800"}`, `[1]`, `{"a":1e9}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		o, err := jsonobj.Parse(body)
		if err != nil {
			if _, ok := jsonobj.AsError(err); !ok {
				t.Fatalf("error of another type: %v", err)
			}
			return
		}
		var want map[string]any
		if err := json.Unmarshal(body, &want); err != nil {
			t.Fatalf("accepted a body encoding/json refuses (%v): %q", err, body)
		}
		if len(want) != len(o.Members) {
			t.Fatalf("%d members, encoding/json has %d", len(o.Members), len(want))
		}
		for _, m := range o.Members {
			if m.Value.Kind == jsonobj.String && want[m.Name] != m.Value.Str {
				t.Fatalf("member %q is %q, encoding/json says %q", m.Name, m.Value.Str, want[m.Name])
			}
		}
	})
}

func TestNumber(t *testing.T) {
	o, err := jsonobj.Parse([]byte(`{"n":-1.5e3,"s":"7"}`))
	require.NoError(t, err)
	n, err := o.Number("n")
	require.NoError(t, err)
	assert.Equal(t, "-1.5e3", *n)
	_, err = o.Number("s")
	assert.EqualError(t, err, `member "s" must be a number, not a string`)
	n, err = o.Number("absent")
	require.NoError(t, err)
	assert.Nil(t, n)
}

func TestPresent(t *testing.T) {
	o, err := jsonobj.Parse([]byte(`{"t":[{"k":1}],"n":null}`))
	require.NoError(t, err)
	assert.True(t, o.Present("t"))
	assert.False(t, o.Present("n"), "null is absent")
	assert.False(t, o.Present("x"))
	assert.NoError(t, o.Unknown(), "Present takes the member")
}
