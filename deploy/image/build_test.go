package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// staticBinary compiles a small static program. The test checks the builder;
// .ci/run packages the real trimmed keyholder binary with the same code and
// verifies it with -verify.
func staticBinary(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil && runtime.GOOS == "windows" {
		// Windows test runs under Wine have no Go toolchain; Linux CI
		// always has one (and fails below if it does not).
		t.Skip("needs the go command to build a Linux test binary; not on PATH")
	}
	out := filepath.Join(t.TempDir(), "hello")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, "./testdata/hello")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

func caBundle(t *testing.T) string {
	// A self-contained PEM so the test does not depend on the host's bundle.
	p := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(p, []byte(testCA), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImageBuildReadBackAndReproducible(t *testing.T) {
	bin, ca := staticBinary(t), caBundle(t)
	o := Options{Binary: bin, CABundle: ca, Tag: "keyholder:test", Epoch: 1767225600}
	img, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tarPath := filepath.Join(dir, "image.tar")
	if err := WriteTarball(img, o.Tag, tarPath); err != nil {
		t.Fatal(err)
	}
	built, err := Verify(img)
	if err != nil {
		t.Fatalf("verify the built image: %v", err)
	}
	rep, err := VerifyTarball(tarPath, o.Tag)
	if err != nil {
		t.Fatalf("verify the tarball: %v\n%s", err, rep)
	}
	if rep.ConfigDigest != built.ConfigDigest {
		t.Errorf("tarball config %s, built %s", rep.ConfigDigest, built.ConfigDigest)
	}
	if rep.Config.User != "65532:65532" || rep.Config.Entrypoint[0] != "/usr/local/bin/keyholder" || rep.Config.WorkingDir != "/work" {
		t.Errorf("config = %+v", rep.Config)
	}
	if h := rep.Files["/work"]; h == nil || h.Uid != UID {
		t.Errorf("/work not owned by the unprivileged user: %+v", h)
	}
	want, _ := os.ReadFile(bin)
	if h := rep.Files[BinaryPath]; h == nil || h.Size != int64(len(want)) || h.Mode&0o777 != 0o755 {
		t.Errorf("binary entry = %+v", h)
	}
	for _, f := range []string{"/etc/passwd", "/etc/group", CAPath, "/tmp"} {
		if rep.Files[f] == nil {
			t.Errorf("%s missing", f)
		}
	}
	if len(rep.Files) != 12 {
		t.Errorf("image holds %d entries, want exactly the 12 the builder writes: %v", len(rep.Files), rep)
	}

	// The OCI layout reads back to the same digest.
	lp := filepath.Join(dir, "oci")
	if err := WriteLayout(img, lp); err != nil {
		t.Fatal(err)
	}
	p, err := layout.FromPath(lp)
	if err != nil {
		t.Fatal(err)
	}
	idx, _ := p.ImageIndex()
	im, _ := idx.IndexManifest()
	if len(im.Manifests) != 1 || im.Manifests[0].Digest.String() != built.Digest || im.Manifests[0].MediaType != "application/vnd.oci.image.manifest.v1+json" {
		t.Errorf("layout index = %+v, want one OCI manifest %s", im.Manifests, built.Digest)
	}

	// Same inputs, same digest.
	img2, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := img2.Digest(); d.String() != built.Digest {
		t.Errorf("rebuild digest %s != %s: not reproducible", d, built.Digest)
	}
	o.Epoch++
	img3, _ := Build(o)
	if d, _ := img3.Digest(); d.String() == built.Digest {
		t.Error("a different creation time gave the same digest: the time is not recorded")
	}
}

func TestImageRefusesWhatCannotRun(t *testing.T) {
	ca := caBundle(t)
	notELF := filepath.Join(t.TempDir(), "script")
	os.WriteFile(notELF, []byte("#!/bin/sh\necho hi\n"), 0o755)
	if _, err := Build(Options{Binary: notELF, CABundle: ca}); err == nil {
		t.Error("a shell script was packaged")
	}
	if _, err := Build(Options{Binary: staticBinary(t), CABundle: notELF}); err == nil {
		t.Error("a CA bundle without certificates was accepted")
	}
	// The Go toolchain itself is dynamically linked on most systems only
	// with cgo; check the detector with a real dynamic ELF when one exists.
	for _, p := range []string{"/bin/ls", "/usr/bin/ls"} {
		if _, err := os.Stat(p); err == nil {
			if _, err := Build(Options{Binary: p, CABundle: ca}); !errors.Is(err, ErrNotStatic) {
				t.Errorf("%s: %v, want ErrNotStatic", p, err)
			}
			break
		}
	}
}
