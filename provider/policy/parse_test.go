package policy

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	allowAll = `{"Sid":"A","Effect":"Allow","Action":"*"}`
	allowB   = `{"Sid":"B","Effect":"Allow","Action":"*"}`
)

// stmt2 puts s as statement 2, after two good ones.
func stmt2(s string) string { return doc(allowAll, allowB, s) }

// parseErrorCases: a bad document, the statement the error must name (-1:
// none), its Sid, and a part of the message.
var parseErrorCases = []struct {
	name string
	doc  string
	stmt int
	sid  string
	msg  string
}{
	// Conditions.
	{"unknown operator", stmt2(`{"Sid":"DenyPlain","Effect":"Deny","Action":"*","Condition":{"StringEqual":{"kms:KeySpec":"SM2"}}}`), 2, "DenyPlain", `unknown condition operator "StringEqual"`},
	{"operator in the wrong case", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"stringEquals":{"kms:KeySpec":"SM2"}}}`), 2, "C", `did you mean "StringEquals"`},
	{"NullIfExists", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"NullIfExists":{"kms:KeySpec":true}}}`), 2, "C", `unknown condition operator "NullIfExists"`},
	{"set qualifier on Bool", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"ForAnyValue:Bool":{"kms:PlaintextRequested":true}}}`), 2, "C", `applies only to String and Numeric operators`},
	{"set qualifier on Null", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"ForAllValues:Null":{"kms:KeySpec":true}}}`), 2, "C", `applies only to String and Numeric operators`},
	{"unknown qualifier", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"ForSomeValues:StringEquals":{"kms:KeySpec":"x"}}}`), 2, "C", `unknown condition operator`},
	{"unknown key", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"StringEquals":{"kms:KeySpc":"SM2"}}}`), 2, "C", `unknown condition key "kms:KeySpc"`},
	{"prefix key without suffix", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"StringEquals":{"kms:EncryptionContext:":"x"}}}`), 2, "C", `unknown condition key "kms:EncryptionContext:"`},
	{"unlisted suffix", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"StringEquals":{"kms:RecipientAttestation:PCR32":"x"}}}`), 2, "C", `unknown condition key "kms:RecipientAttestation:PCR32"`},
	{"wildcard in a key", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"StringEquals":{"kms:EncryptionContext:*":"x"}}}`), 2, "C", `wildcards are not allowed in condition key`},
	{"number for a string operator", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"StringEquals":{"kms:KeySpec":5}}}`), 2, "C", `value 5 is not a string`},
	{"bool for a string operator", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"StringLike":{"kms:KeySpec":[true]}}}`), 2, "C", `value true is not a string`},
	{"not a number", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"NumericLessThan":{"kms:KeySize":"abc"}}}`), 2, "C", `value "abc" is not a decimal number`},
	{"hex number", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"NumericLessThan":{"kms:KeySize":"0x10"}}}`), 2, "C", `is not a decimal number`},
	{"number out of range", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"NumericLessThan":{"kms:KeySize":1e999}}}`), 2, "C", `value 1e999 is not a decimal number`},
	{"bool as a number", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"NumericEquals":{"kms:KeySize":true}}}`), 2, "C", `is not a decimal number`},
	{"not a bool", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"Bool":{"kms:PlaintextRequested":"yes"}}}`), 2, "C", `value "yes" is not true or false`},
	{"Null not a bool", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"Null":{"kms:KeySpec":1}}}`), 2, "C", `value 1 is not true or false`},
	{"nested list value", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"StringEquals":{"kms:KeySpec":[["SM2"]]}}}`), 2, "C", `value an array is not a string`},
	{"object value", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"StringEquals":{"kms:KeySpec":{}}}}`), 2, "C", `not a string`},
	{"empty value list", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"StringEquals":{"kms:KeySpec":[]}}}`), 2, "C", `an empty list of values`},
	{"empty operator block", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"StringEquals":{}}}`), 2, "C", `names no key`},
	{"operator block not an object", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"StringEquals":"x"}}`), 2, "C", `not an object of keys`},
	{"Condition not an object", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":[]}`), 2, "C", `Condition is an array, not an object`},
	{"Bool on a String key", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"Bool":{"kms:KeySpec":true}}}`), 2, "C", `a Bool operator on a String key`},
	{"Numeric on a String key", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"NumericEquals":{"kms:KeySpec":1}}}`), 2, "C", `a Numeric operator on a String key`},
	{"String on a Numeric key", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"StringEquals":{"kms:KeySize":"1"}}}`), 2, "C", `a String operator on a Numeric key`},
	{"String on a Bool key", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"StringEquals":{"kms:PlaintextRequested":"true"}}}`), 2, "C", `a String operator on a Bool key`},
	{"set qualifier on a single-valued key", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"ForAnyValue:StringEquals":{"kms:KeySpec":"SM2"}}}`), 2, "C", `ForAnyValue on a single-valued key`},
	{"plain operator on a multivalued key", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"StringEquals":{"kms:EncryptionContextKeys":"a"}}}`), 2, "C", `a multivalued key needs ForAnyValue: or ForAllValues:`},
	{"policy variable in a value", stmt2(`{"Sid":"C","Effect":"Deny","Action":"*","Condition":{"StringLike":{"kms:KeySpec":"${aws:username}"}}}`), 2, "C", `policy variables`},

	// Actions, resources, principals.
	{"unknown action", stmt2(`{"Sid":"X","Effect":"Allow","Action":["kms:cmk:getKey","kms:cmk:craeteDataKeyPair"]}`), 2, "X", `unknown action "kms:cmk:craeteDataKeyPair"`},
	{"action pattern matching nothing", stmt2(`{"Sid":"X","Effect":"Allow","Action":"kms:cmk:craete*"}`), 2, "X", `Action pattern "kms:cmk:craete*" matches no known action`},
	{"NotAction unknown", stmt2(`{"Sid":"X","Effect":"Allow","NotAction":"kms:cmk:nope"}`), 2, "X", `unknown action "kms:cmk:nope"`},
	{"NotAction pattern matching nothing", stmt2(`{"Sid":"X","Effect":"Allow","NotAction":"s3:*"}`), 2, "X", `NotAction pattern "s3:*" matches no known action`},
	{"no Action", stmt2(`{"Sid":"X","Effect":"Allow"}`), 2, "X", `no Action`},
	{"Action and NotAction", stmt2(`{"Sid":"X","Effect":"Allow","Action":"*","NotAction":"kms:cmk:getKey"}`), 2, "X", `both Action and NotAction`},
	{"empty Action list", stmt2(`{"Sid":"X","Effect":"Allow","Action":[]}`), 2, "X", `Action is an empty list`},
	{"empty action", stmt2(`{"Sid":"X","Effect":"Allow","Action":""}`), 2, "X", `Action holds an empty string`},
	{"Action not a string", stmt2(`{"Sid":"X","Effect":"Allow","Action":1}`), 2, "X", `Action is a number`},
	{"Action list of non-strings", stmt2(`{"Sid":"X","Effect":"Allow","Action":["*",null]}`), 2, "X", `Action holds null`},
	{"Resource and NotResource", stmt2(`{"Sid":"X","Effect":"Allow","Action":"*","Resource":"a","NotResource":"b"}`), 2, "X", `both Resource and NotResource`},
	{"empty Resource", stmt2(`{"Sid":"X","Effect":"Allow","Action":"*","Resource":[]}`), 2, "X", `Resource is an empty list`},
	{"policy variable in a Resource", stmt2(`{"Sid":"X","Effect":"Allow","Action":"*","Resource":"kms:${project}:*"}`), 2, "X", `policy variables`},
	{"Principal a bare name", stmt2(`{"Sid":"X","Effect":"Allow","Action":"*","Principal":"alice"}`), 2, "X", `Principal "alice" is not "*"`},
	{"Principal of another type", stmt2(`{"Sid":"X","Effect":"Allow","Action":"*","Principal":{"AWS":"alice"}}`), 2, "X", `unknown principal type "AWS"`},
	{"Principal empty", stmt2(`{"Sid":"X","Effect":"Allow","Action":"*","Principal":{}}`), 2, "X", `Principal is an empty object`},
	{"Principal empty list", stmt2(`{"Sid":"X","Effect":"Allow","Action":"*","Principal":{"ecdkp":[]}}`), 2, "X", `Principal is an empty list`},

	// Statement fields.
	{"Effect lower case", stmt2(`{"Sid":"E","Effect":"allow","Action":"*"}`), 2, "E", `Effect "allow" is not "Allow" or "Deny"`},
	{"Effect other", stmt2(`{"Sid":"E","Effect":"Permit","Action":"*"}`), 2, "E", `Effect "Permit"`},
	{"Effect not a string", stmt2(`{"Sid":"E","Effect":true,"Action":"*"}`), 2, "E", `Effect true`},
	{"no Effect", stmt2(`{"Sid":"E","Action":"*"}`), 2, "E", `no Effect`},
	{"case-variant field", stmt2(`{"Action":"*","effect":"Allow","Sid":"E"}`), 2, "E", `unknown field "effect" (fields are case-sensitive: did you mean "Effect"?)`},
	{"unknown field", stmt2(`{"Sid":"E","Effect":"Allow","Action":"*","Foo":1}`), 2, "E", `unknown field "Foo"`},
	{"NotPrincipal", stmt2(`{"Sid":"E","Effect":"Allow","Action":"*","NotPrincipal":"*"}`), 2, "E", `unknown field "NotPrincipal"`},
	{"statement not an object", doc(allowAll, `"x"`), 1, "", `the statement is a string, not an object`},
	{"duplicate Sid", doc(allowAll, `{"Sid":"A","Effect":"Deny","Action":"*"}`), 1, "A", `Sid "A" is already statement 0's`},
	{"Sid with a space", doc(`{"Sid":"my rule","Effect":"Allow","Action":"*"}`), 0, "my rule", `only ASCII letters, digits`},
	{"Sid like an index", doc(`{"Sid":"#1","Effect":"Allow","Action":"*"}`), 0, "#1", `only ASCII letters, digits`},
	{"empty Sid", doc(`{"Sid":"","Effect":"Allow","Action":"*"}`), 0, "", `empty Sid`},
	{"Sid not a string", doc(`{"Sid":1,"Effect":"Allow","Action":"*"}`), 0, "", `Sid is a number`},

	// JSON.
	{"bad JSON in a statement", doc(allowAll, `{"Sid":"Broken","Effect":"Allow" "Action":"*"}`), 1, "Broken", `invalid JSON`},
	{"bad JSON in a single statement", `{"Version":"1.1","Statement":{"Sid":"S","Effect":"Allow",]}}`, 0, "S", `invalid JSON`},
	{"bad JSON at the top", `{"Version":"1.1",`, -1, "", `invalid JSON`},
	{"truncated", `{"Version":"1.1","Statement":[{"Sid":"T","Effect":"Allow"`, 0, "T", `unexpected end of the document`},
	{"empty document", ``, -1, "", `unexpected end of the document`},
	{"duplicate key in a statement", doc(allowAll, `{"Sid":"Dup","Effect":"Allow","Effect":"Deny","Action":"*"}`), 1, "Dup", `duplicate key "Effect"`},
	{"duplicate key in a condition", doc(`{"Sid":"Dup","Effect":"Allow","Action":"*","Condition":{"Null":{"kms:KeySpec":true,"kms:KeySpec":false}}}`), 0, "Dup", `duplicate key "kms:KeySpec"`},
	{"duplicate top-level key", `{"Version":"1.1","Version":"1.1","Statement":[]}`, -1, "", `duplicate key "Version"`},
	{"trailing data", doc(allowAll) + ` {}`, -1, "", `unexpected data after the policy document`},
	{"invalid UTF-8", doc(`{"Sid":"U","Effect":"Allow","Action":"*","Resource":"` + "\xff" + `"}`), -1, "", `not valid UTF-8`},
	{"nesting too deep", doc(`{"Sid":"D","Effect":"Allow","Action":"*","Condition":{"StringEquals":{"kms:KeySpec":` + strings.Repeat("[", 20) + strings.Repeat("]", 20) + `}}}`), 0, "D", `nests deeper than`},

	// The document.
	{"not an object", `[]`, -1, "", `the document is an array, not an object`},
	{"empty Statement", `{"Version":"1.1","Statement":[]}`, -1, "", `Statement is empty`},
	{"no Statement", `{"Version":"1.1"}`, -1, "", `no Statement`},
	{"Statement a string", `{"Version":"1.1","Statement":"x"}`, -1, "", `Statement is a string`},
	{"no Version", `{"Statement":[` + allowAll + `]}`, -1, "", `no Version`},
	{"old Version", `{"Version":"2008-10-17","Statement":[` + allowAll + `]}`, -1, "", `Version "2008-10-17" is not one of "1.1" or "2012-10-17"`},
	{"Version a number", `{"Version":1.1,"Statement":[` + allowAll + `]}`, -1, "", `Version 1.1 is not one of`},
	{"case-variant top-level field", `{"Version":"1.1","statement":[` + allowAll + `]}`, -1, "", `unknown field "statement" (fields are case-sensitive: did you mean "Statement"?)`},
	{"unknown top-level field", `{"Version":"1.1","Statement":[` + allowAll + `],"Extra":1}`, -1, "", `unknown field "Extra"`},
	{"Id not a string", `{"Version":"1.1","Id":1,"Statement":[` + allowAll + `]}`, -1, "", `Id is a number`},
}

func TestParseErrors(t *testing.T) {
	for _, tc := range parseErrorCases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Compile([]byte(tc.doc), testSchema())
			require.Error(t, err)
			assert.Nil(t, p)
			var pe *ParseError
			require.True(t, errors.As(err, &pe), "%T", err)
			assert.Equal(t, tc.stmt, pe.Statement)
			assert.Equal(t, tc.sid, pe.Sid)
			assert.Contains(t, pe.Msg, tc.msg)
			assert.Positive(t, pe.Line)
			text := err.Error()
			assert.True(t, strings.HasPrefix(text, "policy: "), text)
			if tc.stmt >= 0 {
				head := fmt.Sprintf("policy: statement %d", tc.stmt)
				if tc.sid != "" {
					head += fmt.Sprintf(" (Sid %q)", tc.sid)
				}
				assert.True(t, strings.HasPrefix(text, head+": "), "%q does not start with %q", text, head)
			} else {
				assert.NotContains(t, text, "statement ")
			}
		})
	}
}

func TestParseErrorText(t *testing.T) {
	d := "{\"Version\":\"1.1\",\"Statement\":[\n" + allowAll + ",\n" + allowB + ",\n" +
		`{"Sid":"DenyPlain","Effect":"Deny","Action":"*",` + "\n" + `"Condition":{"StringEqual":{"kms:KeySpec":"SM2"}}}]}`
	_, err := Compile([]byte(d), testSchema())
	require.Error(t, err)
	assert.Equal(t, `policy: statement 2 (Sid "DenyPlain"): unknown condition operator "StringEqual" (line 5)`, err.Error())

	_, err = Compile([]byte("{\n\"Version\": \"1.0\",\n\"Statement\": []}"), testSchema())
	assert.EqualError(t, err, `policy: Version "1.0" is not one of "1.1" or "2012-10-17" (line 2)`)
}

func TestParseGood(t *testing.T) {
	for _, d := range []string{
		`{"Version":"1.1","Statement":{"Effect":"Allow","Action":"*"}}`,
		`{"Version":"2012-10-17","Id":"x","Statement":[{"Effect":"Deny","Action":["kms:cmk:getKey"],"Resource":["*"],"Principal":{"ecdkp":"*"}}]}`,
		`{"Statement":{"Action":"*","Effect":"Allow"},"Version":"1.1"}`,
		`{"Version":"1.1","Statement":{"Effect":"Allow","Action":"*","Condition":{}}}`,
		` {"Version":"1.1","Statement":{"Effect":"Allow","Action":"*"}}` + "\n",
	} {
		p, err := Compile([]byte(d), testSchema())
		require.NoError(t, err, d)
		assert.NotNil(t, p)
	}
	p, err := Compile([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*"}}`), testSchema())
	require.NoError(t, err)
	assert.Equal(t, "2012-10-17", p.Version())
}

func TestSchemaErrors(t *testing.T) {
	good := doc(allowAll)
	for _, tc := range []struct {
		name   string
		schema *Schema
		msg    string
	}{
		{"nil", nil, "policy: schema: nil Schema"},
		{"no actions", &Schema{}, "policy: schema: no actions"},
		{"empty action", &Schema{Actions: []string{""}}, "policy: schema: empty action"},
		{"wildcard action", &Schema{Actions: []string{"kms:*"}}, `policy: schema: action "kms:*": only printable ASCII`},
		{"actions differing in case", &Schema{Actions: []string{"a:b", "A:B"}}, `policy: schema: action "A:B" listed twice`},
		{"bad key type", &Schema{Actions: []string{"a"}, Keys: []KeySpec{{Name: "k", Type: 9}}}, `unknown type KeyType(9)`},
		{"multivalued Bool", &Schema{Actions: []string{"a"}, Keys: []KeySpec{{Name: "k", Type: TypeBool, Multi: true}}}, `a Bool key cannot be multivalued`},
		{"Suffixes without Prefix", &Schema{Actions: []string{"a"}, Keys: []KeySpec{{Name: "k", Suffixes: []string{"x"}}}}, `Suffixes needs Prefix`},
		{"bad suffix", &Schema{Actions: []string{"a"}, Keys: []KeySpec{{Name: "k:", Prefix: true, Suffixes: []string{"x y"}}}}, `condition key suffix "x y"`},
		{"key twice", &Schema{Actions: []string{"a"}, Keys: []KeySpec{{Name: "k"}, {Name: "K"}}}, `condition key "K" listed twice`},
		{"prefix twice", &Schema{Actions: []string{"a"}, Keys: []KeySpec{{Name: "k:", Prefix: true}, {Name: "k:", Prefix: true}}}, `prefix "k:" listed twice`},
		{"key with a space", &Schema{Actions: []string{"a"}, Keys: []KeySpec{{Name: "k k"}}}, `condition key "k k"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile([]byte(good), tc.schema)
			require.Error(t, err)
			var pe *ParseError
			assert.False(t, errors.As(err, &pe))
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

// A longer prefix wins over a shorter one, and an exact key over both.
func TestKeyLookup(t *testing.T) {
	sc, err := (&Schema{Actions: []string{"a"}, Keys: []KeySpec{
		{Name: "x:"}, {Name: "x:", Prefix: true}, {Name: "x:tag/", Prefix: true, Type: TypeNumeric},
	}}).compile()
	require.NoError(t, err)
	for _, tc := range []struct{ in, name string }{
		{"x:", "x:"},
		{"X:foo", "x:foo"},
		{"x:TAG/env", "x:tag/env"},
	} {
		name, _, err := sc.lookupKey(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.name, name)
	}
	_, k, err := sc.lookupKey("x:tag/a")
	require.NoError(t, err)
	assert.Equal(t, TypeNumeric, k.Type)
	_, k, err = sc.lookupKey("x:tag")
	require.NoError(t, err)
	assert.Equal(t, TypeString, k.Type)
}
