package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// After a rotation (rename, then SIGHUP's Reopen) the audit log writes to a
// new file at its path, and the rotated one keeps what was written before.
func TestLogFileReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	f := &logFile{path: path}
	if err := f.Reopen(); err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	io.WriteString(f, "before\n")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := f.Reopen(); err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, "after\n")
	for p, want := range map[string]string{path + ".1": "before\n", path: "after\n"} {
		got, err := os.ReadFile(p)
		if err != nil || string(got) != want {
			t.Errorf("%s = %q %v, want %q", filepath.Base(p), got, err, want)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("new audit log mode %v %v, want 0600", fi.Mode().Perm(), err)
	}
}

// regshare dev serves demo passwords over plain HTTP: loopback only.
func TestDevRefusesNonLoopback(t *testing.T) {
	for _, flag := range []string{"--addr", "--registry-addr", "--metrics-addr"} {
		var out, errOut strings.Builder
		err := run(context.Background(), []string{"dev", "--data", t.TempDir(), flag, "0.0.0.0:0"}, strings.NewReader(""), &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), flag) || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("dev %s 0.0.0.0:0: %v, want a refusal naming the flag", flag, err)
		}
	}
}
