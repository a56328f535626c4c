//go:build !linux

package etcdtest

import "os/exec"

// dieWithTest does nothing here: only Linux kills a child with its parent.
func dieWithTest(*exec.Cmd) {}
