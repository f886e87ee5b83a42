// Package curves is the registry of elliptic curves ecdkp can create data key
// pairs on, and the key types every other package works with.
//
// A KMS request names a key spec: one of Huawei KMS's ECC_NIST_P256,
// ECC_NIST_P384, ECC_NIST_P521, ECC_SECG_P256K1 and SM2, or
// ECC_NIST_EDWARDS25519, AWS KMS's name for Ed25519, an extension of
// Huawei's list. [Lookup] turns it into a [Curve] that generates keys, builds
// them from fixed private keys and parses public keys. The curve also names
// its ASN.1 OID and its [KeyType] so the encoding package can write SPKI,
// PKCS#8 and SEC1 for any registered curve without knowing the curve itself.
//
// # Families and key types
//
// Two key types ([TypeOf]): [EC] keys (the NIST curves, secp256k1, SM2) are
// a big-endian scalar and a SEC 1 point, kept uncompressed; [EdDSA] keys
// (Ed25519) are RFC 8032 keys, a 32-byte seed and the 32-byte encoding of
// its point. The methods of [PrivateKey] and [PublicKey] name the EC parts
// (Bytes, AppendScalar, AppendPoint) and return the seed and the encoded
// point of an EdDSA key. Only EC curves offer ECDH ([KeyAgreement]).
//
// Validation happens once, at construction: a *PrivateKey or *PublicKey that
// exists is valid, so encoders and wrappers never re-check:
//
//   - EC: scalar in [1, n-1] (n-2 for SM2), point on the curve and not the
//     point at infinity, given compressed or uncompressed (never hybrid);
//   - Ed25519: a 32-byte seed other than all zeros (every seed is a key, but
//     the all-zero one is what a destroyed key holds and the encoders refuse
//     it); a public key of 32 bytes that is the canonical encoding of a point
//     of the prime-order subgroup other than the identity: y below p (none of
//     the 19 unreduced encodings), x recoverable from y (the point is on the
//     curve), no sign bit on x = 0, and L*P the identity (no small-order
//     point, none with a small-order component). Those are exactly the
//     public keys a seed can have; crypto/ed25519 checks none of this when it
//     builds a key and accepts the unreduced forms when it verifies, and
//     OpenSSL 3.0's `pkey -pubcheck` accepts any 32 bytes.
//
// Backends: the NIST curves use crypto/ecdh, SM2 uses github.com/emmansun/gmsm
// (whose keys are restricted to [1, n-2] as GB/T 32918.1 requires) and
// secp256k1 uses github.com/decred/dcrd/dcrec/secp256k1/v4. dcrd's
// PrivKeyFromBytes accepts zero and reduces mod n, so range checks are done
// here, and the public point is computed once per key. Ed25519 uses
// crypto/ed25519 for keys; the public-key checks above have no exported
// implementation in the standard library, so ed25519_point.go does them on
// its own GF(2^255-19) arithmetic (public data only, variable time; about
// 170 us a key on the 2-core test machine, paid when a public key is parsed,
// never when a pair is made).
//
// An embedding KMS may add a curve of its own with [Register]; it must implement
// [Curve], and may use [UncheckedPrivateKey] and [UncheckedPublicKey] to build
// keys after doing its own validation.
//
// # Constant time
//
// Computing a public key multiplies the base point by the secret scalar, so
// that multiplication must take the same time and touch the same memory
// whatever the scalar.
//
// The NIST curves use crypto/ecdh, which runs on crypto/internal/fips140/nistec:
// its package documentation states constant-time, allocation-free APIs with
// fiat-crypto generated field arithmetic (nistec/fiat) and complete addition
// formulas; on amd64 and arm64 P-256 uses the constant-time assembly of
// p256_asm.go, whose base multiplication reads 43 tables of 32 affine
// multiples with p256SelectAffine ("executes in constant time"), and the
// P-384/P-521 tables are read by Select, which "works in constant time by
// iterating over every entry of the table".
//
// SM2 uses gmsm's internal/sm2ec, derived from the same code: its package
// documentation makes the same constant-time statement, the generic build uses
// fiat-crypto's SM2P256Element and a table Select over every entry, and the
// assembly build (sm2p256_asm.go) uses p256Select/p256SelectAffine, documented
// as executing in constant time.
//
// Ed25519 uses crypto/ed25519, whose package documentation states that
// "operations involving private keys are implemented using constant-time
// algorithms": the seed is hashed with SHA-512 and the public key computed by
// crypto/internal/fips140/edwards25519's ScalarBaseMult ("done in constant
// time"), which recodes the scalar into signed radix-16 digits and reads
// each of its precomputed tables through SelectInto, a constant-time select
// over all eight entries.
//
// secp256k1 is different: dcrd's ScalarBaseMultNonConst, as its name says, is
// not constant time (it indexes its byte tables with the scalar's bytes and
// skips the additions of zero bytes). This package therefore computes
// secp256k1 public keys with its own fixed-base multiplication
// (secp256k1_ct.go) on dcrd's constant-time FieldVal arithmetic: the scalar
// is recoded into 43 signed 6-bit digits with shifts and masks; for each digit
// every entry of a precomputed 32-entry table of multiples of 2^(6i)*G is read
// and the wanted one kept with a mask, then conditionally negated with a mask;
// the points are summed with the complete mixed addition of Renes, Costello
// and Batina (a = 0), which has no exceptional case, and a zero digit keeps
// the previous sum through a branch-free select. The only variable-time code
// left on that path is the table construction, which uses public data only.
// What it costs against dcrd's variable-time multiplication is measured by
// BenchmarkSecp256k1ScalarBaseMult (BENCHMARKS.md).
//
// A dudect-style statistical test (Welch's t-test between the timings of a
// fixed scalar and of random scalars, with dcrd's variable-time code as a
// control that must show a leak) checks this by hand, on a quiet machine:
//
//	go test -tags timing -run Timing -v ./curves/
//
// ECDH on secp256k1 ([KeyAgreement]) still uses dcrd's GenerateSharedSecret,
// which is not constant time; it is not on the key-pair creation path.
//
// # Erasing secrets
//
// [PrivateKey.Destroy] overwrites this package's copy of the scalar (or
// seed). The backends make copies of their own that no API reaches:
// crypto/ecdh keeps the scalar in its PrivateKey and in the FIPS module's
// key, gmsm likewise, crypto/ed25519 leaves the seed in GenerateKey's buffer
// and in its expanded key (this package keeps the seed half of the 64-byte
// ed25519.PrivateKey, which Destroy wipes), and the registers and stack of
// the computation hold parts of it. A default
// build leaves those to the garbage collector, which reuses the memory but
// does not clear it. Built with GOEXPERIMENT=runtimesecret (Go 1.26, linux on
// amd64 or arm64), every backend call on a scalar or seed
// (GenerateKey, NewPrivateKey, ECDH) runs inside runtime/secret.Do, which erases the
// registers and stack it used on return and its heap allocations as soon as
// they are unreachable; [RuntimeSecret] reports which build this is. The
// erasure costs time (README.md says how much); a default build is
// unaffected. In a default build the test below finds copies of each
// destroyed NIST, SM2 or Ed25519 key (none for secp256k1, whose dcrd code
// zeroes its buffers); with the experiment, none.
// TestBackendCopiesErased scans the process memory for destroyed scalars to
// check it, and scripts/test runs the curves and provider tests in that mode.
package curves
