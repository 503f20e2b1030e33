// Command gox509 prints what Go's crypto/x509 says of a certificate and a host: the PEM certificate on stdin,
// the host as the only argument, and on stdout the error VerifyHostname returns ("ok" when it covers the host).
// The self-tests compare the suite's own rendering of that text (oamconf.probes.go_x509) with it.
package main

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"os"
)

func main() {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		fail(fmt.Errorf("no PEM block on stdin"))
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		fail(err)
	}
	if err := cert.VerifyHostname(os.Args[1]); err != nil {
		fmt.Print(err.Error())
		return
	}
	fmt.Print("ok")
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(2)
}
