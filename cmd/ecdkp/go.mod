module github.com/ecdkp/ecdkp/cmd/ecdkp

go 1.26.0

require (
	github.com/ecdkp/ecdkp v0.0.0-00010101000000-000000000000
	github.com/stretchr/testify v1.12.1
)

require (
	github.com/decred/dcrd/dcrec/secp256k1/v4 v4.4.1 // indirect
	github.com/emmansun/gmsm v0.44.1 // indirect
	github.com/fxamacker/cbor/v2 v2.10.0 // indirect
	github.com/miekg/pkcs11 v1.1.2 // indirect
	github.com/veraison/go-cose v1.3.0 // indirect
	github.com/x448/float16 v0.8.4 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/crypto v0.59.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

replace github.com/ecdkp/ecdkp => ../..
