// Command fncall calls a composition function the way Crossplane core does: one RunFunction over gRPC with
// mutual TLS, the client certificate and CA loaded by crossplane-runtime's certificates.LoadMTLSConfig from
// tls.crt, tls.key and ca.crt (Crossplane v2.3.4 cmd/crossplane/core/core.go), the target resolved and the
// server's certificate verified against that name, as Crossplane dials a FunctionRevision's endpoint.
//
// It converts the JSON form of RunFunctionRequest to protobuf and prints the RunFunctionResponse as JSON;
// nothing else of ours is on the path. A gRPC error is printed as its status code and message, exit 1.
//
// Usage: fncall TARGET CERTS_DIR REQUEST.json > response.json   (TARGET as in grpc.NewClient: dns:///host:port)
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/crossplane/crossplane-runtime/v2/pkg/certificates"

	fnv1 "github.com/crossplane/crossplane/v2/proto/fn/v1"
)

func main() {
	os.Exit(run())
}

func run() int {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: fncall TARGET CERTS_DIR REQUEST.json")
		return 2
	}
	target, dir := os.Args[1], os.Args[2]
	in, err := os.ReadFile(os.Args[3])
	if err != nil {
		fmt.Fprintf(os.Stderr, "fncall: cannot read the request: %v\n", err)
		return 2
	}
	req := &fnv1.RunFunctionRequest{}
	if err := protojson.Unmarshal(in, req); err != nil {
		fmt.Fprintf(os.Stderr, "fncall: the request is not a RunFunctionRequest: %v\n", err)
		return 2
	}
	cfg, err := certificates.LoadMTLSConfig(
		filepath.Join(dir, "ca.crt"), filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key"), false)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fncall: %v\n", err)
		return 2
	}
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(credentials.NewTLS(cfg)))
	if err != nil {
		fmt.Fprintf(os.Stderr, "fncall: cannot dial %s: %v\n", target, err)
		return 1
	}
	defer conn.Close() //nolint:errcheck // the process ends here
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rsp, err := fnv1.NewFunctionRunnerServiceClient(conn).RunFunction(ctx, req)
	if err != nil {
		s := status.Convert(err)
		fmt.Fprintf(os.Stderr, "fncall: RunFunction: code %s: %s\n", s.Code(), s.Message())
		return 1
	}
	out, err := protojson.Marshal(rsp)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fncall: cannot print the response: %v\n", err)
		return 2
	}
	fmt.Println(string(out))
	return 0
}
