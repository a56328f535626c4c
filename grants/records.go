package grants

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The directory's durable part (domains, the namespaces they claim, users,
// robot accounts) lives in the store beside the shares, as records the
// store treats as opaque values under a kind and a name. A record changes
// only through a RecordChange: writes that each require the record to be
// at the version read, so that two managers changing one user cannot lose
// either change silently, made in one transaction together with the share
// revocations they imply and a history event.

// Record kinds.
const (
	KindDomain    = "domain"
	KindNamespace = "namespace" // name: the namespace; value: the owning domain's name (JSON string)
	KindUser      = "user"
	KindRobot     = "robot"    // name: domain+"+"+robot name
	KindRobotUse  = "robotuse" // name: as the robot's; value: last use, written in batches
)

// Record is one directory record as a store keeps it.
type Record struct {
	Kind, Name string
	// Value is the record's JSON; nil in a Sink's call means removed.
	Value []byte
	// Rev is the store's version of the record: it changes with every
	// write (an etcd revision; a bbolt or memory sequence).
	Rev int64
}

// Ref names a record.
type Ref struct{ Kind, Name string }

// Ref returns the record's name.
func (r Record) Ref() Ref { return Ref{r.Kind, r.Name} }

// String is kind/name.
func (r Ref) String() string { return r.Kind + "/" + r.Name }

// Any is the Expect of a write made whatever the record's version.
const Any int64 = -1

// RecordWrite puts Value (nil: deletes the record) if the record is at
// version Expect: 0 when it must not exist, Any for no condition.
type RecordWrite struct {
	Ref
	Value  []byte
	Expect int64
}

// RecordChange is one atomic change of the directory: its writes, the
// shares revoked with them (a domain deleted with force), and the event
// its history records (under the first write's record, and under each
// revoked share's as a revocation). A change without an event (no Action:
// robot uses) leaves no history, and its lost answer is not resolved: it
// is for bookkeeping that a later write repeats.
type RecordChange struct {
	Writes []RecordWrite
	Revoke []Key
	Event  AccountEvent
}

// ErrConflict means a record was not at the version a write expected: it
// changed since it was read, and nothing was written.
var ErrConflict = errors.New("the record was changed by someone else meanwhile")

// AccountEvent is one change of a directory record, as its history and
// the audit log keep it. Secrets never appear in one (hashes and digests
// are left out of the values).
type AccountEvent struct {
	Time   time.Time       `json:"time"`
	Actor  string          `json:"actor"`
	Action string          `json:"action"`
	Kind   string          `json:"kind"`
	Name   string          `json:"name"`
	Detail json.RawMessage `json:"detail,omitempty"`
	ID     string          `json:"id,omitempty"`
	// Revoked names the shares the change revoked.
	Revoked []Key `json:"revoked,omitempty"`
}

// Validate checks what every store relies on.
func (c RecordChange) Validate() error {
	if len(c.Writes) == 0 {
		return fmt.Errorf("%w: a record change writes at least one record", ErrInvalid)
	}
	seen := map[Ref]bool{}
	for _, w := range c.Writes {
		if err := validRef(w.Ref); err != nil {
			return err
		}
		if seen[w.Ref] {
			return fmt.Errorf("%w: record %s written twice in one change", ErrInvalid, w.Ref)
		}
		seen[w.Ref] = true
	}
	return nil
}

// validRef checks that a name is one every store can key: no NUL, no '/'
// except in a robot use, and a known kind.
func validRef(r Ref) error {
	switch r.Kind {
	case KindDomain, KindNamespace, KindUser, KindRobot, KindRobotUse, KindGroup, KindPulls, KindPush, KindEventID, KindWebhook, KindOutbox, KindDelivery, KindHookMark, KindAccessToken:
	default:
		return fmt.Errorf("%w: record kind %q", ErrInvalid, r.Kind)
	}
	if r.Name == "" || strings.ContainsAny(r.Name, "\x00/") {
		return fmt.Errorf("%w: record name %q", ErrInvalid, r.Name)
	}
	return nil
}

// EncodeAccountEvent and DecodeAccountEvent are the history record format
// of directory changes in every store.
func EncodeAccountEvent(ev AccountEvent) ([]byte, error) { return json.Marshal(ev) }

func DecodeAccountEvent(key, v []byte) (AccountEvent, error) {
	var ev AccountEvent
	if err := json.Unmarshal(v, &ev); err != nil {
		return ev, fmt.Errorf("share store: corrupt directory history record %q: %w", key, err)
	}
	return ev, nil
}

// RecordStore is the part of a Store that keeps directory records; every
// Store is one.
type RecordStore interface {
	// ChangeRecords commits c in one transaction, or fails with
	// ErrConflict (nothing written) when a write's Expect does not hold.
	// Like a share change, it returns once the change is durable and
	// this replica's sink has it or soon will (Feed.Sync); an error means
	// nothing was changed, except ErrOutcomeUnknown.
	ChangeRecords(ctx context.Context, c RecordChange) error
	// RecordHistory returns the changes recorded under a record, oldest
	// first.
	RecordHistory(ctx context.Context, r Ref) ([]AccountEvent, error)
}
