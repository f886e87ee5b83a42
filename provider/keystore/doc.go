// Package keystore is the vocabulary shared by the operation and every
// master key store: the KeyStore and KeyManager interfaces, master key
// metadata (spec, typed state, usage and origin), and key ids.
//
// It is a leaf of the provider tree: package provider resolves master keys
// through a KeyStore, and the stores themselves (keystore/keyring,
// keystore/pkcs11, or an embedder's own) implement it without importing the
// operation. A store hands out a MasterKey, which package wrap seals
// envelopes under; the store decides where the key material lives (process
// memory, an HSM) and what a key's state is.
package keystore
