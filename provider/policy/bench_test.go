package policy

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// benchDoc is a realistic 5-statement policy: two guard Denies, two
// scoped Allows, an admin Allow.
const benchDoc = `{
  "Version": "1.1",
  "Statement": [
    {"Sid": "DenyPlaintext", "Effect": "Deny", "Action": "kms:cmk:createDataKeyPair",
     "Condition": {"Bool": {"kms:PlaintextRequested": true},
                   "StringNotLike": {"kms:RecipientAttestation:PCR0": ["a1b2*", "c3d4*"]}}},
    {"Sid": "DenyWeakSpec", "Effect": "Deny", "Action": "kms:cmk:create*",
     "Condition": {"StringNotEquals": {"kms:KeySpec": ["ECC_NIST_P256", "ECC_NIST_P384", "ECC_SECG_P256K1", "SM2"]}}},
    {"Sid": "AllowDecrypt", "Effect": "Allow", "Action": "kms:cmk:decryptDataKeyPair",
     "Resource": ["kms:p1:key/*", "kms:p2:key/*"],
     "Condition": {"StringEqualsIgnoreCase": {"g:ResourceTag/env": "prod"},
                   "NumericLessThanEquals": {"kms:KeySize": 521}}},
    {"Sid": "AllowApps", "Effect": "Allow", "Principal": {"ecdkp": ["app-*", "svc-?"]},
     "Action": ["kms:cmk:createDataKeyPair", "kms:cmk:createDataKeyPairWithoutPlaintext"],
     "Resource": "kms:p1:key/*",
     "Condition": {"StringEquals": {"kms:EncryptionContext:tenant": ["t1", "t2"]},
                   "ForAllValues:StringLike": {"kms:EncryptionContextKeys": ["tenant", "app*"]}}},
    {"Sid": "AllowAdmin", "Effect": "Allow", "Principal": {"ecdkp": "admin"},
     "Action": ["kms:cmk:getKey", "kms:cmk:listKeys"]}
  ]
}`

// benchPolicy returns benchDoc and a request that goes through both Denies
// and the first Allow to land on AllowApps: close to the worst case.
func benchPolicy(tb testing.TB) (*Policy, *Request) {
	tb.Helper()
	p, err := Compile([]byte(benchDoc), testSchema())
	require.NoError(tb, err)
	return p, &Request{
		Principal: "app-billing",
		Action:    actCreate,
		Resource:  "kms:p1:key/0d0466b6-8ea4-4f3b-a8b8-2a4b1a2f5c9e",
		Context: map[string][]string{
			keySpec:             {"ECC_NIST_P256"},
			keyUsage:            {"ENCRYPT_DECRYPT"},
			keyPlaintext:        {"false"},
			prefixEC + "tenant": {"t1"},
			keyECKeys:           {"tenant", "appname"},
		},
	}
}

func BenchmarkEvaluate(b *testing.B) {
	p, req := benchPolicy(b)
	b.Run("allow", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !p.Evaluate(req).Allowed {
				b.Fatal("denied")
			}
		}
	})
	deny := *req
	deny.Context = map[string][]string{keySpec: {"ECC_NIST_P521"}}
	b.Run("deny", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if p.Evaluate(&deny).Effect != EffectDeny {
				b.Fatal("not denied")
			}
		}
	})
	none := *req
	none.Action = actGet
	b.Run("implicit-deny", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if p.Evaluate(&none).Effect != EffectImplicitDeny {
				b.Fatal("decided")
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	s := testSchema()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile([]byte(benchDoc), s); err != nil {
			b.Fatal(err)
		}
	}
}
