// Package vectors generates and parses the conformance vector files of
// conformance/testdata. The schema is documented in package conformance;
// the types here are that schema in Go. Generate is deterministic: the
// test suite regenerates the files in memory and compares them byte for
// byte with the checked-in ones.
package vectors
