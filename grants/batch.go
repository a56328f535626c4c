package grants

import (
	"errors"
	"fmt"
)

// A batch is several share changes a store makes as one: all of them, in
// one transaction, or none (Store.ChangeShares). A single create, update or
// revoke is a batch of one, so every store has one write path; the rules a
// store decides (the share exists, too many shares, not found) are decided
// here, against what the store's transaction reads (PlanShares).

// ShareOp is one change of a batch: create Share, or update or revoke the
// share Key names.
type ShareOp struct {
	// Action is EventCreate, EventUpdate or EventRevoke.
	Action string
	// Share is the share to create.
	Share Share
	// Key names the share to update or revoke.
	Key Key
	// Update returns the wanted share from the current one, as
	// Store.Update's fn; an error refuses the op (and so the batch).
	Update func(old Share) (Share, error)
}

// CreateOp creates s.
func CreateOp(s Share) ShareOp { return ShareOp{Action: EventCreate, Share: s} }

// UpdateOp replaces the share k with what fn returns.
func UpdateOp(k Key, fn func(Share) (Share, error)) ShareOp {
	return ShareOp{Action: EventUpdate, Key: k, Update: fn}
}

// RevokeOp removes the share k.
func RevokeOp(k Key) ShareOp { return ShareOp{Action: EventRevoke, Key: k} }

// Target is the share the op changes.
func (o ShareOp) Target() Key {
	if o.Action == EventCreate {
		return o.Share.Key()
	}
	return o.Key
}

// MaxBatch bounds the changes of one batch in every store; a store may
// hold fewer in one transaction (etcd: its --max-txn-ops) and refuses a
// larger batch with ErrBatchTooLarge.
const MaxBatch = 2000

// ErrBatchTooLarge refuses a batch that does not fit one transaction of
// the store; nothing is written. Its message says the limit.
var ErrBatchTooLarge = fmt.Errorf("%w: too many changes at once", ErrInvalid)

// ValidateOps checks the form of a batch: at least one op and at most
// MaxBatch, of known actions, each share named once.
func ValidateOps(ops []ShareOp) error {
	switch {
	case len(ops) == 0:
		return fmt.Errorf("%w: a batch of no change", ErrInvalid)
	case len(ops) > MaxBatch:
		return fmt.Errorf("%w: %d changes, at most %d fit one request", ErrBatchTooLarge, len(ops), MaxBatch)
	}
	seen := make(map[Key]bool, len(ops))
	for _, op := range ops {
		switch {
		case op.Action != EventCreate && op.Action != EventUpdate && op.Action != EventRevoke:
			return fmt.Errorf("%w: unknown change %q", ErrInvalid, op.Action)
		case op.Action == EventUpdate && op.Update == nil:
			return fmt.Errorf("%w: an update without its function", ErrInvalid)
		case seen[op.Target()]:
			return fmt.Errorf("%w: %s with %s is changed twice in one batch", ErrInvalid, op.Target().Repository, op.Target().Recipient)
		}
		seen[op.Target()] = true
	}
	return nil
}

// OpsError refuses a batch: Errs holds, per op, why the store refused it,
// nil for an op that was not refused itself. Nothing was made.
type OpsError struct{ Errs []error }

func (e *OpsError) Error() string {
	refused := e.Unwrap()
	if len(refused) == 0 {
		return "share changes refused"
	}
	return fmt.Sprintf("%d of %d share changes refused, so none was made: %v", len(refused), len(e.Errs), refused[0])
}

// Unwrap returns the refusals, so that errors.Is finds ErrExists and the
// other rules.
func (e *OpsError) Unwrap() []error {
	var out []error
	for _, err := range e.Errs {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

// One is the answer of a batch of one op as a single change answers: its
// event, or its own refusal.
func One(evs []Event, err error) (Event, error) {
	if oe, ok := errors.AsType[*OpsError](err); ok && len(oe.Errs) == 1 {
		return Event{}, oe.Errs[0]
	}
	if err != nil {
		return Event{}, err
	}
	return evs[0], nil
}

// ReplayOps finds the events an earlier batch named id made: find(i) says
// whether the history of op i holds an event of that id. A batch is made
// whole, so all ops find one (the events are returned, marked replayed) or
// none does (nil: the batch is new). id empty: always new.
func ReplayOps(n int, id string, find func(i int) (Event, bool, error)) ([]Event, error) {
	if id == "" {
		return nil, nil
	}
	evs := make([]Event, n)
	found := 0
	for i := range n {
		ev, ok, err := find(i)
		if err != nil {
			return nil, err
		}
		if ok {
			ev.Replayed = true
			evs[i] = ev
			found++
		}
	}
	switch found {
	case 0:
		return nil, nil
	case n:
		return evs, nil
	}
	return nil, fmt.Errorf("%w (it made %d of these %d changes)", ErrIDReused, found, n)
}

// PlanShares decides a batch against the shares a store's transaction
// reads: lookup(k) returns the share k (found false when there is none;
// an error when its record is corrupt), count(repository) how many shares
// the repository has. It returns each op's event, or an *OpsError naming
// every op refused: a create of a share that exists (ErrExists) or past
// MaxSharesPerRepository for its repository, the batch's own creates
// included (ErrTooMany); an update or revoke of a missing share
// (ErrNotFound); an update whose function refuses, or changes the key.
func PlanShares(ops []ShareOp, c Change, lookup func(Key) (Share, bool, error), count func(repository string) int) ([]Event, error) {
	evs := make([]Event, len(ops))
	errs := make([]error, len(ops))
	counted := map[string]int{} // the repository's shares, this batch's creates included
	refused := false
	for i, op := range ops {
		evs[i], errs[i] = planOp(op, c, lookup)
		if errs[i] == nil && op.Action == EventCreate {
			repo := op.Share.Repository
			n, ok := counted[repo]
			if !ok {
				n = count(repo)
			}
			if n >= MaxSharesPerRepository {
				errs[i] = ErrTooMany
			} else {
				counted[repo] = n + 1
			}
		}
		refused = refused || errs[i] != nil
	}
	if refused {
		return nil, &OpsError{Errs: errs}
	}
	return evs, nil
}

// planOp is the event of one op, or why it is refused.
func planOp(op ShareOp, c Change, lookup func(Key) (Share, bool, error)) (Event, error) {
	old, found, err := lookup(op.Target())
	switch {
	case op.Action == EventCreate && (found || err != nil):
		return Event{}, ErrExists // a corrupt record holds the key all the same
	case op.Action == EventCreate:
		return CreateEvent(op.Share, c.ID), nil
	case !found && err == nil:
		return Event{}, ErrNotFound
	case op.Action == EventRevoke && err != nil:
		// A corrupt record is revoked all the same, its snapshot lost.
		return Event{Time: c.Time, Actor: c.Actor, Action: EventRevoke, ID: c.ID}, nil
	case op.Action == EventRevoke:
		return RevokeEvent(old, c), nil
	case err != nil:
		return Event{}, err
	}
	s, err := op.Update(old)
	switch {
	case err != nil:
		return Event{}, err
	case s.Key() != op.Key:
		return Event{}, ErrKeyChanged
	}
	return UpdateEvent(old, s, c.ID), nil
}

// ApplyEvents hands a local store's committed batch to sink (nil: not
// followed yet): each share put, or removed by a revocation.
func ApplyEvents(sink Sink, ops []ShareOp, evs []Event) error {
	for i, ev := range evs {
		var put *Share
		if ev.Action != EventRevoke {
			put = ev.After
		}
		if err := Apply(sink, put, ops[i].Target()); err != nil {
			return err
		}
	}
	return nil
}
