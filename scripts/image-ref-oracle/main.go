// image-ref-oracle: reads a JSON list of image references on stdin and writes, for each, whether
// github.com/distribution/reference (the parser container runtimes and the kubelet use) accepts it as a
// normalized name, with its tag and digest. The library's own parser is held against it by the tests.
package main

import (
	// The digest algorithms a runtime can verify are the ones linked in, as in containerd and the kubelet.
	_ "crypto/sha256"
	_ "crypto/sha512"
	"encoding/json"
	"os"

	"github.com/distribution/reference"
)

type verdict struct {
	Ref    string `json:"ref"`
	Ok     bool   `json:"ok"`
	Tag    string `json:"tag,omitempty"`
	Digest string `json:"digest,omitempty"`
	Error  string `json:"error,omitempty"`
}

func main() {
	var refs []string
	if err := json.NewDecoder(os.Stdin).Decode(&refs); err != nil {
		os.Stderr.WriteString("image-ref-oracle: stdin is not a JSON list of strings: " + err.Error() + "\n")
		os.Exit(2)
	}
	out := make([]verdict, 0, len(refs))
	for _, r := range refs {
		named, err := reference.ParseNormalizedNamed(r)
		if err != nil {
			out = append(out, verdict{Ref: r, Error: err.Error()})
			continue
		}
		v := verdict{Ref: r, Ok: true}
		if t, ok := named.(reference.Tagged); ok {
			v.Tag = t.Tag()
		}
		if d, ok := named.(reference.Digested); ok {
			v.Digest = d.Digest().String()
		}
		out = append(out, v)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(1)
	}
}
