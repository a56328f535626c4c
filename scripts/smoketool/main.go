// Command smoketool helps scripts/smoke.sh: it writes a tiny OCI image
// without the network, and reads the users and addresses of a dev.json.
//
//	smoketool oci-image DIR TAG              write an OCI layout; print the manifest digest
//	smoketool dev-field DEV.JSON FIELD       print registry, api or token_url
//	smoketool dev-user DEV.JSON DOMAIN ROLE  print "name password" of such a user
package main

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "smoketool:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	switch {
	case len(args) == 3 && args[0] == "oci-image":
		digest, err := ociImage(args[1], args[2])
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, digest)
		return nil
	case len(args) == 3 && args[0] == "dev-field":
		var info map[string]any
		if err := readJSON(args[1], &info); err != nil {
			return err
		}
		v, ok := info[args[2]].(string)
		if !ok || v == "" {
			return fmt.Errorf("%s has no %q", args[1], args[2])
		}
		fmt.Fprintln(stdout, v)
		return nil
	case len(args) == 4 && args[0] == "dev-user":
		var info struct {
			Users []struct{ Name, Password, Domain, Role string }
		}
		if err := readJSON(args[1], &info); err != nil {
			return err
		}
		for _, u := range info.Users {
			if u.Domain == args[2] && u.Role == args[3] {
				fmt.Fprintln(stdout, u.Name, u.Password)
				return nil
			}
		}
		return fmt.Errorf("%s has no %s user in %s", args[1], args[3], args[2])
	}
	return errors.New("usage: smoketool oci-image DIR TAG | dev-field DEV.JSON FIELD | dev-user DEV.JSON DOMAIN ROLE")
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// ociImage writes to dir an OCI layout holding one image, tagged tag, of
// one layer with one small file; it returns the manifest digest.
func ociImage(dir, tag string) (v1.Hash, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	content := []byte("regshare smoke test\n")
	if err := tw.WriteHeader(&tar.Header{Name: "hello.txt", Mode: 0o644, Size: int64(len(content)), ModTime: time.Unix(0, 0)}); err != nil {
		return v1.Hash{}, err
	}
	tw.Write(content)
	if err := tw.Close(); err != nil {
		return v1.Hash{}, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(buf.Bytes())), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return v1.Hash{}, err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.ConfigFile(img, &v1.ConfigFile{
		Architecture: "amd64",
		OS:           "linux",
		RootFS:       v1.RootFS{Type: "layers"},
	})
	if err != nil {
		return v1.Hash{}, err
	}
	if img, err = mutate.AppendLayers(img, layer); err != nil {
		return v1.Hash{}, err
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return v1.Hash{}, err
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": tag})); err != nil {
		return v1.Hash{}, err
	}
	return img.Digest()
}
