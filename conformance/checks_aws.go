package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ecdkp/ecdkp/conformance/internal/vectors"
	"github.com/ecdkp/ecdkp/provider"
)

// awsChecks are the checks of the AWS dialect only.
func (e *env) awsChecks() []check {
	return []check{
		{"encryption_context/concatenation", checkContextConcatenation},
		{"encryption_context/order", checkContextOrder},
		{"dry_run", checkDryRun},
		{"key_id_arn", checkKeyIDARN},
		{"decrypt_key_id/missing_key", checkDecryptMissingKey},
		{"decrypt_key_id/other_key", checkDecryptOtherKey},
	}
}

// contextSpec is the key spec of the checks that are not per spec.
func (e *env) contextSpec() string { return string(e.cfg.specs[0]) }

// createWith creates a key pair without plaintext under the suite's key
// with an EncryptionContext.
func (e *env) createWith(ctx context.Context, ec map[string]string) (*provider.CreateEcDatakeyPairResponse, error) {
	resp, err := e.target.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{
		KeyID: e.cfg.keyID, KeySpec: e.contextSpec(), WithPlainText: ptr(false), EncryptionContext: ec,
	})
	if err == nil && resp == nil {
		err = fmt.Errorf("GenerateDataKeyPairWithoutPlaintext returned neither a response nor an error")
	}
	if err != nil {
		return nil, fmt.Errorf("GenerateDataKeyPairWithoutPlaintext with EncryptionContext %s was refused: %w", showContext(ec), err)
	}
	return resp, nil
}

func showContext(m map[string]string) string {
	b, _ := json.Marshal(m)
	return string(b)
}

// checkContextConcatenation: contexts whose keys and values, joined in key
// order without separators, give the same bytes are different contexts.
// A KMS that binds the joined bytes (so {"a":"bc"} opens what {"ab":"c"}
// sealed) fails.
func checkContextConcatenation(ctx context.Context, e *env) error {
	pairs := []struct{ created, other map[string]string }{
		{map[string]string{"a": "bc"}, map[string]string{"ab": "c"}},
		{map[string]string{"a": "b", "c": "d"}, map[string]string{"ab": "cd"}},
		{map[string]string{"a": "b", "c": "d"}, map[string]string{"a": "bcd"}},
		{map[string]string{"k": "v"}, map[string]string{"kv": ""}},
	}
	var p problems
	for _, pr := range pairs {
		resp, err := e.createWith(ctx, pr.created)
		if err != nil {
			return err
		}
		if _, err := e.target.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: resp.PrivateKeyCipherText, EncryptionContext: pr.created}); err != nil {
			p.add("Decrypt with the creation EncryptionContext %s was refused: %v", showContext(pr.created), err)
			continue
		}
		_, err = e.target.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: resp.PrivateKeyCipherText, EncryptionContext: pr.other})
		p.addErr(e.expectRefused(fmt.Sprintf("Decrypt with EncryptionContext %s of what %s sealed", showContext(pr.other), showContext(pr.created)), err, e.want(provider.FailDecrypt)))
	}
	return p.err()
}

// checkContextOrder: the order of the EncryptionContext's members on the
// wire does not matter (raw HTTP: a typed client sorts them).
func checkContextOrder(ctx context.Context, e *env) error {
	if e.raw == nil {
		return skip("the member order needs raw HTTP and the target is not a RawTarget")
	}
	key, _ := json.Marshal(e.cfg.keyID)
	body := fmt.Sprintf(`{"KeyId":%s,"KeyPairSpec":%q,"EncryptionContext":{"zeta":"1","alpha":"2","mid":"3"}}`, key, e.contextSpec())
	status, out, err := e.raw.Post(ctx, "GenerateDataKeyPairWithoutPlaintext", []byte(body))
	if err != nil {
		return fmt.Errorf("sending GenerateDataKeyPairWithoutPlaintext failed: %w", err)
	}
	if status != 200 {
		return fmt.Errorf("GenerateDataKeyPairWithoutPlaintext with an EncryptionContext was refused: HTTP %d %s", status, clip(out))
	}
	var created awsGenerateOutput
	if err := json.Unmarshal(out, &created); err != nil || created.PrivateKeyCiphertextBlob == "" {
		return fmt.Errorf("GenerateDataKeyPairWithoutPlaintext answered HTTP 200 without a PrivateKeyCiphertextBlob")
	}
	blob, _ := json.Marshal(created.PrivateKeyCiphertextBlob)
	body = fmt.Sprintf(`{"EncryptionContext":{"mid":"3","alpha":"2","zeta":"1"},"CiphertextBlob":%s}`, blob)
	status, out, err = e.raw.Post(ctx, "Decrypt", []byte(body))
	if err != nil {
		return fmt.Errorf("sending Decrypt failed: %w", err)
	}
	if status != 200 {
		return fmt.Errorf("Decrypt with the same EncryptionContext in another member order was refused: HTTP %d %s", status, clip(out))
	}
	return nil
}

// clip shortens a response body for a message.
func clip(b []byte) string {
	const n = 200
	s := strings.ToValidUTF8(string(b), "?")
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// checkDryRun: DryRun answers DryRunOperationException (HTTP 412) for a
// request that would succeed, and creates or decrypts nothing.
func checkDryRun(ctx context.Context, e *env) error {
	want := e.want(provider.FailDryRun)
	var p problems
	for _, plain := range []*bool{nil, ptr(false)} {
		req := &provider.CreateEcDatakeyPairRequest{KeyID: e.cfg.keyID, KeySpec: e.contextSpec(), WithPlainText: plain, DryRun: true}
		resp, err := e.target.CreateEcDatakeyPair(ctx, req)
		if err == nil && resp != nil && resp.PublicKey != "" {
			p.add("%s with DryRun created a key pair", createOperation(req))
			continue
		}
		p.addErr(e.expectRefused(createOperation(req)+" with DryRun", err, want))
	}
	resp, err := e.createWith(ctx, nil)
	if err != nil {
		return err
	}
	dec, err := e.target.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: resp.PrivateKeyCipherText, DryRun: true})
	if err == nil && dec != nil && dec.PrivateKeyPlainText != "" {
		p.add("Decrypt with DryRun returned the Plaintext")
	} else {
		p.addErr(e.expectRefused("Decrypt with DryRun", err, want))
	}
	return p.err()
}

// checkKeyIDARN: responses name the key by its ARN,
// arn:aws:kms:REGION:ACCOUNT:key/ID (REGION and ACCOUNT the target's, when
// known), and the ARN works as the KeyId of GenerateDataKeyPair and
// Decrypt.
func checkKeyIDARN(ctx context.Context, e *env) error {
	if e.raw == nil {
		return skip("in process there are no ARNs: the dialect handler resolves them")
	}
	_, resp, err := e.create(ctx, cell{e.dialect, e.cfg.specs[0], plainAbsent, false})
	if err != nil {
		return fmt.Errorf("nothing to look at: GenerateDataKeyPair was refused: %w", err)
	}
	arn := resp.KeyID
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "kms" || parts[5] != "key/"+e.cfg.keyID {
		return fmt.Errorf("KeyId %q is not the key's ARN (arn:aws:kms:REGION:ACCOUNT:key/%s)", arn, e.cfg.keyID)
	}
	var p problems
	if at, ok := e.target.(*AWSTarget); ok {
		if parts[3] != at.Region() {
			p.add("KeyId %q names region %q, want the target's %q", arn, parts[3], at.Region())
		}
		if at.Account() != "" && parts[4] != at.Account() {
			p.add("KeyId %q names account %q, want the target's %q", arn, parts[4], at.Account())
		}
	}
	byARN, err := e.target.CreateEcDatakeyPair(ctx, &provider.CreateEcDatakeyPairRequest{KeyID: arn, KeySpec: e.contextSpec(), WithPlainText: ptr(false)})
	switch {
	case err != nil:
		p.add("GenerateDataKeyPairWithoutPlaintext with the ARN as KeyId was refused: %v", err)
	case byARN == nil:
		p.add("GenerateDataKeyPairWithoutPlaintext returned neither a response nor an error")
	default:
		if byARN.KeyID != arn {
			p.add("GenerateDataKeyPairWithoutPlaintext with the ARN as KeyId answered KeyId %q", byARN.KeyID)
		}
		dec, err := e.target.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: byARN.PrivateKeyCipherText, KeyID: arn})
		switch {
		case err != nil:
			p.add("Decrypt with the ARN as KeyId was refused: %v", err)
		case dec == nil:
			p.add("Decrypt returned neither a response nor an error")
		case dec.KeyID != arn:
			p.add("Decrypt answered KeyId %q, want %q", dec.KeyID, arn)
		}
	}
	return p.err()
}

// checkDecryptMissingKey: Decrypt with the KeyId of a key that does not
// exist is NotFoundException, or IncorrectKeyException from a KMS that
// compares the KeyId with the ciphertext's key before looking it up (as
// ecdkp does): either way the KeyId is what is wrong.
func checkDecryptMissingKey(ctx context.Context, e *env) error {
	resp, err := e.createWith(ctx, nil)
	if err != nil {
		return err
	}
	_, err = e.target.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: resp.PrivateKeyCipherText, KeyID: vectors.MissingKeyID})
	return e.expectRefused("Decrypt with the KeyId of a master key that does not exist", err, e.want(provider.FailKeyNotFound), e.want(provider.FailIncorrectKey))
}

// checkDecryptOtherKey: Decrypt with the KeyId of another enabled key
// (WithOtherKeyID) is IncorrectKeyException.
func checkDecryptOtherKey(ctx context.Context, e *env) error {
	if e.cfg.otherKeyID == "" {
		return skip("no second enabled master key (WithOtherKeyID)")
	}
	resp, err := e.createWith(ctx, nil)
	if err != nil {
		return err
	}
	_, err = e.target.DecryptDatakeyPair(ctx, &provider.DecryptDatakeyPairRequest{CipherText: resp.PrivateKeyCipherText, KeyID: e.cfg.otherKeyID})
	return e.expectRefused("Decrypt with the KeyId of another master key than the ciphertext's", err, e.want(provider.FailIncorrectKey))
}
