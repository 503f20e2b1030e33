// Command xrender runs Crossplane's own render engine on a request written as JSON.
//
// `crossplane internal render` (Crossplane v2.3.4) runs one real composite reconcile against an
// in-memory client, but speaks protobuf on stdin and stdout. This adapter is the only code of ours
// on that path: it converts the JSON form of the RenderRequest message to protobuf, runs the
// Crossplane binary named by its first argument, and prints the RenderResponse as JSON. The exit
// code and stderr are Crossplane's own (3 when a pipeline step returned a fatal result).
//
// Usage: xrender CROSSPLANE_BINARY [render flags...] < request.json > response.json
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	renderv1alpha1 "github.com/crossplane/crossplane/v2/proto/render/v1alpha1"
)

func main() {
	os.Exit(run())
}

func run() int {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: xrender CROSSPLANE_BINARY [render flags...] < request.json")
		return 2
	}
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "xrender: cannot read the request: %v\n", err)
		return 2
	}
	req := &renderv1alpha1.RenderRequest{}
	if err := protojson.Unmarshal(in, req); err != nil {
		fmt.Fprintf(os.Stderr, "xrender: the request is not a RenderRequest: %v\n", err)
		return 2
	}
	wire, err := proto.Marshal(req)
	if err != nil {
		fmt.Fprintf(os.Stderr, "xrender: cannot encode the request: %v\n", err)
		return 2
	}
	var out bytes.Buffer
	cmd := exec.Command(os.Args[1], append([]string{"internal", "render"}, os.Args[2:]...)...) //nolint:gosec // the caller names the binary
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(wire), &out, os.Stderr
	code := 0
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			fmt.Fprintf(os.Stderr, "xrender: cannot run %s: %v\n", os.Args[1], err)
			return 2
		}
		code = exit.ExitCode()
	}
	// A fatal pipeline result still writes the partial response (exit 3): print whatever came.
	if out.Len() > 0 {
		rsp := &renderv1alpha1.RenderResponse{}
		if err := proto.Unmarshal(out.Bytes(), rsp); err != nil {
			fmt.Fprintf(os.Stderr, "xrender: the response is not a RenderResponse: %v\n", err)
			return 2
		}
		js, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(rsp)
		if err != nil {
			fmt.Fprintf(os.Stderr, "xrender: cannot encode the response: %v\n", err)
			return 2
		}
		_, _ = os.Stdout.Write(js)
	}
	return code
}
