package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/regshare/regshare/grants"
)

// The walkthrough's robot: a CI login of the reader's domain with pull on
// the repository the walkthrough shares with that domain. A robot may only
// be given pull on a repository shared with its domain, so dev makes it
// once that share exists (step 2 of the walkthrough), through
// grants.CreateRobot as the domain's manage user, and keeps its secret in
// robot.json so that the printed docker login keeps working across
// restarts.
const (
	devRobotFile = "robot.json"
	devRobotName = "ci"
	// devRobotPoll is how often dev looks for the share while it waits.
	devRobotPoll = 250 * time.Millisecond
)

// devRobot is the robot as robot.json and dev.json hold it.
type devRobot struct {
	Login      string    `json:"login"`
	Secret     string    `json:"secret"`
	Repository string    `json:"repository"`
	Expires    time.Time `json:"expires"`
}

// devRobotSeed makes and keeps the robot.
type devRobotSeed struct {
	g       *grants.Grants
	now     func() time.Time
	path    string // robot.json
	manager string // the manage user of domain, who makes the robot
	domain  string
	repo    string
}

// newDevRobotSeed is the robot of the walkthrough's reader's domain on its
// repository; nil when that domain has no manage user to make it.
func newDevRobotSeed(g *grants.Grants, now func() time.Time, data string, users []devUser) *devRobotSeed {
	owner, reader := walkthroughPair(users)
	if m, ok := domainManager(users, reader.Domain); ok {
		return &devRobotSeed{g: g, now: now, path: devRobotPath(data), manager: m.Name, domain: reader.Domain, repo: walkthroughRepo(owner)}
	}
	return nil
}

// domainManager is the first manage user of domain.
func domainManager(users []devUser, domain string) (devUser, bool) {
	for _, u := range users {
		if u.Domain == domain && u.Role == grants.RoleManage {
			return u, true
		}
	}
	return devUser{}, false
}

func devRobotPath(data string) string { return filepath.Join(data, devRobotFile) }

func (s *devRobotSeed) login() string { return grants.RobotLogin(s.domain, devRobotName) }

// ensure returns the robot of robot.json when its secret still logs in at
// now. Otherwise (no robot.json, the robot deleted, expired, disabled or
// given another secret) it replaces the robot with a new one, expiring
// after the longest lifetime its domain allows, and writes robot.json.
// ok is false, and nothing is made, while the repository is not shared
// with the domain.
func (s *devRobotSeed) ensure(ctx context.Context, now time.Time) (_ devRobot, ok bool, err error) {
	stored, err := readDevRobot(s.path)
	if err != nil {
		return devRobot{}, false, err
	}
	dir := s.g.Directory()
	if stored.Login == s.login() && stored.Repository == s.repo {
		if _, ok := dir.RobotPrincipal(stored.Login, stored.Secret, now); ok {
			return stored, true, nil
		}
	}
	if sh, shared := s.g.Index().Get(grants.Key{Repository: s.repo, Recipient: s.domain}); !shared || !s.g.Effective(sh, now) {
		return devRobot{}, false, nil
	}
	p, found := dir.Principal(s.manager)
	if !found {
		return devRobot{}, false, fmt.Errorf("dev robot: no user %s to make it", s.manager)
	}
	dom, err := s.g.Domain(p, s.domain)
	if err != nil {
		return devRobot{}, false, fmt.Errorf("dev robot: %w", err)
	}
	if _, exists := dir.User(s.login()); exists {
		if err := s.g.DeleteRobot(ctx, p, s.domain, devRobotName, now); err != nil && !errors.Is(err, grants.ErrNoAccount) {
			return devRobot{}, false, fmt.Errorf("dev robot: replacing %s: %w", s.login(), err)
		}
	}
	u, secret, err := s.g.CreateRobot(ctx, p, grants.RobotSpec{
		Domain: s.domain, Name: devRobotName, Description: "regshare dev: CI pulls of " + s.repo,
		Permissions: []grants.Permission{{Repository: s.repo, Actions: []string{grants.ActionPull}}},
		Expires:     now.Add(dom.MaxRobotLifetime()),
	}, now)
	switch {
	case errors.Is(err, grants.ErrRobotPermission):
		return devRobot{}, false, nil // the share ended meanwhile
	case err != nil:
		return devRobot{}, false, fmt.Errorf("dev robot: %w", err)
	}
	rb := devRobot{Login: u.Name, Secret: secret, Repository: s.repo, Expires: u.Robot.Expires}
	if err := writeJSONFile(s.path, rb); err != nil {
		return devRobot{}, false, err
	}
	return rb, true, nil
}

// await makes the robot once the repository is shared with the domain, and
// sends it; it stops when ctx ends. A failure is logged and retried at the
// next change of the shares.
func (s *devRobotSeed) await(ctx context.Context, log *slog.Logger) <-chan devRobot {
	c := make(chan devRobot, 1)
	go func() {
		t := time.NewTicker(devRobotPoll)
		defer t.Stop()
		last := s.g.Index().Generation()
		for {
			select {
			case <-ctx.Done():
				close(c)
				return
			case <-t.C:
			}
			gen := s.g.Index().Generation()
			if gen == last {
				continue
			}
			last = gen
			rb, ok, err := s.ensure(ctx, s.now())
			if err != nil {
				log.Warn("making the dev robot", "robot", s.login(), "err", err)
				continue
			}
			if ok {
				c <- rb
				close(c)
				return
			}
		}
	}()
	return c
}

// readDevRobot reads robot.json; none is the zero devRobot.
func readDevRobot(path string) (devRobot, error) {
	var rb devRobot
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return rb, nil
	case err != nil:
		return rb, err
	}
	if err := json.Unmarshal(b, &rb); err != nil {
		return devRobot{}, fmt.Errorf("%s: %w (remove it to make a new robot)", path, err)
	}
	return rb, nil
}
