package conformance

//go:generate go run ./cmd/genvectors
