package policy

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPrecheck(t *testing.T) {
	schema := &Schema{
		Actions: []string{"kms:cmk:createDataKeyPair", "kms:cmk:decrypt"},
		Keys: []KeySpec{
			{Name: "kms:KeySpec"}, {Name: "kms:KeyOrigin"}, {Name: "kms:WithPlainText", Type: TypeBool},
		},
	}
	doc := `{"Version":"1.1","Statement":[
	  {"Sid":"NoPlain","Effect":"Deny","Action":"kms:cmk:*","Condition":{"Bool":{"kms:WithPlainText":true}}},
	  {"Sid":"NoExternal","Effect":"Deny","Action":"kms:cmk:*","Condition":{"StringEquals":{"kms:KeyOrigin":"external"}}},
	  {"Sid":"HSMOnly","Effect":"Allow","Action":"kms:cmk:createDataKeyPair","Condition":{"StringEquals":{"kms:KeyOrigin":"hsm","kms:KeySpec":"SM2"}}}
	]}`
	p, err := Compile([]byte(doc), schema)
	require.NoError(t, err)
	keyUnknown := func(k string) bool { return k == "kms:KeyOrigin" }
	req := func(action, spec, plain, origin string) *Request {
		ctx := map[string][]string{"kms:KeySpec": {spec}, "kms:WithPlainText": {plain}}
		if origin != "" {
			ctx["kms:KeyOrigin"] = []string{origin}
		}
		return &Request{Principal: "alice", Action: action, Resource: "r", Context: ctx}
	}
	for _, tc := range []struct {
		name   string
		r      *Request
		effect Effect
		stmt   string
	}{
		{"deny on known keys", req("kms:cmk:createDataKeyPair", "SM2", "true", ""), EffectDeny, "NoPlain"},
		{"no allow can match (spec)", req("kms:cmk:createDataKeyPair", "ECC_NIST_P256", "false", ""), EffectImplicitDeny, ""},
		{"no allow for the action", req("kms:cmk:decrypt", "SM2", "false", ""), EffectImplicitDeny, ""},
		{"undecided: the allow and a deny hang on the key", req("kms:cmk:createDataKeyPair", "SM2", "false", ""), "", ""},
	} {
		d := p.Precheck(tc.r, keyUnknown)
		assert.Equal(t, tc.effect, d.Effect, tc.name)
		assert.Equal(t, tc.stmt, d.Statement, tc.name)
		assert.Equal(t, tc.effect == "", d.Undecided(), tc.name)
		assert.False(t, d.Allowed, "a precheck never allows: %s", tc.name)
		set := Set{nil, p}.Precheck(tc.r, keyUnknown)
		assert.Equal(t, tc.effect, set.Effect, "set: %s", tc.name)
	}
	// Once the key is known, Evaluate settles the undecided one.
	assert.True(t, p.Evaluate(req("kms:cmk:createDataKeyPair", "SM2", "false", "hsm")).Allowed)
	d := p.Evaluate(req("kms:cmk:createDataKeyPair", "SM2", "false", "external"))
	assert.Equal(t, EffectDeny, d.Effect)
	assert.Equal(t, "NoExternal", d.Statement)
	assert.Equal(t, EffectImplicitDeny, p.Evaluate(req("kms:cmk:createDataKeyPair", "SM2", "false", "kms")).Effect)
}

// TestPrecheckAgreesWithEvaluate: with nothing unknown, Precheck refuses
// exactly what Evaluate refuses, over the evaluation table's cases; and
// with every key unknown it never refuses what Evaluate allows.
func TestPrecheckAgreesWithEvaluate(t *testing.T) {
	for _, pc := range evalCases {
		p, err := Compile([]byte(pc.policy), testSchema())
		require.NoError(t, err)
		for _, rc := range pc.reqs {
			full := p.Evaluate(&rc.req)
			pre := p.Precheck(&rc.req, nil)
			if full.Allowed {
				assert.True(t, pre.Undecided(), "%s/%s", pc.name, rc.name)
			} else {
				assert.Equal(t, full.Effect, pre.Effect, "%s/%s", pc.name, rc.name)
				assert.Equal(t, full.Statement, pre.Statement, "%s/%s", pc.name, rc.name)
			}
			all := p.Precheck(&rc.req, func(string) bool { return true })
			if full.Allowed {
				assert.True(t, all.Undecided(), "%s/%s: a precheck with every key unknown refused an allowed request", pc.name, rc.name)
			}
		}
	}
}
