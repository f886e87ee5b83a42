package policy

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// conditionCases: one operator block {op: {key: values}} on an Allow-all
// statement, a request context, and whether the condition holds (Allow)
// or not (ImplicitDeny).
var conditionCases = []struct {
	name   string
	op     string
	key    string
	values string // JSON
	ctx    map[string][]string
	want   bool
}{
	// StringEquals: exact, case-sensitive; values ORed; missing key false.
	{"StringEquals match", "StringEquals", keySpec, `"SM2"`, ctx(keySpec, "SM2"), true},
	{"StringEquals other case", "StringEquals", keySpec, `"SM2"`, ctx(keySpec, "sm2"), false},
	{"StringEquals list ORed", "StringEquals", keySpec, `["SM2","ECC_NIST_P256"]`, ctx(keySpec, "ECC_NIST_P256"), true},
	{"StringEquals list no match", "StringEquals", keySpec, `["SM2","ECC_NIST_P256"]`, ctx(keySpec, "ECC_NIST_P384"), false},
	{"StringEquals missing", "StringEquals", keySpec, `"SM2"`, nil, false},
	{"StringEquals empty value set is missing", "StringEquals", keySpec, `"SM2"`, map[string][]string{keySpec: {}}, false},
	{"StringEquals no wildcard meaning", "StringEquals", keySpec, `"SM*"`, ctx(keySpec, "SM2"), false},
	{"StringEquals literal star", "StringEquals", keySpec, `"SM*"`, ctx(keySpec, "SM*"), true},
	{"StringEquals empty string value", "StringEquals", keySpec, `"x"`, ctx(keySpec, ""), false},
	{"StringEqualsIfExists missing", "StringEqualsIfExists", keySpec, `"SM2"`, nil, true},
	{"StringEqualsIfExists present match", "StringEqualsIfExists", keySpec, `"SM2"`, ctx(keySpec, "SM2"), true},
	{"StringEqualsIfExists present other", "StringEqualsIfExists", keySpec, `"SM2"`, ctx(keySpec, "X"), false},

	// StringNotEquals: NOR of the values; a missing key makes it true.
	{"StringNotEquals equal", "StringNotEquals", keySpec, `["SM2","ECC_NIST_P256"]`, ctx(keySpec, "SM2"), false},
	{"StringNotEquals second equal (NOR)", "StringNotEquals", keySpec, `["SM2","ECC_NIST_P256"]`, ctx(keySpec, "ECC_NIST_P256"), false},
	{"StringNotEquals other", "StringNotEquals", keySpec, `["SM2","ECC_NIST_P256"]`, ctx(keySpec, "ECC_NIST_P384"), true},
	{"StringNotEquals case differs", "StringNotEquals", keySpec, `"SM2"`, ctx(keySpec, "sm2"), true},
	{"StringNotEquals missing is true", "StringNotEquals", keySpec, `"SM2"`, nil, true},
	{"StringNotEqualsIfExists missing", "StringNotEqualsIfExists", keySpec, `"SM2"`, nil, true},
	{"StringNotEqualsIfExists present equal", "StringNotEqualsIfExists", keySpec, `"SM2"`, ctx(keySpec, "SM2"), false},
	{"StringNotEqualsIfExists present other", "StringNotEqualsIfExists", keySpec, `"SM2"`, ctx(keySpec, "X"), true},

	// IgnoreCase.
	{"StringEqualsIgnoreCase", "StringEqualsIgnoreCase", keySpec, `"sm2"`, ctx(keySpec, "SM2"), true},
	{"StringEqualsIgnoreCase other", "StringEqualsIgnoreCase", keySpec, `"sm2"`, ctx(keySpec, "SM3"), false},
	{"StringEqualsIgnoreCase missing", "StringEqualsIgnoreCase", keySpec, `"sm2"`, nil, false},
	{"StringEqualsIgnoreCaseIfExists missing", "StringEqualsIgnoreCaseIfExists", keySpec, `"sm2"`, nil, true},
	{"StringEqualsIgnoreCaseIfExists other", "StringEqualsIgnoreCaseIfExists", keySpec, `"sm2"`, ctx(keySpec, "SM3"), false},
	{"StringNotEqualsIgnoreCase equal", "StringNotEqualsIgnoreCase", keySpec, `"sm2"`, ctx(keySpec, "Sm2"), false},
	{"StringNotEqualsIgnoreCase other", "StringNotEqualsIgnoreCase", keySpec, `"sm2"`, ctx(keySpec, "SM3"), true},
	{"StringNotEqualsIgnoreCase missing", "StringNotEqualsIgnoreCase", keySpec, `"sm2"`, nil, true},
	{"StringNotEqualsIgnoreCaseIfExists present", "StringNotEqualsIgnoreCaseIfExists", keySpec, `"sm2"`, ctx(keySpec, "SM2"), false},
	{"StringNotEqualsIgnoreCaseIfExists missing", "StringNotEqualsIgnoreCaseIfExists", keySpec, `"sm2"`, nil, true},

	// StringLike: '*' any run (empty too), '?' one rune; case-sensitive.
	{"StringLike star", "StringLike", keySpec, `"ECC_*"`, ctx(keySpec, "ECC_NIST_P256"), true},
	{"StringLike star empty", "StringLike", keySpec, `"ECC_*"`, ctx(keySpec, "ECC_"), true},
	{"StringLike star no match", "StringLike", keySpec, `"ECC_*"`, ctx(keySpec, "SM2"), false},
	{"StringLike case-sensitive", "StringLike", keySpec, `"ecc_*"`, ctx(keySpec, "ECC_NIST_P256"), false},
	{"StringLike question", "StringLike", keySpec, `"?M2"`, ctx(keySpec, "SM2"), true},
	{"StringLike question needs one", "StringLike", keySpec, `"?M2"`, ctx(keySpec, "M2"), false},
	{"StringLike question one rune", "StringLike", keySpec, `"?2"`, ctx(keySpec, "é2"), true},
	{"StringLike inner star", "StringLike", keySpec, `"E*_P*6"`, ctx(keySpec, "ECC_NIST_P256"), true},
	{"StringLike inner star no match", "StringLike", keySpec, `"E*_P*7"`, ctx(keySpec, "ECC_NIST_P256"), false},
	{"StringLike list ORed", "StringLike", keySpec, `["SM*","ECC_*"]`, ctx(keySpec, "ECC_NIST_P256"), true},
	{"StringLike missing", "StringLike", keySpec, `"*"`, nil, false},
	{"StringLike star matches empty value", "StringLike", keySpec, `"*"`, ctx(keySpec, ""), true},
	{"StringLikeIfExists missing", "StringLikeIfExists", keySpec, `"ECC_*"`, nil, true},
	{"StringLikeIfExists no match", "StringLikeIfExists", keySpec, `"ECC_*"`, ctx(keySpec, "SM2"), false},
	{"StringNotLike no match", "StringNotLike", keySpec, `"ECC_*"`, ctx(keySpec, "SM2"), true},
	{"StringNotLike match", "StringNotLike", keySpec, `"ECC_*"`, ctx(keySpec, "ECC_X"), false},
	{"StringNotLike NOR", "StringNotLike", keySpec, `["SM*","ECC_*"]`, ctx(keySpec, "SM2"), false},
	{"StringNotLike missing", "StringNotLike", keySpec, `"ECC_*"`, nil, true},
	{"StringNotLikeIfExists match", "StringNotLikeIfExists", keySpec, `"ECC_*"`, ctx(keySpec, "ECC_X"), false},
	{"StringNotLikeIfExists missing", "StringNotLikeIfExists", keySpec, `"ECC_*"`, nil, true},

	// Numeric: JSON numbers or strings; integers exact.
	{"NumericEquals", "NumericEquals", keySize, `256`, ctx(keySize, "256"), true},
	{"NumericEquals string value", "NumericEquals", keySize, `"256"`, ctx(keySize, "256"), true},
	{"NumericEquals int vs float", "NumericEquals", keySize, `256`, ctx(keySize, "256.0"), true},
	{"NumericEquals exponent", "NumericEquals", keySize, `1000`, ctx(keySize, "1E3"), true},
	{"NumericEquals negative zero", "NumericEquals", keySize, `0`, ctx(keySize, "-0"), true},
	{"NumericEquals other", "NumericEquals", keySize, `256`, ctx(keySize, "257"), false},
	{"NumericEquals big ints exact", "NumericEquals", keySize, `9007199254740993`, ctx(keySize, "9007199254740992"), false},
	{"NumericEquals big ints equal", "NumericEquals", keySize, `9007199254740993`, ctx(keySize, "9007199254740993"), true},
	{"NumericEquals request not a number", "NumericEquals", keySize, `256`, ctx(keySize, "abc"), false},
	{"NumericEquals request hex", "NumericEquals", keySize, `16`, ctx(keySize, "0x10"), false},
	{"NumericEquals request padded", "NumericEquals", keySize, `16`, ctx(keySize, " 16"), false},
	{"NumericEquals missing", "NumericEquals", keySize, `256`, nil, false},
	{"NumericEqualsIfExists missing", "NumericEqualsIfExists", keySize, `256`, nil, true},
	{"NumericEqualsIfExists other", "NumericEqualsIfExists", keySize, `256`, ctx(keySize, "1"), false},
	{"NumericNotEquals NOR", "NumericNotEquals", keySize, `[256,384]`, ctx(keySize, "384"), false},
	{"NumericNotEquals other", "NumericNotEquals", keySize, `[256,384]`, ctx(keySize, "521"), true},
	{"NumericNotEquals request not a number", "NumericNotEquals", keySize, `256`, ctx(keySize, "abc"), true},
	{"NumericNotEquals missing", "NumericNotEquals", keySize, `256`, nil, true},
	{"NumericNotEqualsIfExists equal", "NumericNotEqualsIfExists", keySize, `256`, ctx(keySize, "256"), false},
	{"NumericLessThan less", "NumericLessThan", keySize, `384`, ctx(keySize, "256"), true},
	{"NumericLessThan equal", "NumericLessThan", keySize, `384`, ctx(keySize, "384"), false},
	{"NumericLessThan negative", "NumericLessThan", keySize, `0`, ctx(keySize, "-1"), true},
	{"NumericLessThan fraction", "NumericLessThan", keySize, `1.5`, ctx(keySize, "1.49"), true},
	{"NumericLessThan missing", "NumericLessThan", keySize, `384`, nil, false},
	{"NumericLessThanIfExists missing", "NumericLessThanIfExists", keySize, `384`, nil, true},
	{"NumericLessThanIfExists greater", "NumericLessThanIfExists", keySize, `384`, ctx(keySize, "521"), false},
	{"NumericLessThanEquals equal", "NumericLessThanEquals", keySize, `384`, ctx(keySize, "384"), true},
	{"NumericLessThanEquals greater", "NumericLessThanEquals", keySize, `384`, ctx(keySize, "385"), false},
	{"NumericLessThanEqualsIfExists missing", "NumericLessThanEqualsIfExists", keySize, `384`, nil, true},
	{"NumericGreaterThan equal", "NumericGreaterThan", keySize, `256`, ctx(keySize, "256"), false},
	{"NumericGreaterThan fraction", "NumericGreaterThan", keySize, `256`, ctx(keySize, "256.5"), true},
	{"NumericGreaterThan list ORed", "NumericGreaterThan", keySize, `[1000, 300]`, ctx(keySize, "384"), true},
	{"NumericGreaterThanIfExists missing", "NumericGreaterThanIfExists", keySize, `256`, nil, true},
	{"NumericGreaterThanIfExists less", "NumericGreaterThanIfExists", keySize, `256`, ctx(keySize, "1"), false},
	{"NumericGreaterThanEquals equal", "NumericGreaterThanEquals", keySize, `256`, ctx(keySize, "256"), true},
	{"NumericGreaterThanEquals less", "NumericGreaterThanEquals", keySize, `256`, ctx(keySize, "255.99"), false},
	{"NumericGreaterThanEquals missing", "NumericGreaterThanEquals", keySize, `256`, nil, false},
	{"NumericGreaterThanEqualsIfExists missing", "NumericGreaterThanEqualsIfExists", keySize, `256`, nil, true},

	// Bool: JSON booleans or strings; request "true"/"false" in any case.
	{"Bool true", "Bool", keyPlaintext, `true`, ctx(keyPlaintext, "true"), true},
	{"Bool string policy value", "Bool", keyPlaintext, `"true"`, ctx(keyPlaintext, "TRUE"), true},
	{"Bool false request", "Bool", keyPlaintext, `true`, ctx(keyPlaintext, "false"), false},
	{"Bool false", "Bool", keyPlaintext, `false`, ctx(keyPlaintext, "false"), true},
	{"Bool request not a bool", "Bool", keyPlaintext, `true`, ctx(keyPlaintext, "yes"), false},
	{"Bool missing", "Bool", keyPlaintext, `true`, nil, false},
	{"BoolIfExists missing", "BoolIfExists", keyPlaintext, `true`, nil, true},
	{"BoolIfExists false", "BoolIfExists", keyPlaintext, `true`, ctx(keyPlaintext, "false"), false},

	// Null.
	{"Null true missing", "Null", keySpec, `true`, nil, true},
	{"Null true empty set", "Null", keySpec, `true`, map[string][]string{keySpec: {}}, true},
	{"Null true present", "Null", keySpec, `true`, ctx(keySpec, "SM2"), false},
	{"Null true present empty string", "Null", keySpec, `true`, ctx(keySpec, ""), false},
	{"Null false present", "Null", keySpec, `"false"`, ctx(keySpec, "SM2"), true},
	{"Null false missing", "Null", keySpec, `false`, nil, false},
	{"Null on a multivalued key", "Null", keyECKeys, `false`, map[string][]string{keyECKeys: {"a"}}, true},
	{"Null false on an empty multivalued key", "Null", keyECKeys, `false`, map[string][]string{keyECKeys: {}}, false},
	{"Null on a Bool key", "Null", keyPlaintext, `true`, nil, true},

	// Multivalued keys: ForAnyValue / ForAllValues.
	{"ForAnyValue:StringEquals one", "ForAnyValue:StringEquals", keyECKeys, `["a","b"]`, map[string][]string{keyECKeys: {"x", "a"}}, true},
	{"ForAnyValue:StringEquals none", "ForAnyValue:StringEquals", keyECKeys, `["a","b"]`, map[string][]string{keyECKeys: {"x", "y"}}, false},
	{"ForAnyValue:StringEquals missing", "ForAnyValue:StringEquals", keyECKeys, `["a","b"]`, nil, false},
	{"ForAnyValue:StringEquals empty set", "ForAnyValue:StringEquals", keyECKeys, `["a","b"]`, map[string][]string{keyECKeys: {}}, false},
	{"ForAnyValue:StringEqualsIfExists missing", "ForAnyValue:StringEqualsIfExists", keyECKeys, `"a"`, nil, true},
	{"ForAllValues:StringEquals all", "ForAllValues:StringEquals", keyECKeys, `["a","b"]`, map[string][]string{keyECKeys: {"b", "a"}}, true},
	{"ForAllValues:StringEquals one outside", "ForAllValues:StringEquals", keyECKeys, `["a","b"]`, map[string][]string{keyECKeys: {"a", "x"}}, false},
	{"ForAllValues:StringEquals missing", "ForAllValues:StringEquals", keyECKeys, `["a","b"]`, nil, true},
	{"ForAllValues:StringEquals empty set", "ForAllValues:StringEquals", keyECKeys, `["a","b"]`, map[string][]string{keyECKeys: {}}, true},
	{"ForAllValues:StringEqualsIfExists other", "ForAllValues:StringEqualsIfExists", keyECKeys, `"a"`, map[string][]string{keyECKeys: {"x"}}, false},
	{"ForAnyValue:StringNotEquals one outside", "ForAnyValue:StringNotEquals", keyECKeys, `["a","b"]`, map[string][]string{keyECKeys: {"a", "x"}}, true},
	{"ForAnyValue:StringNotEquals all inside", "ForAnyValue:StringNotEquals", keyECKeys, `["a","b"]`, map[string][]string{keyECKeys: {"a", "b"}}, false},
	{"ForAnyValue:StringNotEquals missing", "ForAnyValue:StringNotEquals", keyECKeys, `"a"`, nil, false},
	{"ForAllValues:StringNotEquals none inside", "ForAllValues:StringNotEquals", keyECKeys, `["a","b"]`, map[string][]string{keyECKeys: {"x", "y"}}, true},
	{"ForAllValues:StringNotEquals one inside", "ForAllValues:StringNotEquals", keyECKeys, `["a","b"]`, map[string][]string{keyECKeys: {"x", "a"}}, false},
	{"ForAllValues:StringNotEquals missing", "ForAllValues:StringNotEquals", keyECKeys, `"a"`, nil, true},
	{"ForAllValues:StringLike", "ForAllValues:StringLike", keyECKeys, `["app*","tenant"]`, map[string][]string{keyECKeys: {"app1", "tenant"}}, true},
	{"ForAllValues:StringLike one outside", "ForAllValues:StringLike", keyECKeys, `"app*"`, map[string][]string{keyECKeys: {"app1", "x"}}, false},
	{"ForAnyValue:StringLikeIfExists missing", "ForAnyValue:StringLikeIfExists", keyECKeys, `"app*"`, nil, true},
	{"ForAnyValue:StringNotLike", "ForAnyValue:StringNotLike", keyECKeys, `"app*"`, map[string][]string{keyECKeys: {"app1", "x"}}, true},
	{"ForAllValues:StringNotLike", "ForAllValues:StringNotLike", keyECKeys, `"app*"`, map[string][]string{keyECKeys: {"app1", "x"}}, false},
	{"ForAnyValue:StringEqualsIgnoreCase", "ForAnyValue:StringEqualsIgnoreCase", keyECKeys, `"TENANT"`, map[string][]string{keyECKeys: {"x", "tenant"}}, true},
	{"ForAllValues:StringNotEqualsIgnoreCase", "ForAllValues:StringNotEqualsIgnoreCase", keyECKeys, `"TENANT"`, map[string][]string{keyECKeys: {"x", "tenant"}}, false},
	{"ForAnyValue:NumericGreaterThan", "ForAnyValue:NumericGreaterThan", keyNumbers, `10`, map[string][]string{keyNumbers: {"1", "20"}}, true},
	{"ForAnyValue:NumericGreaterThan none", "ForAnyValue:NumericGreaterThan", keyNumbers, `10`, map[string][]string{keyNumbers: {"1", "2"}}, false},
	{"ForAnyValue:NumericGreaterThan not numbers", "ForAnyValue:NumericGreaterThan", keyNumbers, `10`, map[string][]string{keyNumbers: {"abc"}}, false},
	{"ForAllValues:NumericLessThan", "ForAllValues:NumericLessThan", keyNumbers, `10`, map[string][]string{keyNumbers: {"1", "2"}}, true},
	{"ForAllValues:NumericLessThan one over", "ForAllValues:NumericLessThan", keyNumbers, `10`, map[string][]string{keyNumbers: {"1", "20"}}, false},
	{"ForAllValues:NumericLessThan missing", "ForAllValues:NumericLessThan", keyNumbers, `10`, nil, true},
	{"ForAllValues:NumericLessThanEqualsIfExists", "ForAllValues:NumericLessThanEqualsIfExists", keyNumbers, `10`, map[string][]string{keyNumbers: {"10"}}, true},
	{"ForAnyValue:NumericNotEquals", "ForAnyValue:NumericNotEquals", keyNumbers, `1`, map[string][]string{keyNumbers: {"1", "2"}}, true},
	{"ForAnyValue:NumericNotEquals all equal", "ForAnyValue:NumericNotEquals", keyNumbers, `1`, map[string][]string{keyNumbers: {"1", "1.0"}}, false},
	{"ForAllValues:NumericEquals", "ForAllValues:NumericEquals", keyNumbers, `[1,2]`, map[string][]string{keyNumbers: {"2", "1"}}, true},
	{"ForAnyValue:NumericGreaterThanEquals", "ForAnyValue:NumericGreaterThanEquals", keyNumbers, `5`, map[string][]string{keyNumbers: {"5"}}, true},
	{"ForAnyValue:NumericLessThanEquals", "ForAnyValue:NumericLessThanEquals", keyNumbers, `5`, map[string][]string{keyNumbers: {"6"}}, false},

	// A single-valued key that somehow carries several values.
	{"several values positive: one matches", "StringEquals", keySpec, `"SM2"`, map[string][]string{keySpec: {"X", "SM2"}}, true},
	{"several values negated: one matches", "StringNotEquals", keySpec, `"SM2"`, map[string][]string{keySpec: {"X", "SM2"}}, false},

	// Key names: case-insensitive, looked up under the schema's spelling;
	// prefix suffixes kept as written unless the schema lists them.
	{"key name any case", "StringEquals", "KMS:keyspec", `"SM2"`, ctx(keySpec, "SM2"), true},
	{"key under another spelling in the request", "StringEquals", keySpec, `"SM2"`, ctx("kms:keyspec", "SM2"), false},
	{"prefix key", "StringEquals", prefixEC + "tenant", `"t1"`, ctx(prefixEC+"tenant", "t1"), true},
	{"prefix key prefix any case", "StringEquals", "KMS:encryptioncontext:tenant", `"t1"`, ctx(prefixEC+"tenant", "t1"), true},
	{"prefix key suffix case-sensitive", "StringEquals", prefixEC + "Tenant", `"t1"`, ctx(prefixEC+"tenant", "t1"), false},
	{"prefix key missing", "StringEquals", prefixEC + "tenant", `"t1"`, ctx(prefixEC+"other", "t1"), false},
	{"listed suffix any case", "StringEquals", "kms:recipientattestation:pcr0", `"ab"`, ctx(prefixAttest+"PCR0", "ab"), true},
	{"tag key", "StringEqualsIgnoreCase", prefixTag + "env", `"PROD"`, ctx(prefixTag+"env", "prod"), true},
}

func TestConditionOperators(t *testing.T) {
	for _, tc := range conditionCases {
		t.Run(tc.name, func(t *testing.T) {
			d := `{"Version":"1.1","Statement":{"Effect":"Allow","Action":"*","Condition":{"` +
				tc.op + `":{"` + tc.key + `":` + tc.values + `}}}}`
			p, err := Compile([]byte(d), testSchema())
			require.NoError(t, err)
			got := p.Evaluate(&Request{Action: actCreate, Context: tc.ctx})
			want := EffectImplicitDeny
			if tc.want {
				want = EffectAllow
			}
			assert.Equal(t, want, got.Effect)
			assert.Equal(t, tc.want, got.Allowed)
		})
	}
}

// Every operator, with and without IfExists and the set qualifiers, is in
// the table above: a new operator without a test fails here.
func TestConditionCasesCoverEveryOperator(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range conditionCases {
		seen[tc.op] = true
	}
	for base, info := range operators {
		names := []string{base}
		if info.op != opNull {
			names = append(names, base+"IfExists")
		}
		if info.op != opNull && info.op != opBool {
			names = append(names, qualAny+base, qualAll+base)
		}
		for _, n := range names {
			_, err := parseOperator(n)
			require.NoError(t, err, n)
			if n == base || n == base+"IfExists" {
				assert.True(t, seen[n], "no condition case for %s", n)
			}
		}
		if info.op != opNull && info.op != opBool {
			assert.True(t, seen[qualAny+base] || seen[qualAny+base+"IfExists"] || seen[qualAll+base] || seen[qualAll+base+"IfExists"], "no set case for %s", base)
		}
	}
}

func TestConditionBlocksAreANDed(t *testing.T) {
	p, err := Compile([]byte(doc(`{"Effect":"Allow","Action":"*","Condition":{
		"StringEquals":{"kms:KeySpec":"SM2","kms:KeyUsage":"ENCRYPT_DECRYPT"},
		"NumericLessThan":{"kms:KeySize":300}}}`)), testSchema())
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		ctx  map[string][]string
		want Effect
	}{
		{"all hold", ctx(keySpec, "SM2", keyUsage, "ENCRYPT_DECRYPT", keySize, "256"), EffectAllow},
		{"second key of a block fails", ctx(keySpec, "SM2", keyUsage, "SIGN_VERIFY", keySize, "256"), EffectImplicitDeny},
		{"second operator fails", ctx(keySpec, "SM2", keyUsage, "ENCRYPT_DECRYPT", keySize, "384"), EffectImplicitDeny},
		{"a key missing", ctx(keySpec, "SM2", keySize, "256"), EffectImplicitDeny},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, p.Evaluate(&Request{Action: actGet, Context: tc.ctx}).Effect)
		})
	}
}
