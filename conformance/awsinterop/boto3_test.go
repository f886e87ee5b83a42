package awsinterop

import (
	"context"
	"encoding/base64"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBoto3 runs testdata/boto3_kms.py: Python's boto3, unchanged, against
// the AWS dialect (every spec, typed errors, DryRun, Recipient, paging, key
// management). It skips when python3 or boto3 is absent.
func TestBoto3(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	if err := exec.Command(py, "-c", "import boto3").Run(); err != nil {
		t.Skip("boto3 is not installed (pip install boto3)")
	}
	s := newKMSServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "testdata/boto3_kms.py")
	cmd.Env = []string{
		"ENDPOINT=" + s.URL, "REGION=" + testRegion, "ACCOUNT=" + testAcct, "AK=" + testAK, "SK=" + testSK,
		"KEY_ID=" + s.aes, "OTHER_KEY_ID=" + s.sm4, "DISABLED_KEY_ID=" + s.disabled, "MISSING_KEY_ID=3f0c6e1a-8b2d-4c7e-9a15-d04be2f6c839",
		"ATTESTATION_DOCUMENT=" + base64.StdEncoding.EncodeToString(s.enclaveDoc),
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true",
		"HOME=" + t.TempDir(), "PATH=/usr/bin:/bin",
	}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	text := string(out)
	assert.Contains(t, text, "ok spec ECC_NIST_EDWARDS25519\n")
	assert.Contains(t, text, "ok error IncorrectKeyException\n")
	assert.Contains(t, text, "ok recipient\n")
	assert.Equal(t, 1, strings.Count(text, "all passed"), text)
	t.Logf("%s", out)
}
