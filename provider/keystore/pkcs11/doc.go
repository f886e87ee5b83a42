// Package pkcs11 is ecdkp's hardware-backed master key store: a
// keystore.KeyManager whose AES-256 master keys are generated and used
// inside a PKCS#11 token (an HSM, or SoftHSM2 in tests and CI). Key
// material never leaves the token, and an envelope from this store has
// exactly the format (DESIGN.md, "Master-key envelope v2") of one from the
// keyring: it differs only in who holds the key.
//
// # Envelopes
//
// New envelopes are v2 (XAES-256-GCM). Its per-envelope key derivation runs
// in the token: CKM_AES_ECB on the key object (one C_EncryptInit and
// C_Encrypt of two blocks per envelope), which every key this store made
// allows, since they may encrypt. Only the derived key Kx (32 bytes, good
// for the one envelope) comes to host memory; the AES-256-GCM under it runs
// in Go, and Kx is wiped once used (the C buffer miekg/pkcs11 receives it
// in is freed unwiped). The host also keeps, per key version, the
// derivation's constant K1 = dbl(AES_K(0^128)), read from the token once:
// it derives nothing without the token. CKM_AES_CMAC would keep even K1 in
// the token, but needs CKA_SIGN, which the keys were made without, and two
// calls per envelope. Envelopes v1 (CKM_AES_GCM with the master key) still
// open, in the token.
//
// # Token layout
//
// Everything the store knows lives on the token, so a second process (or
// the same one after Close and Open) sees the same keys, states and
// versions. For a master key with id K (a UUID) the token holds:
//
//   - one secret key object per version N: CKO_SECRET_KEY, CKK_AES,
//     CKA_VALUE_LEN 32, CKA_LABEL "ecdkp:K:vN", CKA_ID the 16 bytes of K,
//     CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE, CKA_ENCRYPT and CKA_DECRYPT
//     true; CKA_EXTRACTABLE, CKA_WRAP, CKA_UNWRAP, CKA_SIGN, CKA_VERIFY and
//     CKA_DERIVE false. It is made by C_GenerateKey (CKM_AES_KEY_GEN), so
//     its value is never outside the token. Keys that are found with weaker
//     attributes (extractable, not sensitive, not AES-256) are refused.
//   - one metadata object: CKO_DATA, CKA_APPLICATION "ecdkp", CKA_LABEL
//     "ecdkp:K", CKA_TOKEN and CKA_PRIVATE true, whose CKA_VALUE is JSON:
//     {"format":"ecdkp-pkcs11/v1","revision":R,"serial":S, ...} followed by
//     the keystore.KeyMetadata fields (key_id, key_spec, key_usage,
//     key_state, origin "hsm", creation_date, current_version, default).
//
// Tokens such as SoftHSM2 make CKA_VALUE of a data object read-only after
// creation, so a change of state or a rotation writes a new metadata object
// with revision R+1 and then destroys the old one; when both exist (a crash
// in between), Open uses the highest revision and the next change removes
// the rest. A rotation first generates the new version's secret key and
// only then commits the metadata naming it, so a crash leaves at most an
// unreferenced key object. The next rotation of that key relabels it
// "ecdkp:K:vN:unreferenced:RANDOM" and makes a new one: the store never
// destroys a key object, so material that was used is never lost.
//
// Keys are loaded at Open, and the store rereads the token every
// Config.Refresh (default 1 s: one C_FindObjects and one read per key), so
// what another process changes (a key it created, a version it added, a
// key it disabled) is in force here within about that long; a key whose
// metadata disappears is kept as it was, never dropped. Each change
// rereads its key from the token first, so a change of a key
// another process changed since Open (`ecdkp keys rotate` beside a running
// server) is made on top of that change and keeps its versions. A token
// has no lock, so two processes changing one key at the very same moment
// are not excluded: both write the same revision, and the store then
// refuses that key (ErrCorruptObject) rather than pick one; change keys
// from one process at a time.
//
// # Sessions
//
// PKCS#11 sessions are not safe for concurrent use, so the store keeps a
// pool of Config.Sessions read-write sessions (a buffered channel); each
// seal, open or management call borrows one. The user logs in (CKU_USER)
// once, on the first session; the login holds for every session of the
// process on that token. Object handles are looked up at Open and cached
// per key version. A session the token no longer knows is replaced, and
// when the token has logged out (it does when its last session closes)
// the pool logs in again, so the store keeps the PIN in memory; after
// either event cached handles are looked up again by label, and a seal or
// open that failed because of it is retried once. Several Stores may share
// a module and a token in one process: the module is initialized once and
// finalized when the last Store closes, and a second Store on a token the
// process is logged in to must bring the same PIN.
//
// # Specs
//
// Only AES_256 master keys are supported. PKCS#11 defines no SM4
// mechanisms (vendors use private codes and SoftHSM2 has none), so
// CreateKey(SM4) fails with an error wrapping ErrUnsupportedSpec.
//
// # Configuration and build
//
// Open takes a Config; ConfigFromEnv reads it from ECDKP_PKCS11_MODULE,
// ECDKP_PKCS11_TOKEN, ECDKP_PKCS11_PIN (and ECDKP_PKCS11_SESSIONS). The
// store uses github.com/miekg/pkcs11, which needs cgo: without cgo the
// package still builds and Open returns ErrNeedsCgo.
package pkcs11
