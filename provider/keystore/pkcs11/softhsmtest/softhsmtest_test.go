package softhsmtest

import (
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNew: the token New makes is listed by softhsm2-util under the conf it
// returns, and Env points at it.
func TestNew(t *testing.T) {
	tk := New(t, "softhsmtest-token")
	assert.Equal(t, tk.Conf, os.Getenv("SOFTHSM2_CONF"))
	_, util, _ := Find()
	out, err := exec.Command(util, "--show-slots").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "softhsmtest-token")
	assert.Contains(t, tk.Env(), "ECDKP_PKCS11_TOKEN=softhsmtest-token")
	assert.Contains(t, tk.Env(), "SOFTHSM2_CONF="+tk.Conf)
	assert.FileExists(t, tk.Module)
}
