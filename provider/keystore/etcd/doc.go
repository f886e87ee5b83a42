// Package etcd is a fleet's master key store (placeholder doc).
package etcd
