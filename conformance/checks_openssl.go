package conformance

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/ecdkp/ecdkp/curves"
)

// opensslKey returns the key pair the OpenSSL checks look at: the one of
// the cell with the default with_plain_text and no AAD.
func (e *env) opensslKey(ctx context.Context, spec curves.Spec) (pub, priv []byte, err error) {
	if e.openssl.err != nil {
		return nil, nil, e.openssl.err
	}
	if e.openssl.bin == "" {
		return nil, nil, skip("%s", e.openssl.skip)
	}
	_, resp, err := e.create(ctx, cell{e.dialect, spec, plainAbsent, false})
	if err != nil {
		return nil, nil, fmt.Errorf("no key to check: create-ec-datakey-pair was refused: %w", err)
	}
	if pub, err = decodeField("public_key", resp.PublicKey); err != nil {
		return nil, nil, err
	}
	if resp.PrivateKeyPlainText == "" {
		return pub, nil, nil
	}
	if priv, err = decodeField("private_key_plain_text", resp.PrivateKeyPlainText); err != nil {
		return nil, nil, err
	}
	return pub, priv, nil
}

// checkOpenSSLPublic runs `openssl pkey -pubin -pubcheck` on public_key.
// For an EdDSA key, whose public key OpenSSL 3.0's -pubcheck does not
// examine (it accepts any 32 bytes; the harness's own parse checks the
// point), OpenSSL must also read it as a key of that curve and write it
// back to the same bytes.
func (e *env) checkOpenSSLPublic(ctx context.Context, spec curves.Spec) error {
	pub, priv, err := e.opensslKey(ctx, spec)
	if err != nil {
		return err
	}
	clear(priv)
	out, err := e.runOpenSSLText(ctx, pub, "pkey", "-pubin", "-inform", "DER", "-pubcheck", "-noout")
	if err != nil {
		return fmt.Errorf("openssl pkey -pubcheck refused public_key: %v", err)
	}
	if !strings.Contains(out, "Key is valid") {
		return fmt.Errorf("openssl pkey -pubcheck did not say \"Key is valid\": %s", out)
	}
	if c, _ := curves.Lookup(spec); c == nil || curves.TypeOf(c) != curves.EdDSA {
		return nil
	}
	text, err := e.runOpenSSLText(ctx, pub, "pkey", "-pubin", "-inform", "DER", "-text", "-noout")
	if err != nil {
		return fmt.Errorf("openssl pkey -pubin -text refused public_key: %v", err)
	}
	if name, ok := opensslKeyName[spec]; ok && !strings.Contains(text, name+" Public-Key") {
		return fmt.Errorf("openssl does not read public_key as an %s key (no %q in its -text)", spec, name+" Public-Key")
	}
	again, _, err := e.runOpenSSL(ctx, pub, "pkey", "-pubin", "-inform", "DER", "-pubout", "-outform", "DER")
	if err != nil {
		return fmt.Errorf("openssl pkey -pubin -pubout refused public_key: %v", err)
	}
	if !bytes.Equal(again, pub) {
		return fmt.Errorf("openssl writes public_key back to other bytes")
	}
	return nil
}

// opensslKeyName is how `openssl pkey -text` names the EdDSA key types.
var opensslKeyName = map[curves.Spec]string{curves.Ed25519: "ED25519"}

// checkOpenSSLPrivate runs `openssl pkey -check` on private_key_plain_text
// and has OpenSSL derive its public key, which must be public_key. For
// Ed25519 the derivation is the check that matters: OpenSSL computes the
// public key from the seed, and the canonical PKCS#8 carries no public key
// that -check could hold the seed to.
func (e *env) checkOpenSSLPrivate(ctx context.Context, spec curves.Spec) error {
	pub, priv, err := e.opensslKey(ctx, spec)
	if err != nil {
		return err
	}
	if priv == nil {
		return fmt.Errorf("no private_key_plain_text to check although with_plain_text was left to its default")
	}
	defer clear(priv)
	out, err := e.runOpenSSLText(ctx, priv, "pkey", "-inform", "DER", "-check", "-noout")
	if err != nil {
		return fmt.Errorf("openssl pkey -check refused private_key_plain_text: %v", err)
	}
	if !strings.Contains(out, "Key is valid") {
		return fmt.Errorf("openssl pkey -check did not say \"Key is valid\": %s", out)
	}
	derived, _, err := e.runOpenSSL(ctx, priv, "pkey", "-inform", "DER", "-pubout", "-outform", "DER")
	if err != nil {
		return fmt.Errorf("openssl pkey -pubout failed on private_key_plain_text: %v", err)
	}
	if !bytes.Equal(derived, pub) {
		return fmt.Errorf("the public key OpenSSL derives from private_key_plain_text is not public_key")
	}
	return nil
}

// runOpenSSL runs openssl with input on stdin (keys never touch the disk)
// and returns its stdout and stderr; a failure's error holds stderr.
func (e *env) runOpenSSL(ctx context.Context, input []byte, args ...string) (stdout, stderr []byte, err error) {
	cmd := exec.CommandContext(ctx, e.openssl.bin, args...)
	cmd.Stdin = bytes.NewReader(input)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, nil, fmt.Errorf("%w: %s", err, strings.TrimSpace(printable(errb.Bytes())+" "+printable(out.Bytes())))
	}
	return out.Bytes(), errb.Bytes(), nil
}

// runOpenSSLText runs openssl and returns its text output, stdout and
// stderr together.
func (e *env) runOpenSSLText(ctx context.Context, input []byte, args ...string) (string, error) {
	out, errb, err := e.runOpenSSL(ctx, input, args...)
	if err != nil {
		return "", err
	}
	return printable(out) + printable(errb), nil
}

// printable keeps the text of openssl's output and drops binary data.
func printable(b []byte) string {
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c >= 0x7f {
			return fmt.Sprintf("(%d bytes of binary output)", len(b))
		}
	}
	return string(b)
}
