package policy_test

import (
	"fmt"

	"github.com/ecdkp/ecdkp/provider/policy"
)

func Example() {
	schema := &policy.Schema{
		Actions: []string{"kms:cmk:createDataKeyPair", "kms:cmk:decryptDataKeyPair"},
		Keys: []policy.KeySpec{
			{Name: "kms:KeySpec"},
			{Name: "kms:PlaintextRequested", Type: policy.TypeBool},
			{Name: "kms:EncryptionContext:", Prefix: true},
		},
	}
	p, err := policy.Compile([]byte(`{
	  "Version": "1.1",
	  "Statement": [
	    {"Sid": "AllowApps", "Effect": "Allow", "Principal": {"ecdkp": "app-*"},
	     "Action": "kms:cmk:*", "Resource": "kms:p1:key/*",
	     "Condition": {"StringEquals": {"kms:EncryptionContext:tenant": "t1"}}},
	    {"Sid": "DenyPlaintext", "Effect": "Deny", "Action": "kms:cmk:createDataKeyPair",
	     "Condition": {"Bool": {"kms:PlaintextRequested": true}}}
	  ]
	}`), schema)
	if err != nil {
		fmt.Println(err)
		return
	}
	req := &policy.Request{
		Principal: "app-billing",
		Action:    "kms:cmk:createDataKeyPair",
		Resource:  "kms:p1:key/1234",
		Context: map[string][]string{
			"kms:EncryptionContext:tenant": {"t1"},
			"kms:PlaintextRequested":       {"false"},
		},
	}
	fmt.Println(p.Evaluate(req))
	req.Context["kms:PlaintextRequested"] = []string{"true"}
	fmt.Println(p.Evaluate(req))
	req.Principal = "bob"
	req.Context["kms:PlaintextRequested"] = []string{"false"}
	fmt.Println(p.Evaluate(req))

	_, err = policy.Compile([]byte(`{"Version":"1.1","Statement":[
	  {"Sid":"Typo","Effect":"Allow","Action":"kms:cmk:*","Condition":{"StringEqual":{"kms:KeySpec":"SM2"}}}]}`), schema)
	fmt.Println(err)
	// Output:
	// Allow by policy 0 statement "AllowApps"
	// Deny by policy 0 statement "DenyPlaintext"
	// ImplicitDeny (no statement matched)
	// policy: statement 0 (Sid "Typo"): unknown condition operator "StringEqual" (line 2)
}
