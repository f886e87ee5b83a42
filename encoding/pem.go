package encoding

import (
	"bytes"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"slices"

	"github.com/ecdkp/ecdkp/curves"
)

// PEM block types of the three formats.
const (
	PEMTypeSPKI  = "PUBLIC KEY"     // SubjectPublicKeyInfo
	PEMTypePKCS8 = "PRIVATE KEY"    // PKCS#8 PrivateKeyInfo
	PEMTypeSEC1  = "EC PRIVATE KEY" // SEC 1 ECPrivateKey

	// PEMTypeSEC1SM2 is the block type OpenSSL 3.0 (`openssl ec`) gives an
	// SM2 key in SEC 1 form. ParseSEC1PEM accepts it for SM2 keys only; the
	// marshalers always write PEMTypeSEC1.
	PEMTypeSEC1SM2 = "SM2 PRIVATE KEY"
)

// MarshalSPKIPEM returns MarshalSPKI's DER in a "PUBLIC KEY" PEM block.
func MarshalSPKIPEM(k *curves.PublicKey) ([]byte, error) {
	der, err := MarshalSPKI(k)
	if err != nil {
		return nil, err
	}
	return appendPEM(nil, PEMTypeSPKI, der), nil
}

// MarshalPKCS8PEM returns MarshalPKCS8's DER in a "PRIVATE KEY" PEM block.
// The intermediate DER is wiped; the result holds the key: wipe it too.
func MarshalPKCS8PEM(k *curves.PrivateKey) ([]byte, error) {
	der, err := MarshalPKCS8(k)
	if err != nil {
		return nil, err
	}
	defer clear(der)
	return appendPEM(nil, PEMTypePKCS8, der), nil
}

// MarshalSEC1PEM returns MarshalSEC1's DER in an "EC PRIVATE KEY" PEM block.
// The intermediate DER is wiped; the result holds the key: wipe it too.
func MarshalSEC1PEM(k *curves.PrivateKey) ([]byte, error) {
	der, err := MarshalSEC1(k)
	if err != nil {
		return nil, err
	}
	defer clear(der)
	return appendPEM(nil, PEMTypeSEC1, der), nil
}

// ParseSPKIPEM parses a "PUBLIC KEY" PEM block with ParseSPKI.
func ParseSPKIPEM(data []byte) (*curves.PublicKey, error) {
	der, _, err := decodePEM(data, PEMTypeSPKI)
	if err != nil {
		return nil, err
	}
	return ParseSPKI(der)
}

// ParsePKCS8PEM parses a "PRIVATE KEY" PEM block with ParsePKCS8 and wipes
// the decoded DER.
func ParsePKCS8PEM(data []byte) (*curves.PrivateKey, error) {
	der, _, err := decodePEM(data, PEMTypePKCS8)
	if err != nil {
		return nil, err
	}
	defer clear(der)
	return ParsePKCS8(der)
}

// ParseSEC1PEM parses an "EC PRIVATE KEY" PEM block with ParseSEC1 and wipes
// the decoded DER. It also takes the "SM2 PRIVATE KEY" blocks OpenSSL 3.0
// writes, provided the key is on SM2.
func ParseSEC1PEM(data []byte) (*curves.PrivateKey, error) {
	der, typ, err := decodePEM(data, PEMTypeSEC1, PEMTypeSEC1SM2)
	if err != nil {
		return nil, err
	}
	defer clear(der)
	k, err := ParseSEC1(der)
	if err != nil {
		return nil, err
	}
	if typ == PEMTypeSEC1SM2 && k.Curve().Spec() != curves.SM2 {
		k.Destroy()
		return nil, malformed(fmt.Sprintf("PEM block %q holds a %s key", typ, k.Curve().Spec()))
	}
	return k, nil
}

// decodePEM returns the contents and type of the single PEM block in data,
// which must be of one of the types in want, carry no headers (so no legacy
// encrypted PEM) and have nothing but white space around it.
func decodePEM(data []byte, want ...string) ([]byte, string, error) {
	data = bytes.TrimLeft(data, " \t\r\n")
	if !bytes.HasPrefix(data, []byte("-----BEGIN ")) {
		return nil, "", malformed("input is not a PEM block")
	}
	// pem.Decode skips a malformed block and decodes the next one; a
	// single well-formed block has exactly one BEGIN line.
	if bytes.Count(data, []byte("-----BEGIN")) != 1 {
		return nil, "", malformed("input holds more than one PEM BEGIN line")
	}
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, "", malformed("PEM block is malformed")
	}
	if !slices.Contains(want, block.Type) {
		clear(block.Bytes)
		if len(block.Type) > 40 {
			return nil, "", malformed(fmt.Sprintf("PEM block type is not %q", want[0]))
		}
		return nil, "", malformed(fmt.Sprintf("PEM block type is %q, want %q", block.Type, want[0]))
	}
	if len(block.Headers) != 0 {
		clear(block.Bytes)
		return nil, "", malformed("PEM headers are not supported (encrypted legacy PEM?)")
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		clear(block.Bytes)
		return nil, "", malformed("trailing data after the PEM block")
	}
	return block.Bytes, block.Type, nil
}

// appendPEM appends der as a PEM block of type typ, in the layout of
// encoding/pem (64 base64 characters a line), into a buffer sized up front
// so the base64 text of a private key is never copied by a reallocation.
func appendPEM(dst []byte, typ string, der []byte) []byte {
	const lineBytes = 48 // 64 base64 characters
	n := base64.StdEncoding.EncodedLen(len(der))
	size := len("-----BEGIN -----\n") + len(typ) + n + (n+63)/64 + len("-----END -----\n") + len(typ)
	if cap(dst)-len(dst) < size {
		dst = append(make([]byte, 0, len(dst)+size), dst...)
	}
	dst = append(dst, "-----BEGIN "...)
	dst = append(dst, typ...)
	dst = append(dst, "-----\n"...)
	for len(der) > 0 {
		chunk := der[:min(lineBytes, len(der))]
		dst = base64.StdEncoding.AppendEncode(dst, chunk)
		dst = append(dst, '\n')
		der = der[len(chunk):]
	}
	dst = append(dst, "-----END "...)
	dst = append(dst, typ...)
	dst = append(dst, "-----\n"...)
	return dst
}
