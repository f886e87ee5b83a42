package curves

import (
	"encoding/asn1"

	gmecdh "github.com/emmansun/gmsm/ecdh"
	"github.com/emmansun/gmsm/sm2"
)

// sm2Curve is SM2 (GB/T 32918) on gmsm's constant-time sm2ec. Private keys
// are in [1, n-2]: GB/T 32918.1 excludes n-1 because SM2 signing divides by
// 1+d.
var sm2Curve = &ecCurve{SM2, asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 301}, 32,
	ecdhAPIBackend[*gmecdh.PrivateKey, *gmecdh.PublicKey]{gmecdh.P256(), sm2.P256()}}
