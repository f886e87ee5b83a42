package huawei

import (
	"testing"

	"github.com/ecdkp/ecdkp/internal/doctable"
)

// TestDocumentedCodesMatchTable: the table in the package doc is the code's
// table, row for row, and every provider failure has a row.
func TestDocumentedCodesMatchTable(t *testing.T) {
	doctable.CheckFailureTable(t, "doc.go", `KMS\.\d{4}`, codes, func(status int, code string) Code { return Code{status, code} })
}
