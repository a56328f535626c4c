package grants

import "time"

// Actions recorded in a share's history.
const (
	EventCreate = "create"
	EventUpdate = "update"
	EventRevoke = "revoke"
)

// Change says who makes a change and when.
type Change struct {
	Actor string
	Time  time.Time
}

// Event is one change of a share, as its history keeps it.
type Event struct {
	Time   time.Time `json:"time"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Before *Share    `json:"before,omitempty"`
	After  *Share    `json:"after,omitempty"`
}

// CreateEvent is the history event of creating s.
func CreateEvent(s Share) Event {
	return Event{Time: s.Created, Actor: s.UpdatedBy, Action: EventCreate, After: &s}
}

// UpdateEvent is the history event of replacing old with s.
func UpdateEvent(old, s Share) Event {
	return Event{Time: s.Updated, Actor: s.UpdatedBy, Action: EventUpdate, Before: &old, After: &s}
}

// RevokeEvent is the history event of removing old on behalf of c.
func RevokeEvent(old Share, c Change) Event {
	return Event{Time: c.Time, Actor: c.Actor, Action: EventRevoke, Before: &old}
}
