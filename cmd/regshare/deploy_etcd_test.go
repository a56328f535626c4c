package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// k8sObject is what the etcd deployment files are checked for.
type k8sObject struct {
	Kind     string
	Metadata struct{ Name string }
	Data     map[string]string
	Spec     struct {
		Replicas     int
		MinAvailable int `yaml:"minAvailable"`
		Selector     struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		}
	}
	Resources []string
	Patches   []struct{ Path string }
}

func readObjects(t *testing.T, path string) map[string]k8sObject {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]k8sObject{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var o k8sObject
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			return out
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out[o.Kind+"/"+o.Metadata.Name] = o
	}
}

// loadConfigText loads a configuration held in a string.
func loadConfigText(t *testing.T, what, text string) *Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), "regshare.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return cfg
}

// sameButStore fails unless two configurations differ in their store only.
func sameButStore(t *testing.T, what string, got, want *Config) {
	t.Helper()
	g, w := *got, *want
	g.Store, w.Store = StoreConfig{}, StoreConfig{}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s differs from its bbolt counterpart in more than the store:\n got %+v\nwant %+v", what, g, w)
	}
}

func wantEtcdStore(t *testing.T, what string, cfg *Config) {
	t.Helper()
	if cfg.Store.Type != "etcd" || cfg.Store.Etcd == nil || len(cfg.Store.Etcd.Endpoints) == 0 {
		t.Errorf("%s: store %+v, want etcd with endpoints", what, cfg.Store)
	}
}

// The etcd variants of the deployment files load, use etcd, and agree with
// the bbolt ones in everything else.
func TestDeployEtcdFiles(t *testing.T) {
	example, err := loadConfig(deployRegshareExample)
	if err != nil {
		t.Fatal(err)
	}
	// compose.yaml's etcd profile.
	etcdExample, err := loadConfig(filepath.Join(deployDir, "regshare.etcd.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	wantEtcdStore(t, "regshare.etcd.example.yaml", etcdExample)
	sameButStore(t, "regshare.etcd.example.yaml", etcdExample, example)

	data, err := os.ReadFile(filepath.Join(deployDir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Profiles []string
			Volumes  []string
			Command  []string
		}
	}
	if err := yaml.Unmarshal(data, &compose); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(compose.Services["etcd"].Profiles, []string{"etcd"}) {
		t.Errorf("compose.yaml: service etcd has profiles %v, want [etcd]", compose.Services["etcd"].Profiles)
	}
	if !slices.Contains(compose.Services["regshare"].Volumes, "./regshare.etcd.compose.yaml:/etc/regshare/regshare.etcd.yaml:ro") {
		t.Error("compose.yaml: regshare does not mount regshare.etcd.compose.yaml")
	}
	// The etcd of compose.yaml takes a transaction of the size its
	// regshare is told: bulk changes are bounded by it.
	composeCfg, err := loadConfig(filepath.Join(deployDir, "regshare.etcd.compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	e := composeCfg.Store.Etcd
	for _, flag := range []string{fmt.Sprintf("--max-txn-ops=%d", e.MaxTxnOps), fmt.Sprintf("--max-request-bytes=%d", e.MaxRequestBytes)} {
		if e.MaxTxnOps <= 128 || !slices.Contains(compose.Services["etcd"].Command, flag) {
			t.Errorf("compose.yaml: etcd does not run with %s, as regshare.etcd.compose.yaml says (above etcd's default)", flag)
		}
	}

	// Kubernetes: the etcd component patches the base.
	k8s := filepath.Join(deployDir, "kubernetes")
	base := readObjects(t, filepath.Join(k8s, "regshare.yaml"))
	kust := readObjects(t, filepath.Join(k8s, "etcd", "kustomization.yaml"))["Component/"]
	if !slices.Equal(kust.Resources, []string{"pdb.yaml"}) || len(kust.Patches) != 1 || kust.Patches[0].Path != "regshare-etcd.yaml" {
		t.Errorf("kubernetes/etcd/kustomization.yaml: %+v", kust)
	}
	patch := readObjects(t, filepath.Join(k8s, "etcd", "regshare-etcd.yaml"))
	cfg := loadConfigText(t, "kubernetes/etcd regshare-config", patch["ConfigMap/regshare-config"].Data["regshare.yaml"])
	baseCfg := loadConfigText(t, "kubernetes regshare-config", base["ConfigMap/regshare-config"].Data["regshare.yaml"])
	wantEtcdStore(t, "kubernetes/etcd regshare-config", cfg)
	sameButStore(t, "kubernetes/etcd regshare-config", cfg, baseCfg)
	if n := patch["Deployment/regshare"].Spec.Replicas; n != 3 {
		t.Errorf("kubernetes/etcd: %d replicas, want 3", n)
	}
	pdb := readObjects(t, filepath.Join(k8s, "etcd", "pdb.yaml"))["PodDisruptionBudget/regshare"]
	if pdb.Spec.MinAvailable != 2 || pdb.Spec.Selector.MatchLabels["app"] != "regshare" {
		t.Errorf("kubernetes/etcd/pdb.yaml: %+v", pdb.Spec)
	}
}

// The etcd store's settings: relative paths are relative to the file, and
// a bad section is refused with what is wrong.
func TestLoadConfigEtcd(t *testing.T) {
	example, err := os.ReadFile(filepath.Join(deployDir, "regshare.etcd.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	etcdSection := "  etcd:\n    endpoints: [\"http://etcd:2379\"]\n"
	for _, tt := range []struct {
		name, old, new, want string
	}{
		{"relative TLS paths", etcdSection, etcdSection + "    ca_file: etcd/ca.crt\n    cert_file: etcd/c.crt\n    key_file: /abs/c.key\n", ""},
		{"no endpoints", "    endpoints: [\"http://etcd:2379\"]\n", "", "etcd.endpoints"},
		{"no etcd section", "WHOLE", "", "store.etcd"},
		{"cert without key", etcdSection, etcdSection + "    cert_file: c.crt\n", "key_file"},
		{"unknown key", etcdSection, etcdSection + "    endpoint: x\n", "endpoint"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			text := string(example)
			if tt.old == "WHOLE" { // the section, to the next top-level key
				i, j := strings.Index(text, etcdSection), strings.Index(text, "\nregistry:")
				tt.old = text[i : j+1]
			}
			if !strings.Contains(text, tt.old) {
				t.Fatalf("the example has no %q", tt.old)
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "regshare.yaml")
			if err := os.WriteFile(path, []byte(strings.Replace(text, tt.old, tt.new, 1)), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := loadConfig(path)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("loadConfig = %v, want an error about %s", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			e := cfg.Store.Etcd
			if e.CAFile != filepath.Join(dir, "etcd", "ca.crt") || e.CertFile != filepath.Join(dir, "etcd", "c.crt") || e.KeyFile != "/abs/c.key" {
				t.Errorf("paths %q %q %q", e.CAFile, e.CertFile, e.KeyFile)
			}
		})
	}
}
