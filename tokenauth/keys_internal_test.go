package tokenauth

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestPublishAllOrNothing: when one staged file cannot be linked because its
// name is taken, the files linked before it are taken back and the
// existing one is left as it was.
func TestPublishAllOrNothing(t *testing.T) {
	stage, dir := t.TempDir(), t.TempDir()
	for _, name := range []string{"a.key", "b.crt", "c.json"} {
		if err := os.WriteFile(filepath.Join(stage, name), []byte("new "+name), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// ReadDir lists by name, so the conflict comes last.
	if err := os.WriteFile(filepath.Join(dir, "c.json"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := publish(stage, dir); err == nil {
		t.Fatal("publish over an existing file succeeded")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "c.json" {
		t.Errorf("dir holds %v after a failed publish, want only the old c.json", entries)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "c.json")); string(b) != "old" {
		t.Errorf("c.json = %q, want it untouched", b)
	}

	if err := os.Remove(filepath.Join(dir, "c.json")); err != nil {
		t.Fatal(err)
	}
	if err := publish(stage, dir); err != nil {
		t.Fatalf("publish into an empty directory: %v", err)
	}
	for _, name := range []string{"a.key", "b.crt", "c.json"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != "new "+name {
			t.Errorf("%s = %q, %v", name, b, err)
		}
	}
}

// TestGenerateKeysLeavesNoStage: the files are written aside first; nothing
// of that remains beside the keys.
func TestGenerateKeysLeavesNoStage(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateKeys(dir, AlgES256, time.Now()); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{JWKSFile, RootCertFile, RootKeyFile, SigningCertFile, SigningKeyFile}
	if len(names) != len(want) {
		t.Fatalf("dir holds %q, want %q", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Errorf("dir holds %q, want %q", names, want)
			break
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, SigningKeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("signing key mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
}
