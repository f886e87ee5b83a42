package encoding

import "github.com/ecdkp/ecdkp/curves"

// Every key of a curve encodes to the same number of bytes in each format,
// so a caller can size its buffers before it has a key.

// SPKILen is the length of the DER SubjectPublicKeyInfo of c's public keys.
func SPKILen(c curves.Curve) (int, error) {
	l, err := layoutsFor(c)
	if err != nil {
		return 0, err
	}
	return len(l.spki.der), nil
}

// PKCS8Len is the length of the DER PKCS#8 of c's private keys.
func PKCS8Len(c curves.Curve) (int, error) {
	l, err := layoutsFor(c)
	if err != nil {
		return 0, err
	}
	return len(l.pkcs8.der), nil
}
