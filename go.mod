module github.com/ecdkp/ecdkp

go 1.26.0

require (
	github.com/decred/dcrd/dcrec/secp256k1/v4 v4.4.1
	github.com/emmansun/gmsm v0.44.1
	github.com/fxamacker/cbor/v2 v2.10.0
	github.com/miekg/pkcs11 v1.1.2
	github.com/stretchr/testify v1.12.1
	github.com/veraison/go-cose v1.3.0
	golang.org/x/crypto v0.59.0
)

require (
	github.com/x448/float16 v0.8.4 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/sys v0.50.0 // indirect
)
