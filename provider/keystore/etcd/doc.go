// Package etcd is the master key store of a fleet: every replica of
// `ecdkp serve` (or of a KMS built on the library) opens the same store in
// an etcd cluster, so they share master keys, versions and states, and,
// through ReplayWindow, the replay window of the sequence field. It is a
// module of its own, so the library's go.mod does not grow an etcd client.
//
// Open returns a *Store (a keystore.KeyManager) over a *clientv3.Client
// (ClientConfig.Dial makes one from endpoints, TLS files and credentials);
// NewReplayWindow returns the keystore.ReplayWindow for
// provider.WithReplayWindow.
//
// # Layout
//
// Under one key prefix (WithPrefix, DefaultPrefix "/ecdkp/"):
//
//	PREFIX/store/meta        the store record
//	PREFIX/store/keys/KEYID  one record per master key
//	PREFIX/replay/HASH       one claimed sequence (leased; see ReplayWindow)
//
// Every value under store/ is JSON, {"record":{...},"mac":"..."}, where mac
// is base64 of HMAC-SHA256 under the store's MAC key over
// "ecdkp-etcd/v1 record" 0x00 ETCDKEY 0x00 RECORD: the record's exact bytes
// and the full etcd key it is stored under.
//
// The store record ("format":"ecdkp-etcd/v1 store") holds the KEK section
// ("kek": {"kind":"argon2id","salt","time","memory_kib","threads"} or
// {"kind":"cipher","label"}), "store_key": base64 of a 12-byte nonce and
// the 32-byte store key sealed under the KEK (AES-GCM, additional data
// "ecdkp-etcd/v1 store key" 0x00 ETCDKEY 0x00 KIND 0x00 SALT-OR-LABEL), and
// "default_key_id" once there is a default key.
//
// A key record ("format":"ecdkp-etcd/v1 key") holds the key's
// keystore.KeyMetadata (key_id, project, key_spec, key_usage, key_state,
// origin, creation_date, current_version; the default flag comes from the
// store record) and "versions": per version, base64 of a 12-byte nonce and
// the material sealed with AES-256-GCM under the material key, additional
// data "ecdkp-etcd/v1 key material" 0x00 KEYID 0x00 VERSION (4 bytes, big
// endian).
//
// Both kinds carry "generation" and "created": the etcd version (writes
// since creation) the record is written as, and the key's etcd create
// revision (0 in generation 1, which creates the key). A record whose
// generation and created do not match the etcd key value it is read from
// is refused: an older record of a key written again (say, the enabled
// record of a key since disabled), or a record put into a key deleted and
// made again.
//
// # KEK and store key
//
// The store key is random, made when the store is created, and never
// changes; HKDF-SHA256 derives from it the MAC key ("ecdkp-etcd/v1 record
// mac") and the material key ("ecdkp-etcd/v1 key material"). The KEK only
// seals the store key, so ChangeKEK reseals it without touching a key
// record. The KEK is either
//
//   - Passphrase: Argon2id (RFC 9106) over the passphrase and the salt of
//     the store record, with the costs recorded there and bounded on read
//     by DefaultArgon2Limits (WithArgon2Limits), then HKDF-SHA256 ("ecdkp-etcd/v1
//     kek") to an AES-256-GCM key. The derivation is the keyring's
//     (provider/keystore/internal/kek).
//   - KEKCipher: any AEAD with 12-byte nonces, such as the wrap.KeyCipher
//     of a version of a PKCS#11 store's master key, which runs inside the
//     token: the store key is then unsealed by the HSM, once per Open.
//
// Because the store key does not change, ChangeKEK does not lock out whoever
// knew the old KEK and kept a copy of the old store record (a backup, or
// etcd's history before compaction); a store key thought known calls for a
// new store.
//
// A KEK that does not open the store key is ErrWrongKEK: the sealed store
// key is the check value. Open then verifies the store record's MAC under
// the store key.
//
// # Authentication
//
// Every record is verified before it is used: a record edited in etcd
// (any byte, a state, a version list, a project, the default key), moved
// to another key's name, or written again later fails, is logged at level
// Error, and is refused, not used: Key fails with a *RecordError wrapping
// ErrAltered (the provider answers an internal error), ListKeys names it,
// and the store does not write over it. A key's refused record does not
// fall back to its last good one. What authentication cannot stop is
// someone with write access to etcd deleting records (the key is then
// gone: not found), or deleting a key's record and writing back its first
// generation (which reverts the key to its creation: enabled, one version).
// Guard write access to the prefix with etcd's authentication and TLS.
// Because records are bound to their etcd key names, versions and create
// revisions, a store survives etcd snapshots (etcdctl snapshot restore)
// but not a copy of its keys one by one (make-mirror), which is
// indistinguishable from a replay.
//
// # Cache, consistency and staleness
//
// The hot path makes no etcd round trip. Open loads every record at one
// revision (a linearizable read), and from then on three feeds keep an
// immutable, copy-on-write cache that Key reads without a lock: a watch of
// PREFIX/store/ from that revision; a heartbeat, every fifth of the
// staleness bound (at most every 500 ms), reading linearizably the records
// changed since the revision the cache is complete through and the count
// of all records (a count that does not match means a deletion, and
// reloads everything); and this replica's own writes, applied as soon as
// etcd commits them. A record is replaced only by a newer revision of it,
// so the feeds may overlap in any order.
//
// What is consistent, and when:
//
//   - Writes (CreateKey, SetKeyState, RotateKey, the first DefaultKey,
//     ChangeKEK) are etcd transactions: a key is created only if absent;
//     a change rewrites the record only if its revision is still the one
//     read (compare-and-swap), retried otherwise, so concurrent writers,
//     through any replicas or the `keys` command, never lose an update.
//     The first key created becomes the default key in the same
//     transaction. A write that fails without an answer is read back
//     before it is retried, so it is not applied twice; the one exception
//     is a rotation whose answer was lost and whose record another writer
//     changed meanwhile: it cannot tell, is retried, and the key gets one
//     version more than asked (nothing is lost).
//   - The writer's own cache holds the change when the call returns.
//   - Every other replica applies it when its watch delivers it (in
//     milliseconds), and at the latest at its next successful heartbeat:
//     in force within a second on every replica in step with etcd.
//   - A replica vouches for its cache as of the moment its last
//     successful heartbeat was sent. When that is older than the staleness
//     bound (WithStaleness, DefaultStaleness 5 s), because the replica lost
//     etcd or etcd lost its quorum, Key and ListKeys fail with an error
//     wrapping keystore.ErrUnavailable (the provider answers unavailable,
//     HTTP 503), never with what the cache says. So a key disabled while a
//     replica is cut off may still be used there for at most the staleness
//     bound from the last moment it was in step. It serves again at its
//     first heartbeat after etcd answers, which also brings every change it
//     missed; the watch restarts by itself (from a full reload if etcd
//     compacted the revision it needed).
//   - A request with a sequence needs etcd (one transaction), so it never
//     succeeds while etcd cannot record the sequence.
//
// # Replay window
//
// See ReplayWindow: a claim is a create-if-absent transaction on
// PREFIX/replay/H attached to a lease shared by the claims of a time
// bucket, so a sequence used on one replica is refused on every other for
// at least the window; a request that fails releases its claim.
//
// Close stops the watch and the heartbeat; the store then refuses lookups.
package etcd
