package wrap

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ecdkp/ecdkp/internal/nitrotest"
)

// nitroVerifier returns a NitroVerifier trusting p's root at nitrotest.Now.
func nitroVerifier(t testing.TB, p *nitrotest.PKI, opts ...NitroOption) *NitroVerifier {
	t.Helper()
	v, err := NewNitroVerifier(p.Roots(), append([]NitroOption{WithNitroClock(func() time.Time { return nitrotest.Now })}, opts...)...)
	require.NoError(t, err)
	return v
}
