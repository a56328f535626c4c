package etcdtest

import (
	"os/exec"
	"syscall"
)

// dieWithTest has the kernel kill etcd if the test process dies first (a
// test timeout exits without cleanups): no etcd outlives its test.
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
