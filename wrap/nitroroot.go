package wrap

import (
	"crypto/x509"
	"encoding/pem"
	"sync"
)

// NitroEnclavesRootG1PEM is the AWS Nitro Enclaves attestation root
// certificate for the commercial AWS partitions ("CN=aws.nitro-enclaves",
// valid 2019-10-28 to 2049-10-28), published by AWS at
// https://aws-nitro-enclaves.amazonaws.com/AWS_NitroEnclaves_Root-G1.zip. Its
// SHA-256 fingerprint, which AWS's "Verifying the root of trust" page lists
// and a test pins, is
// 64:1A:03:21:A3:E2:44:EF:E4:56:46:31:95:D6:06:31:7E:D7:CD:CC:3C:17:56:E0:98:93:F3:C6:8F:79:BB:5B.
const NitroEnclavesRootG1PEM = `-----BEGIN CERTIFICATE-----
MIICETCCAZagAwIBAgIRAPkxdWgbkK/hHUbMtOTn+FYwCgYIKoZIzj0EAwMwSTEL
MAkGA1UEBhMCVVMxDzANBgNVBAoMBkFtYXpvbjEMMAoGA1UECwwDQVdTMRswGQYD
VQQDDBJhd3Mubml0cm8tZW5jbGF2ZXMwHhcNMTkxMDI4MTMyODA1WhcNNDkxMDI4
MTQyODA1WjBJMQswCQYDVQQGEwJVUzEPMA0GA1UECgwGQW1hem9uMQwwCgYDVQQL
DANBV1MxGzAZBgNVBAMMEmF3cy5uaXRyby1lbmNsYXZlczB2MBAGByqGSM49AgEG
BSuBBAAiA2IABPwCVOumCMHzaHDimtqQvkY4MpJzbolL//Zy2YlES1BR5TSksfbb
48C8WBoyt7F2Bw7eEtaaP+ohG2bnUs990d0JX28TcPQXCEPZ3BABIeTPYwEoCWZE
h8l5YoQwTcU/9KNCMEAwDwYDVR0TAQH/BAUwAwEB/zAdBgNVHQ4EFgQUkCW1DdkF
R+eWw5b6cp3PmanfS5YwDgYDVR0PAQH/BAQDAgGGMAoGCCqGSM49BAMDA2kAMGYC
MQCjfy+Rocm9Xue4YnwWmNJVA44fA0P5W2OpYow9OYCVRaEevL8uO1XYru5xtMPW
rfMCMQCi85sWBbJwKKXdS6BptQFuZbT73o/gBh1qUxl/nNr12UO8Yfwr6wPLb+6N
IwLz3/Y=
-----END CERTIFICATE-----
`

// nitroRootG1 parses NitroEnclavesRootG1PEM once.
var nitroRootG1 = sync.OnceValue(func() *x509.Certificate {
	block, _ := pem.Decode([]byte(NitroEnclavesRootG1PEM))
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		panic("wrap: embedded Nitro Enclaves root: " + err.Error()) // fixed input: a test pins it
	}
	return cert
})

// NitroEnclavesRoots returns a new pool holding only the AWS Nitro Enclaves
// Root-G1 certificate, the trust anchor of real Nitro attestation documents.
func NitroEnclavesRoots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(nitroRootG1())
	return pool
}
