// netpol-oracle: asks cyclonus's NetworkPolicy engine (github.com/mattfenwick/cyclonus/pkg/matcher), not ours,
// whether each connection is allowed. Built by scripts/netpol-tools.sh; used by test/security.netpol.test.ts.
//
// stdin:  {"policies": [<networking.k8s.io/v1 NetworkPolicy>...], "traffic": [<cyclonus matcher.Traffic>...]}
// stdout: [{"allowed": bool, "ingress": bool, "egress": bool}, ...], one per traffic item, in order.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/mattfenwick/cyclonus/pkg/matcher"
	networkingv1 "k8s.io/api/networking/v1"
)

type input struct {
	Policies []*networkingv1.NetworkPolicy `json:"policies"`
	Traffic  []*matcher.Traffic            `json:"traffic"`
}

type verdict struct {
	Allowed bool `json:"allowed"`
	Ingress bool `json:"ingress"`
	Egress  bool `json:"egress"`
}

func main() {
	var in input
	decoder := json.NewDecoder(os.Stdin)
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&in); err != nil {
		fmt.Fprintf(os.Stderr, "netpol-oracle: reading input: %v\n", err)
		os.Exit(2)
	}
	// simplify=false: judge the policies exactly as written.
	policy := matcher.BuildNetworkPolicies(false, in.Policies)
	out := make([]verdict, 0, len(in.Traffic))
	for _, t := range in.Traffic {
		r := policy.IsTrafficAllowed(t)
		out = append(out, verdict{Allowed: r.IsAllowed(), Ingress: r.Ingress.IsAllowed(), Egress: r.Egress.IsAllowed()})
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintf(os.Stderr, "netpol-oracle: writing output: %v\n", err)
		os.Exit(1)
	}
}
