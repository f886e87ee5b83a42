package policy

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// evalCases: a policy and requests against it, each with the expected
// effect and deciding statement.
var evalCases = []struct {
	name   string
	policy string
	reqs   []evalReq
}{
	{
		name:   "allow all, single statement object",
		policy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*"}}`,
		reqs: []evalReq{
			{"any action", Request{Action: actDecrypt}, EffectAllow, "#0"},
			{"empty principal and resource", Request{Action: actCreate}, EffectAllow, "#0"},
			{"action not in the schema", Request{Action: "kms:cmk:other"}, EffectImplicitDeny, ""},
			{"action spelled in another case", Request{Action: "kms:cmk:getkey"}, EffectImplicitDeny, ""},
			{"empty action", Request{}, EffectImplicitDeny, ""},
		},
	},
	{
		name:   "default deny",
		policy: doc(`{"Sid":"Get","Effect":"Allow","Action":"kms:cmk:getKey"}`),
		reqs: []evalReq{
			{"named action", Request{Action: actGet}, EffectAllow, "Get"},
			{"other action", Request{Action: actDecrypt}, EffectImplicitDeny, ""},
		},
	},
	{
		name: "explicit deny over allow, wherever it is",
		policy: doc(
			`{"Sid":"All","Effect":"Allow","Action":"*"}`,
			`{"Sid":"NoDecrypt","Effect":"Deny","Action":"kms:cmk:decryptDataKeyPair"}`,
			`{"Effect":"Deny","Action":"kms:cmk:decryptDataKeyPair"}`,
			`{"Sid":"Second","Effect":"Allow","Action":"*"}`,
		),
		reqs: []evalReq{
			{"denied: first matching deny", Request{Action: actDecrypt}, EffectDeny, "NoDecrypt"},
			{"allowed: first matching allow", Request{Action: actCreate}, EffectAllow, "All"},
		},
	},
	{
		name: "deny whose condition fails does not deny",
		policy: doc(
			`{"Effect":"Allow","Action":"*"}`,
			`{"Sid":"DenyPlain","Effect":"Deny","Action":"kms:cmk:create*","Condition":{"Bool":{"kms:PlaintextRequested":true}}}`,
		),
		reqs: []evalReq{
			{"plaintext requested", Request{Action: actCreate, Context: ctx(keyPlaintext, "true")}, EffectDeny, "DenyPlain"},
			{"plaintext not requested", Request{Action: actCreate, Context: ctx(keyPlaintext, "false")}, EffectAllow, "#0"},
			{"key missing", Request{Action: actCreate}, EffectAllow, "#0"},
			{"other action", Request{Action: actDecrypt, Context: ctx(keyPlaintext, "true")}, EffectAllow, "#0"},
		},
	},
	{
		name:   "unnamed statements by index",
		policy: doc(`{"Sid":"A","Effect":"Allow","Action":"kms:cmk:getKey"}`, `{"Effect":"Allow","Action":"kms:cmk:listKeys"}`, `{"Effect":"Deny","Action":"kms:cmk:decrypt*"}`),
		reqs: []evalReq{
			{"second statement", Request{Action: actList}, EffectAllow, "#1"},
			{"third statement", Request{Action: actDecrypt}, EffectDeny, "#2"},
		},
	},
	{
		name:   "action wildcards, case-insensitive names",
		policy: doc(`{"Sid":"Create","Effect":"Allow","Action":"kms:cmk:create*"}`, `{"Sid":"Q","Effect":"Allow","Action":["kms:cmk:?etKey"]}`, `{"Sid":"Upper","Effect":"Allow","Action":"KMS:CMK:LISTKEYS"}`),
		reqs: []evalReq{
			{"star", Request{Action: actCreate}, EffectAllow, "Create"},
			{"star, longer name", Request{Action: actCreateNoPlain}, EffectAllow, "Create"},
			{"question mark", Request{Action: actGet}, EffectAllow, "Q"},
			{"upper-case action in the policy", Request{Action: actList}, EffectAllow, "Upper"},
			{"not matched", Request{Action: actDecrypt}, EffectImplicitDeny, ""},
		},
	},
	{
		name:   "NotAction",
		policy: doc(`{"Sid":"NotDecrypt","Effect":"Allow","NotAction":["kms:cmk:decrypt*","kms:cmk:listKeys"]}`),
		reqs: []evalReq{
			{"not named", Request{Action: actCreate}, EffectAllow, "NotDecrypt"},
			{"named", Request{Action: actDecrypt}, EffectImplicitDeny, ""},
			{"named second", Request{Action: actList}, EffectImplicitDeny, ""},
			{"unknown action", Request{Action: "kms:cmk:other"}, EffectImplicitDeny, ""},
		},
	},
	{
		name:   "Deny NotAction",
		policy: doc(`{"Effect":"Allow","Action":"*"}`, `{"Sid":"OnlyGet","Effect":"Deny","NotAction":"kms:cmk:getKey"}`),
		reqs: []evalReq{
			{"named", Request{Action: actGet}, EffectAllow, "#0"},
			{"not named", Request{Action: actCreate}, EffectDeny, "OnlyGet"},
		},
	},
	{
		name: "resources",
		policy: doc(
			`{"Sid":"P1","Effect":"Allow","Action":"*","Resource":"kms:p1:key/*"}`,
			`{"Sid":"List","Effect":"Allow","Action":"*","Resource":["kms:p2:key/k?","kms:p3:key/exact"]}`,
		),
		reqs: []evalReq{
			{"prefix", Request{Action: actGet, Resource: "kms:p1:key/abc"}, EffectAllow, "P1"},
			{"case-sensitive", Request{Action: actGet, Resource: "KMS:p1:key/abc"}, EffectImplicitDeny, ""},
			{"other project", Request{Action: actGet, Resource: "kms:p9:key/abc"}, EffectImplicitDeny, ""},
			{"question mark", Request{Action: actGet, Resource: "kms:p2:key/k1"}, EffectAllow, "List"},
			{"question mark is one char", Request{Action: actGet, Resource: "kms:p2:key/k12"}, EffectImplicitDeny, ""},
			{"exact in a list", Request{Action: actGet, Resource: "kms:p3:key/exact"}, EffectAllow, "List"},
			{"exact is exact", Request{Action: actGet, Resource: "kms:p3:key/exact2"}, EffectImplicitDeny, ""},
			{"empty resource", Request{Action: actGet}, EffectImplicitDeny, ""},
		},
	},
	{
		name:   "NotResource",
		policy: doc(`{"Effect":"Allow","Action":"*"}`, `{"Sid":"OnlyP1","Effect":"Deny","Action":"*","NotResource":"kms:p1:*"}`),
		reqs: []evalReq{
			{"in p1", Request{Action: actGet, Resource: "kms:p1:key/a"}, EffectAllow, "#0"},
			{"outside p1", Request{Action: actGet, Resource: "kms:p2:key/a"}, EffectDeny, "OnlyP1"},
		},
	},
	{
		name:   "NotResource star matches nothing",
		policy: doc(`{"Effect":"Allow","Action":"*","NotResource":"*"}`),
		reqs:   []evalReq{{"any", Request{Action: actGet, Resource: "x"}, EffectImplicitDeny, ""}},
	},
	{
		name: "principals",
		policy: doc(
			`{"Sid":"Alice","Effect":"Allow","Principal":{"ecdkp":"alice"},"Action":"kms:cmk:getKey"}`,
			`{"Sid":"Services","Effect":"Allow","Principal":{"ecdkp":["svc-*","bot?"]},"Action":"kms:cmk:listKeys"}`,
			`{"Sid":"Anyone","Effect":"Allow","Principal":"*","Action":"kms:cmk:createDataKeyPair"}`,
			`{"Sid":"NoBob","Effect":"Deny","Principal":{"ecdkp":"bob"},"Action":"*"}`,
		),
		reqs: []evalReq{
			{"alice", Request{Principal: "alice", Action: actGet}, EffectAllow, "Alice"},
			{"Alice is not alice", Request{Principal: "Alice", Action: actGet}, EffectImplicitDeny, ""},
			{"carol", Request{Principal: "carol", Action: actGet}, EffectImplicitDeny, ""},
			{"service pattern", Request{Principal: "svc-billing", Action: actList}, EffectAllow, "Services"},
			{"question mark pattern", Request{Principal: "bot7", Action: actList}, EffectAllow, "Services"},
			{"pattern, other action", Request{Principal: "svc-billing", Action: actGet}, EffectImplicitDeny, ""},
			{"star principal", Request{Principal: "carol", Action: actCreate}, EffectAllow, "Anyone"},
			{"star principal, empty", Request{Action: actCreate}, EffectAllow, "Anyone"},
			{"bob denied", Request{Principal: "bob", Action: actCreate}, EffectDeny, "NoBob"},
		},
	},
	{
		name:   "no Principal applies to every caller",
		policy: doc(`{"Effect":"Allow","Action":"*"}`),
		reqs: []evalReq{
			{"named", Request{Principal: "x", Action: actGet}, EffectAllow, "#0"},
			{"empty", Request{Action: actGet}, EffectAllow, "#0"},
		},
	},
	{
		name: "a realistic KMS policy",
		policy: doc(
			`{"Sid":"DenyPlaintext","Effect":"Deny","Action":"kms:cmk:createDataKeyPair","Condition":{
				"Bool":{"kms:PlaintextRequested":true},
				"StringNotLike":{"kms:RecipientAttestation:PCR0":"a1b2*"}}}`,
			`{"Sid":"DenyWeakSpec","Effect":"Deny","Action":"kms:cmk:create*","Condition":{
				"StringNotEquals":{"kms:KeySpec":["ECC_NIST_P256","ECC_NIST_P384","SM2"]}}}`,
			`{"Sid":"AllowApps","Effect":"Allow","Principal":{"ecdkp":["app-*"]},"Action":"kms:cmk:create*","Resource":"kms:p1:key/*","Condition":{
				"StringEquals":{"kms:EncryptionContext:tenant":["t1","t2"]},
				"ForAllValues:StringLike":{"kms:EncryptionContextKeys":["tenant","app*"]},
				"Null":{"kms:EncryptionContextKeys":false}}}`,
		),
		reqs: []evalReq{
			{"app, no plaintext", Request{Principal: "app-1", Action: actCreate, Resource: "kms:p1:key/k", Context: map[string][]string{
				keySpec: {"SM2"}, keyPlaintext: {"false"}, prefixEC + "tenant": {"t1"}, keyECKeys: {"tenant", "appname"},
			}}, EffectAllow, "AllowApps"},
			{"plaintext without attestation", Request{Principal: "app-1", Action: actCreate, Resource: "kms:p1:key/k", Context: map[string][]string{
				keySpec: {"SM2"}, keyPlaintext: {"true"}, prefixEC + "tenant": {"t1"}, keyECKeys: {"tenant"},
			}}, EffectDeny, "DenyPlaintext"},
			{"plaintext to an attested enclave", Request{Principal: "app-1", Action: actCreate, Resource: "kms:p1:key/k", Context: map[string][]string{
				keySpec: {"SM2"}, keyPlaintext: {"true"}, prefixAttest + "PCR0": {"a1b2c3"}, prefixEC + "tenant": {"t1"}, keyECKeys: {"tenant"},
			}}, EffectAllow, "AllowApps"},
			{"weak spec", Request{Principal: "app-1", Action: actCreateNoPlain, Resource: "kms:p1:key/k", Context: map[string][]string{
				keySpec: {"ECC_NIST_P521"}, prefixEC + "tenant": {"t1"}, keyECKeys: {"tenant"},
			}}, EffectDeny, "DenyWeakSpec"},
			{"no key spec at all", Request{Principal: "app-1", Action: actCreateNoPlain, Resource: "kms:p1:key/k"}, EffectDeny, "DenyWeakSpec"},
			{"other tenant", Request{Principal: "app-1", Action: actCreate, Resource: "kms:p1:key/k", Context: map[string][]string{
				keySpec: {"SM2"}, prefixEC + "tenant": {"t3"}, keyECKeys: {"tenant"},
			}}, EffectImplicitDeny, ""},
			{"extra context key", Request{Principal: "app-1", Action: actCreate, Resource: "kms:p1:key/k", Context: map[string][]string{
				keySpec: {"SM2"}, prefixEC + "tenant": {"t1"}, keyECKeys: {"tenant", "other"},
			}}, EffectImplicitDeny, ""},
			{"no context keys: Null false guards ForAllValues", Request{Principal: "app-1", Action: actCreate, Resource: "kms:p1:key/k", Context: map[string][]string{
				keySpec: {"SM2"}, prefixEC + "tenant": {"t1"},
			}}, EffectImplicitDeny, ""},
		},
	},
}

type evalReq struct {
	name      string
	req       Request
	effect    Effect
	statement string
}

func TestEvaluate(t *testing.T) {
	for _, pc := range evalCases {
		t.Run(pc.name, func(t *testing.T) {
			p, err := Compile([]byte(pc.policy), testSchema())
			require.NoError(t, err)
			for _, rc := range pc.reqs {
				t.Run(rc.name, func(t *testing.T) {
					d := p.Evaluate(&rc.req)
					assert.Equal(t, rc.effect, d.Effect)
					assert.Equal(t, rc.statement, d.Statement)
					assert.Equal(t, rc.effect == EffectAllow, d.Allowed)
					if rc.effect == EffectImplicitDeny {
						assert.Equal(t, -1, d.Policy)
					} else {
						assert.Equal(t, 0, d.Policy)
					}
					// One policy in a Set decides the same.
					assert.Equal(t, d, Set{p}.Evaluate(&rc.req))
				})
			}
		})
	}
}

func TestEvaluateNil(t *testing.T) {
	var p *Policy
	assert.Equal(t, EffectImplicitDeny, p.Evaluate(&Request{Action: actGet}).Effect)
	p, err := Compile([]byte(doc(`{"Effect":"Allow","Action":"*"}`)), testSchema())
	require.NoError(t, err)
	assert.Equal(t, EffectImplicitDeny, p.Evaluate(nil).Effect)
	assert.Equal(t, EffectImplicitDeny, Set{p}.Evaluate(nil).Effect)
	assert.Equal(t, EffectAllow, Set{nil, p}.Evaluate(&Request{Action: actGet}).Effect)
	assert.Equal(t, EffectImplicitDeny, Set(nil).Evaluate(&Request{Action: actGet}).Effect)
}

func TestSet(t *testing.T) {
	s := testSchema()
	parse := func(d string) *Policy {
		p, err := Compile([]byte(d), s)
		require.NoError(t, err)
		return p
	}
	admins := parse(doc(`{"Sid":"Admin","Effect":"Allow","Action":"*"}`))
	guard := parse(doc(`{"Sid":"ReadOnly","Effect":"Allow","Action":"kms:cmk:getKey"}`, `{"Sid":"NoDecrypt","Effect":"Deny","Action":"kms:cmk:decrypt*"}`))
	set := Set{admins, guard}
	for _, tc := range []struct {
		name   string
		action string
		want   Decision
	}{
		{"deny in the second policy wins over allow in the first", actDecrypt, Decision{Effect: EffectDeny, Policy: 1, Statement: "NoDecrypt"}},
		{"first allow", actGet, Decision{Allowed: true, Effect: EffectAllow, Policy: 0, Statement: "Admin"}},
		{"unknown action", "x", Decision{Effect: EffectImplicitDeny, Policy: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, set.Evaluate(&Request{Action: tc.action}))
		})
	}
	only := Set{guard, parse(doc(`{"Sid":"List","Effect":"Allow","Action":"kms:cmk:listKeys"}`))}
	assert.Equal(t, Decision{Allowed: true, Effect: EffectAllow, Policy: 1, Statement: "List"}, only.Evaluate(&Request{Action: actList}))
	assert.Equal(t, Decision{Effect: EffectImplicitDeny, Policy: -1}, only.Evaluate(&Request{Action: actCreate}))
}

func TestDecisionString(t *testing.T) {
	assert.Equal(t, `Deny by policy 1 statement "NoDecrypt"`, Decision{Effect: EffectDeny, Policy: 1, Statement: "NoDecrypt"}.String())
	assert.Equal(t, `Allow by policy 0 statement "#2"`, Decision{Allowed: true, Effect: EffectAllow, Statement: "#2"}.String())
	assert.Equal(t, "ImplicitDeny (no statement matched)", implicitDeny.String())
}

// The schema is copied at Parse: changing it afterwards changes nothing.
func TestSchemaCopied(t *testing.T) {
	s := testSchema()
	p, err := Compile([]byte(doc(`{"Effect":"Allow","Action":"kms:cmk:getKey","Condition":{"StringEquals":{"kms:RecipientAttestation:pcr1":"x"}}}`)), s)
	require.NoError(t, err)
	s.Actions[3] = "kms:cmk:changed"
	s.Keys[7].Suffixes[2] = "changed"
	assert.Equal(t, EffectAllow, p.Evaluate(&Request{Action: actGet, Context: ctx(prefixAttest+"PCR1", "x")}).Effect)
}

func TestEvaluateDoesNotAllocate(t *testing.T) {
	p, req := benchPolicy(t)
	allocs := testing.AllocsPerRun(100, func() { _ = p.Evaluate(req) })
	assert.Zero(t, allocs)
	set := Set{p, p}
	allocs = testing.AllocsPerRun(100, func() { _ = set.Evaluate(req) })
	assert.Zero(t, allocs)
}

func TestEvaluateConcurrent(t *testing.T) {
	p, req := benchPolicy(t)
	want := p.Evaluate(req)
	require.Equal(t, EffectAllow, want.Effect)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				if d := p.Evaluate(req); d != want {
					t.Errorf("got %v, want %v", d, want)
					return
				}
			}
		})
	}
	wg.Wait()
}
