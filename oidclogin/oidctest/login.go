package oidctest

import (
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// loginPage is the provider's login form; a browser test fills
// #username and #password and presses #login.
var loginPage = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Test provider: log in</title></head>
<body><form method="POST" action="/login/username">
<input type="hidden" name="id" value="{{.}}">
<label for="username">Username</label> <input id="username" name="username" autocomplete="username">
<label for="password">Password</label> <input id="password" name="password" type="password">
<button id="login" type="submit">Log in</button>
</form></body></html>
`))

var hiddenID = regexp.MustCompile(`name="id" value="([^"]*)"`)

// Login drives the provider's side of a login as a browser would: from
// authorizeURL (where the client sent the browser), through the login
// form as username, to the redirect back to the client, which it returns
// without following. c keeps the cookies; its redirects are not followed.
func (p *Provider) Login(t testing.TB, c *http.Client, authorizeURL, username, password string) *url.URL {
	t.Helper()
	next, err := url.Parse(authorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	noFollow := *c
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	issuer, _ := url.Parse(p.Issuer)
	form := url.Values(nil)
	for range 10 {
		if next.Host != issuer.Host {
			return next // back to the client
		}
		var resp *http.Response
		if form != nil {
			resp, err = noFollow.PostForm(next.String(), form)
			form = nil
		} else {
			resp, err = noFollow.Get(next.String())
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode/100 == 3:
			loc, err := next.Parse(resp.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			next = loc
		case resp.StatusCode == http.StatusOK && strings.Contains(string(body), `action="/login/username"`):
			m := hiddenID.FindSubmatch(body)
			if m == nil {
				t.Fatalf("the provider's login form has no request id: %s", body)
			}
			form = url.Values{"id": {string(m[1])}, "username": {username}, "password": {password}}
			next, _ = next.Parse("/login/username")
		default:
			t.Fatalf("the provider answered %s with %d: %s", next, resp.StatusCode, body)
		}
	}
	t.Fatal(fmt.Sprintf("the provider did not send %s back to the client in 10 steps", username))
	return nil
}
