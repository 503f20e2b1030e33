// Command velastatus evaluates a ComponentDefinition's health policy and custom status with
// KubeVela's own code (pkg/cue/definition/health at the pinned version), the way the application
// controller does for a live output. `vela dry-run` renders outputs but never evaluates status.
//
// Input on stdin, JSON: {"healthPolicy": "...", "customStatus": "...", "details": "...",
// "parameter": {...}, "context": {"output": {...}, ...}}. Output on stdout, JSON: the StatusResult
// ({"healthy", "message", "details"}) plus "healthError"/"messageError": what KubeVela only logs
// as a warning (a health policy that does not evaluate counts as unhealthy).
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/oam-dev/kubevela/pkg/cue/definition/health"
)

type request struct {
	HealthPolicy string                 `json:"healthPolicy"`
	CustomStatus string                 `json:"customStatus"`
	Details      string                 `json:"details"`
	Parameter    map[string]interface{} `json:"parameter"`
	Context      map[string]interface{} `json:"context"`
}

type result struct {
	*health.StatusResult
	HealthError  string `json:"healthError,omitempty"`
	MessageError string `json:"messageError,omitempty"`
}

func main() {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "velastatus: cannot read the request: %v\n", err)
		os.Exit(2)
	}
	var req request
	if err := json.Unmarshal(in, &req); err != nil {
		fmt.Fprintf(os.Stderr, "velastatus: the request is not JSON: %v\n", err)
		os.Exit(2)
	}
	if req.Context == nil {
		req.Context = map[string]interface{}{}
	}
	status, err := health.GetStatus(req.Context, &health.StatusRequest{
		Health: req.HealthPolicy, Custom: req.CustomStatus, Details: req.Details, Parameter: req.Parameter,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "velastatus: %v\n", err)
		os.Exit(1)
	}
	out := result{StatusResult: status}
	// GetStatus only logs these; evaluate them once more so the caller can see why.
	if _, err := health.CheckHealth(req.Context, req.HealthPolicy, req.Parameter); err != nil {
		out.HealthError = err.Error()
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
}
