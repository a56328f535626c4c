package grants

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"strings"
	"sync"
	"time"
)

// A robot secret is SecretPrefix, 52 characters of base32 (two
// crypto/rand.Text, 260 random bits) and 7 of a CRC-32 of them: scanners
// find a leaked one by its prefix and tell it from random text by its
// checksum, as GitHub's token formats allow. It is stored only as its
// SHA-256 digest: with that much entropy a fast hash is as safe as bcrypt,
// and a robot login costs a hash, not 60 ms of bcrypt.
const SecretPrefix = "rsr_"

const secretRandomLen = 52

var checksumEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewRobotSecret draws a new secret.
func NewRobotSecret() string {
	body := rand.Text() + rand.Text()
	return SecretPrefix + body + secretChecksum(body)
}

func secretChecksum(body string) string {
	return checksumEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE([]byte(body))))
}

// WellFormedSecret reports whether s has the shape and checksum of a
// robot secret (not whether any robot has it).
func WellFormedSecret(s string) bool {
	body, ok := strings.CutPrefix(s, SecretPrefix)
	if !ok || len(body) != secretRandomLen+7 {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(secretChecksum(body[:secretRandomLen])), []byte(body[secretRandomLen:])) == 1
}

// SecretDigest is what a robot record keeps of its secret.
func SecretDigest(secret string) string {
	d := secretDigest(secret)
	return string(d[:])
}

// secretDigest is SecretDigest without an allocation, for the login path.
func secretDigest(secret string) (hexDigest [2 * sha256.Size]byte) {
	sum := sha256.Sum256([]byte(secret))
	hex.Encode(hexDigest[:], sum[:])
	return hexDigest
}

// RobotPrincipal returns the robot of login as a principal when secret is
// its secret (or its previous one, within a rotation's grace), and it is
// neither disabled nor expired at now. Digests are compared in constant
// time; a robot that does not exist costs the same hash.
func (d *Directory) RobotPrincipal(login, secret string, now time.Time) (Principal, bool) {
	given := secretDigest(secret)
	u, ok := d.robots[login]
	if !ok {
		return Principal{}, false
	}
	b := u.Robot
	match := subtle.ConstantTimeCompare(given[:], []byte(b.Digest)) == 1
	if !match && b.PrevDigest != "" && now.Before(b.PrevUntil) {
		match = subtle.ConstantTimeCompare(given[:], []byte(b.PrevDigest)) == 1
	}
	if !match || u.Disabled || RobotExpired(b, now) {
		return Principal{}, false
	}
	return Principal{User: u, dir: d}, true
}

// RobotExpired reports whether b's expiry has passed at now.
func RobotExpired(b *RobotRecord, now time.Time) bool {
	return !b.Expires.IsZero() && !now.Before(b.Expires)
}

// decideRobot is Authorize for one repository asked by robot b: the
// actions of its permissions that cover the name, on its own domain's
// repositories; on another domain's, pull only, through a share in force.
// Every grant ends with the robot (Deadline).
func (g *Grants) decideRobot(dir *Directory, b *RobotRecord, a Access, shares bool, now time.Time) (actions []string, shared bool, deadline time.Time) {
	if ValidateRepository(a.Name) != nil {
		return nil, false, time.Time{}
	}
	var allowed []string
	for _, p := range b.Permissions {
		if p.Covers(a.Name) {
			allowed = append(allowed, p.Actions...)
		}
	}
	if len(allowed) == 0 {
		return nil, false, time.Time{}
	}
	owner, owned := dir.RepositoryOwner(a.Name)
	switch {
	case owned && owner == b.Domain:
		actions = intersect(a.Actions, allowed)
	case owned && shares:
		if s, ok := g.shareFor(dir, a.Name, b.Domain, owner, now); ok {
			actions, shared, deadline = intersect(a.Actions, intersect(allowed, pullOnly)), true, s.Deadline
		}
	}
	if len(actions) == 0 {
		return nil, false, time.Time{}
	}
	if !b.Expires.IsZero() && (deadline.IsZero() || b.Expires.Before(deadline)) {
		deadline = b.Expires
	}
	return actions, shared, deadline
}

// robotUsage gathers robot logins between two flushes: the last one of
// each robot, so that a busy robot costs no store write per login.
type robotUsage struct {
	mu   sync.Mutex
	last map[string]RobotUse // by login
}

// RobotUsed notes a robot login of p at now from client; FlushRobotUse
// writes what was noted.
func (g *Grants) RobotUsed(p Principal, client string, now time.Time) {
	if p.Robot == nil {
		return
	}
	g.usage.mu.Lock()
	defer g.usage.mu.Unlock()
	if g.usage.last == nil {
		g.usage.last = map[string]RobotUse{}
	}
	g.usage.last[p.Name] = RobotUse{Time: now.UTC(), Client: client}
}

// take returns the noted uses and forgets them.
func (u *robotUsage) take() map[string]RobotUse {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := u.last
	u.last = nil
	return out
}

// RobotLastUse returns when and from where the robot of login last logged
// in, as far as flushed uses tell.
func (g *Grants) RobotLastUse(login string) (RobotUse, bool) {
	if p := g.uses.Load(); p != nil {
		u, ok := (*p)[login]
		return u, ok
	}
	return RobotUse{}, false
}
