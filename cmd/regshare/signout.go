package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
)

// signOutCommand runs `regshare sign-out-everywhere`: it ends every API
// token and docker login identity token of the user, on every replica.
func signOutCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("regshare sign-out-everywhere", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := addClientFlags(fs)
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	c, err := cf.newClient(stdin, stderr)
	if err != nil {
		return err
	}
	if _, _, err := c.do(ctx, http.MethodPost, "/v2/manage/user/sign-out-everywhere", nil); err != nil {
		return err
	}
	if *cf.output == "json" {
		return json.NewEncoder(stdout).Encode(struct {
			User      string `json:"user"`
			SignedOut bool   `json:"signed_out"`
		}{c.user, true})
	}
	_, err = fmt.Fprintf(stdout, "Signed out %s everywhere: every API token and docker login identity token issued until now is ended.\nRun docker login again where you still need access.\n", terminalSafe(c.user))
	return err
}
