package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/regshare/regshare/grants"
)

// devInfo is dev.json: where the running system is, and who may use it.
type devInfo struct {
	Registry string    `json:"registry"`
	TokenURL string    `json:"token_url"`
	API      string    `json:"api"`
	Users    []devUser `json:"users"`
	// Robot is the reader's domain's CI robot, once made (dev_robot.go).
	Robot *devRobot `json:"robot,omitempty"`
}

// walkthroughPair picks the walkthrough's owner, a manage user, and its
// reader, preferably a read user of another domain; placeholders when
// users.json lacks them.
func walkthroughPair(users []devUser) (owner, reader devUser) {
	owner = devUser{Name: "USER", Password: "PASSWORD", Domain: "acme", Role: grants.RoleManage}
	for _, u := range users {
		if u.Role == grants.RoleManage {
			owner = u
			break
		}
	}
	for _, u := range users {
		if u.Domain != owner.Domain && (reader.Name == "" || reader.Role != grants.RoleRead) {
			reader = u
		}
	}
	if reader.Name == "" {
		reader = devUser{Name: "USER", Password: "PASSWORD", Domain: "globex", Role: grants.RoleRead}
	}
	return owner, reader
}

// walkthroughRepo is the repository the walkthrough pushes and shares.
func walkthroughRepo(owner devUser) string { return owner.Domain + "/hello" }

// printWalkthrough prints the users and the commands to try sharing with
// docker, crane and skopeo, and CI pulls as a robot.
func printWalkthrough(w io.Writer, info devInfo, data, metricsURL string) {
	self := "regshare"
	if filepath.Base(os.Args[0]) == "regshare" {
		self = os.Args[0]
	}
	owner, reader := walkthroughPair(info.Users)
	repo := walkthroughRepo(owner)
	image := info.Registry + "/" + repo + ":1"
	shares := info.API + "/v2/manage/namespaces/" + owner.Domain + "/repositories/hello/access-domains"

	fmt.Fprintf(w, "regshare dev is running (Ctrl-C stops it; everything stays in %s).\n", data)
	fmt.Fprintf(w, "  registry  %s\n  regshare  %s  (token endpoint, share API, console)\n  metrics   %s\n", info.Registry, info.API, metricsURL)
	fmt.Fprintf(w, "  %s  addresses and users, for scripts\n\n", filepath.Join(data, devInfoFile))
	fmt.Fprintf(w, "Users (kept in %s; each domain owns the namespace of its name):\n", filepath.Join(data, devUsersFile))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  USER\tDOMAIN\tROLE\tPASSWORD")
	for _, u := range info.Users {
		role := string(u.Role)
		if u.Superuser {
			role += " (administrator)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", u.Name, u.Domain, role, u.Password)
	}
	tw.Flush()

	lines := []string{
		"",
		fmt.Sprintf("1. Push an image to %s as %s (%s, %s), with one of:", repo, owner.Name, owner.Domain, owner.Role),
		fmt.Sprintf("   echo %s | docker login %s -u %s --password-stdin", owner.Password, info.Registry, owner.Name),
		fmt.Sprintf("   docker pull busybox && docker tag busybox %s && docker push %s", image, image),
		fmt.Sprintf("   crane auth login %s -u %s -p %s && crane copy busybox %s", info.Registry, owner.Name, owner.Password, image),
		fmt.Sprintf("   skopeo copy --dest-tls-verify=false --dest-creds %s:%s docker://docker.io/library/busybox:latest docker://%s", owner.Name, owner.Password, image),
		"",
		fmt.Sprintf("2. Share %s with %s, pull only, permanently, with one of:", repo, reader.Domain),
		fmt.Sprintf("   REGSHARE_SERVER=%s REGSHARE_USER=%s REGSHARE_PASSWORD=%s %s share create %s --with %s --permanent", info.API, owner.Name, owner.Password, self, repo, reader.Domain),
		fmt.Sprintf(`   curl -u %s:%s -X POST %s -d '{"access_domain":"%s","permit":"read","deadline":"forever","description":"demo"}'`, owner.Name, owner.Password, shares, reader.Domain),
		"",
		fmt.Sprintf("3. As %s (%s, %s): list what is shared with you, then pull, with one of:", reader.Name, reader.Domain, reader.Role),
		fmt.Sprintf("   curl -u %s:%s '%s/v2/manage/shared-repositories?center=thirdparty'", reader.Name, reader.Password, info.API),
		fmt.Sprintf("   echo %s | docker login %s -u %s --password-stdin && docker pull %s", reader.Password, info.Registry, reader.Name, image),
		fmt.Sprintf("   crane auth login %s -u %s -p %s && crane pull %s hello.tar", info.Registry, reader.Name, reader.Password, image),
		fmt.Sprintf("   skopeo copy --src-tls-verify=false --src-creds %s:%s docker://%s dir:hello", reader.Name, reader.Password, image),
		fmt.Sprintf("   Pushing to %s as %s is refused, and so is pulling any other %s repository.", repo, reader.Name, owner.Domain),
		"",
		fmt.Sprintf("4. CI: a robot of %s pulls %s, with a secret rather than a password:", reader.Domain, repo),
		robotLines(info, data, repo, reader.Domain, info.Users),
		"",
		fmt.Sprintf("5. Revoke the share; the next pull is refused (as %s and as the robot):", reader.Name),
		fmt.Sprintf("   curl -u %s:%s -X DELETE %s/%s", owner.Name, owner.Password, shares, reader.Domain),
		"",
	}
	fmt.Fprint(w, strings.Join(lines, "\n"))
}

// robotLines is the walkthrough's CI step: the robot's docker login and
// pull, or, before it is made, when it will be.
func robotLines(info devInfo, data, repo, domain string, users []devUser) string {
	rb := info.Robot
	if _, ok := domainManager(users, domain); rb == nil && !ok {
		return fmt.Sprintf("   (%s has no manage user of %s to make the robot.)", filepath.Join(data, devUsersFile), domain)
	}
	if rb == nil {
		return fmt.Sprintf("   Once %s is shared with %s (step 2), regshare dev makes %s and prints its docker login here.",
			repo, domain, grants.RobotLogin(domain, devRobotName))
	}
	image := info.Registry + "/" + rb.Repository + ":1"
	return strings.Join([]string{
		fmt.Sprintf("   %s may pull %s only, until %s (kept in %s):", rb.Login, rb.Repository, rb.Expires.Format(time.DateOnly), filepath.Join(data, devRobotFile)),
		fmt.Sprintf("   echo %s | docker login -u '%s' --password-stdin %s && docker pull %s", rb.Secret, rb.Login, info.Registry, image),
		fmt.Sprintf("   crane auth login %s -u '%s' -p %s && crane pull %s hello.tar", info.Registry, rb.Login, rb.Secret, image),
	}, "\n")
}

// printRobotMade tells of the robot made while dev runs.
func printRobotMade(w io.Writer, info devInfo, data string) {
	domain, _, _ := grants.ParseRobotLogin(info.Robot.Login)
	fmt.Fprintf(w, "\n4. CI: %s is shared with %s now, and its robot is made:\n%s\n",
		info.Robot.Repository, domain, robotLines(info, data, info.Robot.Repository, domain, info.Users))
}
