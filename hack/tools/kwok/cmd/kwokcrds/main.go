// Command kwokcrds prints the CustomResourceDefinition of each kwok kind named as an argument, as kwokctl
// installs them before it starts kwok with --enable-crds=KIND (pkg/kwokctl/runtime/cluster_init.go), read from
// the package kwok v0.8.0 embeds them in (kustomize/crd), so the local tier never keeps a copy of its own. The
// local tier configures each database pod's port-forward as a PortForward object, so kwok must watch them.
package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"sigs.k8s.io/kwok/kustomize/crd"
)

// The kinds the local tier may have kwok watch (kwok's own crdDefines has more).
var crds = map[string][]byte{
	"PortForward":        crd.PortForward,
	"ClusterPortForward": crd.ClusterPortForward,
}

func main() {
	for i, kind := range os.Args[1:] {
		definition, ok := crds[kind]
		if !ok {
			known := make([]string, 0, len(crds))
			for name := range crds {
				known = append(known, name)
			}
			slices.Sort(known)
			fmt.Fprintf(os.Stderr, "kwokcrds: no CRD for kind %q (known: %s)\n", kind, strings.Join(known, ", "))
			os.Exit(2)
		}
		if i > 0 {
			fmt.Println("---")
		}
		fmt.Print(string(definition))
	}
}
