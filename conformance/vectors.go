package conformance

import (
	"embed"
	"io/fs"

	"github.com/ecdkp/ecdkp/conformance/internal/vectors"
)

//go:embed testdata/*.json
var testdata embed.FS

// Vectors returns the vector files (keys.json, envelopes.json,
// envelopes_v2.json, envelope_v2_negatives.json, decode_negatives.json,
// request_negatives.json, aws_request_negatives.json) at the root of an fs.FS, for harnesses of other
// implementations. The schema is in the package doc.
func Vectors() fs.FS {
	sub, err := fs.Sub(testdata, "testdata")
	if err != nil {
		panic(err) // unreachable: "testdata" is a valid, embedded directory
	}
	return sub
}

// requestNegatives parses the embedded request_negatives.json.
func requestNegatives() ([]vectors.RequestNegative, error) {
	data, err := testdata.ReadFile("testdata/" + vectors.RequestNegativesFile)
	if err != nil {
		return nil, err
	}
	f, err := vectors.Parse[vectors.RequestNegative](vectors.RequestNegativesFile, data)
	if err != nil {
		return nil, err
	}
	return f.Vectors, nil
}

// awsRequestNegatives parses the embedded aws_request_negatives.json.
func awsRequestNegatives() ([]vectors.AWSRequestNegative, error) {
	data, err := testdata.ReadFile("testdata/" + vectors.AWSRequestNegativesFile)
	if err != nil {
		return nil, err
	}
	f, err := vectors.Parse[vectors.AWSRequestNegative](vectors.AWSRequestNegativesFile, data)
	if err != nil {
		return nil, err
	}
	return f.Vectors, nil
}
