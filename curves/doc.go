// Package curves is the registry of elliptic curves ecdkp can create data key
// pairs on, and the key types every other package works with.
//
// A KMS request names a key spec (ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521,
// ECC_SECG_P256K1 or SM2); [Lookup] turns it into a [Curve] that generates keys,
// builds them from fixed scalars and parses SEC1 points. The curve also names
// its ASN.1 named-curve OID so the encoding package can write SPKI, PKCS#8 and
// SEC1 for any registered curve without knowing the curve itself.
//
// Validation happens once, at construction: a *PrivateKey or *PublicKey that
// exists is valid (scalar in [1, n-1], point on the curve and not the point at
// infinity), so encoders and wrappers never re-check.
//
// Backends: the NIST curves use crypto/ecdh, SM2 uses github.com/emmansun/gmsm
// (whose keys are restricted to [1, n-2] as GB/T 32918.1 requires) and
// secp256k1 uses github.com/decred/dcrd/dcrec/secp256k1/v4. dcrd's
// PrivKeyFromBytes accepts zero and reduces mod n, so range checks are done
// here, and the public point is computed once per key.
//
// An embedding KMS may add a curve of its own with [Register]; it must implement
// [Curve], and may use [UncheckedPrivateKey] and [UncheckedPublicKey] to build
// keys after doing its own validation.
package curves
