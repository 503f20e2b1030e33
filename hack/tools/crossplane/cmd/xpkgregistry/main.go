// Command xpkgregistry serves Crossplane package images (xpkg) from an in-memory OCI registry over TLS
// on loopback: the local tier's stand-in for xpkg.crossplane.io, so that Crossplane's own package manager
// pulls, parses and installs the platform's providers and functions as it does from the real registry.
//
// Each image is built as `crossplane xpkg build` (Crossplane v1's CLI, now the crank CLI) builds one: with
// crossplane-runtime's xpkg.Builder from a module's `package/` folder (the package.yaml stream in one layer
// annotated `io.crossplane.xpkg: base`, the annotations propagated from the config labels as crank does
// before a push). A released package appends that layer to its runtime image (the provider or function
// binary); here the base is an empty image whose config names the binary a Deployment would run. The
// local tier's pods are kwok's simulations, so no container ever runs from it.
//
// Usage:
//
//	xpkgregistry --listen 127.0.0.1:5000 --cert tls.crt --key tls.key --ca ca.crt \
//	    --package crossplane-contrib/provider-helm:v1.3.0=/path/to/provider-helm@v1.3.0/package=provider
//
// It prints one JSON line per pushed image ({"image": ..., "digest": ...}), then "serving" once every image
// is in place, and serves until SIGTERM or SIGINT.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/xpkg"
	"github.com/crossplane/crossplane-runtime/v2/pkg/xpkg/parser"
	"github.com/crossplane/crossplane-runtime/v2/pkg/xpkg/parser/examples"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/spf13/afero"
)

// pkg is one --package value: <repository>:<tag>=<package folder>=<entrypoint>.
type pkg struct {
	repository, tag, folder, entrypoint string
}

type packages []pkg

func (p *packages) String() string { return fmt.Sprint(*p) }

func (p *packages) Set(value string) error {
	parts := strings.Split(value, "=")
	if len(parts) != 3 {
		return fmt.Errorf("want <repository>:<tag>=<folder>=<entrypoint>, got %q", value)
	}
	repository, tag, ok := strings.Cut(parts[0], ":")
	if !ok || repository == "" || tag == "" {
		return fmt.Errorf("want <repository>:<tag> before the first '=', got %q", parts[0])
	}
	*p = append(*p, pkg{repository: repository, tag: tag, folder: parts[1], entrypoint: parts[2]})
	return nil
}

func main() {
	var pkgs packages
	listen := flag.String("listen", "127.0.0.1:0", "loopback address to serve on")
	cert := flag.String("cert", "", "serving certificate (PEM)")
	key := flag.String("key", "", "serving key (PEM)")
	ca := flag.String("ca", "", "the CA that signed --cert: this command pushes through TLS verified against it")
	flag.Var(&pkgs, "package", "<repository>:<tag>=<package folder>=<entrypoint> (repeatable)")
	flag.Parse()
	if err := run(*listen, *cert, *key, *ca, pkgs); err != nil {
		fmt.Fprintln(os.Stderr, "xpkgregistry:", err)
		os.Exit(1)
	}
}

func run(listen, cert, key, ca string, pkgs packages) error {
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return fmt.Errorf("cannot load the serving certificate: %w", err)
	}
	listener, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	server := &http.Server{
		Handler:           registry.New(),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
	}
	served := make(chan error, 1)
	go func() { served <- server.ServeTLS(listener, "", "") }()

	transport, err := trusting(ca)
	if err != nil {
		return err
	}
	host := listener.Addr().String()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	for _, p := range pkgs {
		if err := push(ctx, host, p, transport); err != nil {
			return fmt.Errorf("%s:%s from %s: %w", p.repository, p.tag, p.folder, err)
		}
	}
	fmt.Println("serving")

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := server.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// trusting is an HTTP transport that verifies servers against the CA in *path* alone.
func trusting(path string) (*http.Transport, error) {
	pem, err := os.ReadFile(filepath.Clean(path))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no certificate in %s", path)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone() //nolint:forcetypeassert // the standard library's own type
	transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return transport, nil
}

func push(ctx context.Context, host string, p pkg, transport http.RoundTripper) error {
	img, err := build(ctx, p)
	if err != nil {
		return err
	}
	ref, err := name.NewTag(fmt.Sprintf("%s/%s:%s", host, p.repository, p.tag))
	if err != nil {
		return err
	}
	if err := remote.Write(ref, img, remote.WithContext(ctx), remote.WithTransport(transport)); err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	line, err := json.Marshal(map[string]string{"image": ref.String(), "digest": digest.String()})
	if err != nil {
		return err
	}
	fmt.Println(string(line))
	return nil
}

// build makes the package image as crank's `xpkg build` does, on a base whose config names *entrypoint*.
func build(ctx context.Context, p pkg) (v1.Image, error) {
	fs := afero.NewOsFs()
	source := parser.NewFsBackend(fs, parser.FsDir(p.folder), parser.FsFilters(
		parser.SkipDirs(), parser.SkipNotYAML(), parser.SkipEmpty(), xpkg.SkipContains("examples/")))
	// A module's package/ folder has no examples/; the Builder skips a missing folder.
	exampleSource := parser.NewFsBackend(fs, parser.FsDir(filepath.Join(p.folder, "examples")),
		parser.FsFilters(parser.SkipDirs(), parser.SkipNotYAML(), parser.SkipEmpty()))
	metaScheme, err := xpkg.BuildMetaScheme()
	if err != nil {
		return nil, err
	}
	objScheme, err := xpkg.BuildObjectScheme()
	if err != nil {
		return nil, err
	}
	base, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{
		OS:           "linux",
		Architecture: "amd64",
		Config:       v1.Config{Entrypoint: []string{p.entrypoint}},
	})
	if err != nil {
		return nil, err
	}
	builder := xpkg.New(source, exampleSource, parser.New(metaScheme, objScheme), examples.New())
	img, _, err := builder.Build(ctx, xpkg.WithBase(base))
	if err != nil {
		return nil, err
	}
	return xpkg.AnnotateLayers(img)
}
