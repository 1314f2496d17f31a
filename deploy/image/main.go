// Command image builds keyholder's container image without Docker and
// without pulling a base image: an empty image plus one layer holding the
// static keyholder binary, a CA bundle and the passwd/group entries of an
// unprivileged user — no shell, no package manager, nothing else. The result
// is reproducible (fixed timestamps and ownership; the same inputs give the
// same digest) and is written as an OCI image layout directory and/or a
// tarball that `docker load` / `podman load` accept.
//
//	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o keyholder ./cmd/keyholder
//	go run ./deploy/image -binary keyholder -tar keyholder-image.tar -layout oci/
//	go run ./deploy/image -verify keyholder-image.tar
//
// deploy/Dockerfile builds the same image with Docker.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	var o Options
	var tarPath, layoutPath, verify string
	flag.StringVar(&o.Binary, "binary", "", "static linux keyholder binary to package (required to build)")
	flag.StringVar(&o.CABundle, "ca-bundle", "/etc/ssl/certs/ca-certificates.crt", "PEM CA bundle to include")
	flag.StringVar(&o.Tag, "tag", "keyholder:latest", "image reference recorded in the tarball")
	flag.Int64Var(&o.Epoch, "epoch", 0, "creation time in Unix seconds (default $SOURCE_DATE_EPOCH, else 0)")
	flag.StringVar(&tarPath, "tar", "", "write a docker/podman-loadable tarball here")
	flag.StringVar(&layoutPath, "layout", "", "write an OCI image layout directory here")
	flag.StringVar(&verify, "verify", "", "read back this tarball and check it (entrypoint, user, files)")
	flag.Parse()

	if verify != "" {
		rep, err := VerifyTarball(verify, o.Tag)
		if err != nil {
			fmt.Fprintln(os.Stderr, "image:", err)
			os.Exit(1)
		}
		fmt.Println(rep)
		return
	}
	if o.Binary == "" || (tarPath == "" && layoutPath == "") {
		fmt.Fprintln(os.Stderr, "image: -binary and one of -tar or -layout are required (or -verify TARBALL)")
		os.Exit(2)
	}
	if o.Epoch == 0 {
		if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
			if _, err := fmt.Sscan(v, &o.Epoch); err != nil {
				fmt.Fprintln(os.Stderr, "image: SOURCE_DATE_EPOCH:", err)
				os.Exit(2)
			}
		}
	}
	img, err := Build(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
	if tarPath != "" {
		if err := WriteTarball(img, o.Tag, tarPath); err != nil {
			fmt.Fprintln(os.Stderr, "image:", err)
			os.Exit(1)
		}
	}
	if layoutPath != "" {
		if err := WriteLayout(img, layoutPath); err != nil {
			fmt.Fprintln(os.Stderr, "image:", err)
			os.Exit(1)
		}
	}
	d, _ := img.Digest()
	fmt.Println(d)
}
