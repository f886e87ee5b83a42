module github.com/ecdkp/ecdkp

go 1.26.0

require (
	github.com/decred/dcrd/dcrec/secp256k1/v4 v4.4.1
	github.com/emmansun/gmsm v0.44.1
)

require golang.org/x/crypto v0.59.0 // indirect
