package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/regshare/regshare/shareapi"
)

// hostile clears the screen and sets the window title when a terminal
// prints it raw; the rest are the other characters a terminal acts on: a
// C1 CSI, DEL, a right-to-left override and isolate, and a tab.
const hostile = "\x1b[2J\x1b]0;pwned\x07 \u009b31m\x7f\u202egnp.exe\u2066\t!"

// hostileAPI answers every route the CLI reads with hostile text in every
// string field, as a share written by another domain (or a server that is
// not what it claims) could.
func hostileAPI(t *testing.T) *httptest.Server {
	t.Helper()
	share := shareapi.Share{
		Namespace: "acme", Repository: "web" + hostile, AccessDomain: "globex" + hostile, Permit: "read" + hostile,
		Deadline: "forever" + hostile, Description: hostile, CreatorID: hostile, CreatorName: hostile, Status: true,
	}
	row := shareapi.SharedRepository{
		Namespace: "acme" + hostile, Name: "web" + hostile, Path: hostile, DomainName: "acme" + hostile,
		Tags: []string{"1.0" + hostile, hostile}, Status: true, Deadline: hostile, PullCommand: "docker pull " + hostile,
		AccessDomains: []shareapi.Recipient{{AccessDomain: "globex" + hostile, Permit: "read", Deadline: hostile, Description: hostile, Status: true}},
	}
	write := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Range", "0-0/1")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}
	mux := http.NewServeMux()
	shares := "/v2/manage/namespaces/acme/repositories/web/access-domains"
	mux.HandleFunc("GET "+shares, func(w http.ResponseWriter, _ *http.Request) { write(w, 200, []shareapi.Share{share}) })
	mux.HandleFunc("POST "+shares, func(w http.ResponseWriter, _ *http.Request) { write(w, 201, share) })
	mux.HandleFunc("PATCH "+shares+"/globex", func(w http.ResponseWriter, _ *http.Request) {
		write(w, 400, []shareapi.Error{{ErrorCode: "REGSHARE.4000006" + hostile, ErrorMessage: hostile}})
	})
	mux.HandleFunc("GET /v2/manage/shared-repositories", func(w http.ResponseWriter, _ *http.Request) {
		write(w, 200, []shareapi.SharedRepository{row})
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

// terminalUnsafe returns the first character of out that a terminal would
// act on instead of showing, and false when there is none.
func terminalUnsafe(out string) (rune, bool) {
	for _, r := range out {
		switch {
		case r == '\n':
		case r < 0x20, r >= 0x7f && r <= 0x9f, // C0 (ESC, BEL, tab), DEL, C1 (CSI)
			r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi embeddings, overrides, isolates
			return r, true
		}
	}
	return 0, false
}

// TestCLITableStripsControlCharacters: whatever the server's answers hold,
// no table the CLI prints (nor an error it reports) carries a control
// character, DEL or a bidirectional override to the terminal; -o json
// passes the text through as the API wrote it.
func TestCLITableStripsControlCharacters(t *testing.T) {
	ts := hostileAPI(t)
	t.Setenv("REGSHARE_SERVER", ts.URL)
	t.Setenv("REGSHARE_USER", "alice")
	t.Setenv("REGSHARE_PASSWORD", "secret")
	cli := func(args ...string) (string, error) {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
		return stdout.String(), err
	}
	for _, args := range [][]string{
		{"share", "list", "acme/web"},
		{"share", "create", "acme/web", "--with", "globex", "--permanent"},
		{"shared-by-me"},
		{"shared-with-me"},
	} {
		out, err := cli(args...)
		if err != nil {
			t.Fatalf("%s: %v", args, err)
		}
		if r, bad := terminalUnsafe(out); bad {
			t.Errorf("%s printed %U to the terminal:\n%q", args, r, out)
		}
		if !strings.Contains(out, "pwned") || len(strings.Split(strings.TrimSuffix(out, "\n"), "\n")) != 2 {
			t.Errorf("%s: want the header and one row that still shows the text:\n%q", args, out)
		}
	}
	_, err := cli("share", "update", "acme/web", "--with", "globex", "--description", "x")
	if err == nil {
		t.Fatal("update: the server's 400 was not an error")
	}
	if r, bad := terminalUnsafe(err.Error()); bad || !strings.Contains(err.Error(), "pwned") {
		t.Errorf("the error carries %U to the terminal: %q", r, err)
	}

	// JSON output is the API's text, for programs: escaped, not altered.
	out, err := cli("share", "list", "acme/web", "-o", "json")
	var shares []shareapi.Share
	if err != nil || json.Unmarshal([]byte(out), &shares) != nil || len(shares) != 1 || shares[0].Description != hostile {
		t.Errorf("share list -o json: %v %q", err, out)
	}
	out, err = cli("shared-with-me", "-o", "json")
	var rows []shareapi.SharedRepository
	if err != nil || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 1 || rows[0].PullCommand != "docker pull "+hostile {
		t.Errorf("shared-with-me -o json: %v %q", err, out)
	}
}
