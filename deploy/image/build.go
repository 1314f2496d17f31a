package main

import (
	"archive/tar"
	"bytes"
	"crypto/x509"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image's fixed facts, checked by Verify.
const (
	BinaryPath  = "/usr/local/bin/keyholder"
	CAPath      = "/etc/ssl/certs/ca-certificates.crt"
	UID         = 65532
	User        = "65532:65532"
	WorkDir     = "/work"
	nonrootName = "keyholder"
)

// Options are the inputs of Build.
type Options struct {
	Binary   string // static linux ELF
	CABundle string // PEM bundle
	Tag      string
	Epoch    int64 // creation time, Unix seconds
}

// ErrNotStatic is returned for a binary that needs a dynamic loader: the
// image has none.
var ErrNotStatic = errors.New("binary is dynamically linked (build it with CGO_ENABLED=0)")

type file struct {
	name string
	mode int64
	dir  bool
	uid  int
	data []byte
}

// Build returns the image. It reads only the two input files.
func Build(o Options) (v1.Image, error) {
	bin, err := os.ReadFile(o.Binary)
	if err != nil {
		return nil, err
	}
	arch, err := staticELF(bin)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.Binary, err)
	}
	ca, err := os.ReadFile(o.CABundle)
	if err != nil {
		return nil, err
	}
	if pool := x509.NewCertPool(); !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("%s: no PEM certificates", o.CABundle)
	}
	created := time.Unix(o.Epoch, 0).UTC()
	files := []file{
		{name: "etc/", dir: true, mode: 0o755},
		{name: "etc/ssl/", dir: true, mode: 0o755},
		{name: "etc/ssl/certs/", dir: true, mode: 0o755},
		{name: strings.TrimPrefix(CAPath, "/"), mode: 0o644, data: ca},
		{name: "etc/passwd", mode: 0o644, data: []byte(fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\n%s:x:%d:%d:keyholder:%s:/sbin/nologin\n", nonrootName, UID, UID, WorkDir))},
		{name: "etc/group", mode: 0o644, data: []byte(fmt.Sprintf("root:x:0:\n%s:x:%d:\n", nonrootName, UID))},
		{name: "tmp/", dir: true, mode: 0o1777},
		{name: "usr/", dir: true, mode: 0o755},
		{name: "usr/local/", dir: true, mode: 0o755},
		{name: "usr/local/bin/", dir: true, mode: 0o755},
		{name: strings.TrimPrefix(BinaryPath, "/"), mode: 0o755, data: bin},
		{name: strings.TrimPrefix(WorkDir, "/") + "/", dir: true, mode: 0o700, uid: UID},
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: f.mode, Uid: f.uid, Gid: f.uid, ModTime: created, Format: tar.FormatPAX}
		if f.dir {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(f.data))
		}
		if f.uid != 0 {
			h.Uname, h.Gname = nonrootName, nonrootName
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if !f.dir {
			if _, err := tw.Write(f.data); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	layerBytes := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerBytes)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{Layer: layer, History: v1.History{
		Created: v1.Time{Time: created}, CreatedBy: "keyholder deploy/image: static binary, CA bundle, passwd", Comment: "no shell",
	}})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	cf.Created = v1.Time{Time: created}
	cf.Config = v1.Config{
		Entrypoint: []string{BinaryPath},
		Cmd:        []string{"--help"},
		User:       User,
		WorkingDir: WorkDir,
		Env:        []string{"SSL_CERT_FILE=" + CAPath, "HOME=" + WorkDir, "KEYHOLDER_STORE=" + WorkDir + "/keyholder.db"},
		Labels: map[string]string{
			"org.opencontainers.image.title":       "keyholder",
			"org.opencontainers.image.description": "Who holds the keys: read-only access audit of an estate run by an MSP",
			"org.opencontainers.image.source":      "https://github.com/keyholder/keyholder",
		},
	}
	return mutate.ConfigFile(img, cf)
}

// staticELF checks the binary is a static linux executable and returns its
// OCI architecture.
func staticELF(b []byte) (string, error) {
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		return "", fmt.Errorf("not a linux ELF executable: %w", err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return "", ErrNotStatic
		}
	}
	switch f.Machine {
	case elf.EM_X86_64:
		return "amd64", nil
	case elf.EM_AARCH64:
		return "arm64", nil
	}
	return "", fmt.Errorf("unsupported architecture %v", f.Machine)
}

// WriteTarball writes a tarball `docker load` accepts.
func WriteTarball(img v1.Image, tag, p string) error {
	ref, err := name.NewTag(tag)
	if err != nil {
		return err
	}
	return tarball.WriteToFile(p, ref, img)
}

// WriteLayout writes (or appends to) an OCI image layout directory.
func WriteLayout(img v1.Image, dir string) error {
	lp, err := layout.FromPath(dir)
	if err != nil {
		lp, err = layout.Write(dir, empty.Index)
		if err != nil {
			return err
		}
	}
	return lp.AppendImage(img)
}

// Report is what Verify read back.
type Report struct {
	Digest       string // manifest digest (a tarball read back gets a docker manifest: compare ConfigDigest)
	ConfigDigest string
	Config       v1.Config
	Files        map[string]*tar.Header
}

func (r Report) String() string {
	var names []string
	for n := range r.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	return fmt.Sprintf("manifest %s config %s\nentrypoint %v, user %s, workdir %s\nfiles: %s", r.Digest, r.ConfigDigest, r.Config.Entrypoint, r.Config.User, r.Config.WorkingDir, strings.Join(names, " "))
}

// VerifyTarball reads the image back from a tarball and checks it.
func VerifyTarball(p, tag string) (Report, error) {
	ref, err := name.NewTag(tag)
	if err != nil {
		return Report{}, err
	}
	img, err := tarball.ImageFromPath(p, &ref)
	if err != nil {
		return Report{}, err
	}
	return Verify(img)
}

// Verify checks the facts the image promises: the entrypoint is keyholder,
// the user is not root, the binary and CA bundle are there, and there is no
// shell.
func Verify(img v1.Image) (Report, error) {
	var rep Report
	d, err := img.Digest()
	if err != nil {
		return rep, err
	}
	rep.Digest = d.String()
	cn, err := img.ConfigName()
	if err != nil {
		return rep, err
	}
	rep.ConfigDigest = cn.String()
	cf, err := img.ConfigFile()
	if err != nil {
		return rep, err
	}
	rep.Config = cf.Config
	var problems []string
	if len(cf.Config.Entrypoint) != 1 || cf.Config.Entrypoint[0] != BinaryPath {
		problems = append(problems, fmt.Sprintf("entrypoint %v, want [%s]", cf.Config.Entrypoint, BinaryPath))
	}
	if u := cf.Config.User; u == "" || u == "0" || u == "root" || strings.HasPrefix(u, "0:") || strings.HasPrefix(u, "root:") {
		problems = append(problems, fmt.Sprintf("user %q is root", u))
	}
	if cf.OS != "linux" {
		problems = append(problems, "os "+cf.OS)
	}
	rep.Files = map[string]*tar.Header{}
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return rep, err
		}
		n := "/" + strings.TrimSuffix(path.Clean(h.Name), "/")
		rep.Files[n] = h
		if n == CAPath {
			b, _ := io.ReadAll(tr)
			if !x509.NewCertPool().AppendCertsFromPEM(b) {
				problems = append(problems, "CA bundle holds no certificate")
			}
		}
	}
	if h := rep.Files[BinaryPath]; h == nil || h.Mode&0o111 == 0 || h.Uid != 0 {
		problems = append(problems, BinaryPath+" missing, not executable or not owned by root")
	}
	if rep.Files[CAPath] == nil {
		problems = append(problems, CAPath+" missing")
	}
	for _, sh := range []string{"/bin/sh", "/bin/bash", "/bin/busybox", "/usr/bin/sh"} {
		if rep.Files[sh] != nil {
			problems = append(problems, "shell present: "+sh)
		}
	}
	if len(problems) > 0 {
		return rep, errors.New(strings.Join(problems, "; "))
	}
	return rep, nil
}
