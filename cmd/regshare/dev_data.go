package main

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/tokenauth"
)

// devDirectory is the demo directory written to users.json on first start:
// each domain owns the namespace of its own name; root administers them
// all (the console's Domains page).
var devDirectory = []devUser{
	{Name: "alice", Domain: "acme", Role: grants.RoleManage},
	{Name: "rita", Domain: "acme", Role: grants.RoleRead},
	{Name: "gus", Domain: "globex", Role: grants.RoleManage},
	{Name: "gina", Domain: "globex", Role: grants.RoleRead},
	{Name: "root", Domain: "ops", Role: grants.RoleManage, Superuser: true},
}

// devUser is one demo user as users.json and dev.json hold it.
type devUser struct {
	Name     string      `json:"name"`
	Password string      `json:"password"`
	Domain   string      `json:"domain"`
	Role     grants.Role `json:"role"`
	// Superuser: an administrator of the directory.
	Superuser bool `json:"superuser,omitempty"`
}

// devPrepareData makes the data directory, for the user alone, and
// removes a dev.json left by an earlier run.
func devPrepareData(data string) error {
	if err := os.MkdirAll(data, 0o700); err != nil {
		return err
	}
	// The keys, the passwords and the pushed images live here: for the
	// user alone, also when the folder existed before.
	if err := os.Chmod(data, 0o700); err != nil {
		return err
	}
	// A dev.json left by an earlier run names ports that may be gone.
	if err := os.Remove(filepath.Join(data, devInfoFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// devKeysDir holds the token signing keys and the root the registry
// trusts.
func devKeysDir(data string) string { return filepath.Join(data, "keys") }

// devDirectorySetup makes or reuses the keys and users.json in data, and
// returns the users (with their passwords) and the directory of them.
func devDirectorySetup(data string) ([]devUser, grants.DirectoryConfig, error) {
	if err := devKeys(devKeysDir(data)); err != nil {
		return nil, grants.DirectoryConfig{}, err
	}
	stored, err := devUsers(filepath.Join(data, devUsersFile))
	if err != nil {
		return nil, grants.DirectoryConfig{}, err
	}
	dir, err := devDirectoryConfig(stored)
	if err != nil {
		return nil, grants.DirectoryConfig{}, err
	}
	users := make([]devUser, len(stored))
	for i, u := range stored {
		users[i] = u.devUser
	}
	return users, dir, nil
}

// devKeys generates the token signing keys on first start; later starts
// reuse them, so the registry keeps trusting the same root.
func devKeys(dir string) error {
	_, errKey := os.Stat(filepath.Join(dir, tokenauth.SigningKeyFile))
	_, errCert := os.Stat(filepath.Join(dir, tokenauth.SigningCertFile))
	if errKey == nil && errCert == nil {
		return nil
	}
	return tokenauth.GenerateKeys(dir, tokenauth.AlgES256, time.Now())
}

// devStoredUser is a user as users.json keeps it: with the bcrypt hash of
// the password, made once, so that a restart does no hashing.
type devStoredUser struct {
	devUser
	PasswordHash string `json:"password_hash,omitempty"`
}

// devUsers reads users.json, or makes it with random passwords on first
// start. A user without a password_hash (new, or whose password was
// changed by hand and its hash deleted) gets one, and the file is
// rewritten.
func devUsers(path string) ([]devStoredUser, error) {
	var users []devStoredUser
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		for _, u := range devDirectory {
			u.Password = rand.Text()
			users = append(users, devStoredUser{devUser: u})
		}
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(data, &users); err != nil {
			return nil, fmt.Errorf("%s: %w (remove it to make new users)", path, err)
		}
		if len(users) == 0 {
			return nil, fmt.Errorf("%s: no users (remove it to make new users)", path)
		}
		for _, u := range users {
			if u.Name == "" || u.Password == "" || u.Domain == "" {
				return nil, fmt.Errorf("%s: every user needs a name, a password and a domain (remove the file to make new users)", path)
			}
		}
	}
	changed := data == nil
	errs := make([]error, len(users))
	var wg sync.WaitGroup
	for i := range users {
		if users[i].PasswordHash == "" {
			changed = true
			wg.Go(func() {
				// bcrypt's default cost, as `regshare hash-password`.
				h, err := bcrypt.GenerateFromPassword([]byte(users[i].Password), bcrypt.DefaultCost)
				users[i].PasswordHash, errs[i] = string(h), err
			})
		}
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if changed {
		if err := writeJSONFile(path, users); err != nil {
			return nil, err
		}
	}
	return users, nil
}

// devDirectoryConfig is the directory of users, where each domain owns the
// namespace of its name.
func devDirectoryConfig(users []devStoredUser) (grants.DirectoryConfig, error) {
	dir := grants.DirectoryConfig{Domains: map[string]grants.DomainConfig{}}
	for _, u := range users {
		d, ok := dir.Domains[u.Domain]
		if !ok {
			d = grants.DomainConfig{Namespaces: []string{u.Domain}, Users: map[string]grants.UserConfig{}}
			dir.Domains[u.Domain] = d
		}
		d.Users[u.Name] = grants.UserConfig{PasswordHash: u.PasswordHash, Role: u.Role}
		if u.Superuser {
			dir.Superusers = append(dir.Superusers, u.Name)
		}
	}
	if _, err := grants.NewDirectory(dir); err != nil {
		return grants.DirectoryConfig{}, fmt.Errorf("%s: %w", devUsersFile, err)
	}
	return dir, nil
}

// writeJSONFile writes v to path, readable by its owner only, replacing
// the file at once.
func writeJSONFile(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*") // mode 0600
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
