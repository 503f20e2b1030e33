// Command kwokstages prints the Stage documents kwok needs to run nodes and pods: the same defaults kwokctl
// writes into its kwok.yaml (node initialisation, node heartbeat with a lease, pod ready/complete/delete),
// read from the packages kwok v0.8.0 embeds them in, so the local tier never keeps a copy of its own.
package main

import (
	"fmt"

	nodefast "sigs.k8s.io/kwok/kustomize/stage/node/fast"
	nodelease "sigs.k8s.io/kwok/kustomize/stage/node/heartbeat-with-lease"
	podfast "sigs.k8s.io/kwok/kustomize/stage/pod/fast"
)

func main() {
	stages := []string{
		nodefast.DefaultNodeInit,
		nodelease.DefaultNodeHeartbeatWithLease,
		podfast.DefaultPodReady,
		podfast.DefaultPodComplete,
		podfast.DefaultPodDelete,
	}
	for i, stage := range stages {
		if i > 0 {
			fmt.Println("---")
		}
		fmt.Print(stage)
	}
}
