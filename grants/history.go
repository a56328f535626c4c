package grants

import "time"

// Actions recorded in a share's history.
const (
	EventCreate = "create"
	EventUpdate = "update"
	EventRevoke = "revoke"
)

// Change says who makes a change, when, and which request it is.
type Change struct {
	Actor string
	Time  time.Time
	// ID names the change in the share's history. A store does not make a
	// change whose ID that history already holds: it returns the event
	// recorded then, so a retried request answers what its first attempt
	// did. Empty: the store draws a new one.
	ID string
}

// Event is one change of a share, as its history keeps it.
type Event struct {
	Time   time.Time `json:"time"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Before *Share    `json:"before,omitempty"`
	After  *Share    `json:"after,omitempty"`
	// ID is the change's Change.ID.
	ID string `json:"id,omitempty"`
	// Replayed is set, never stored, on the event a store returns for a
	// change it had already made.
	Replayed bool `json:"-"`
}

// Find returns the event of history with the given ID, if there is one.
func Find(history []Event, id string) (Event, bool) {
	for _, ev := range history {
		if id != "" && ev.ID == id {
			ev.Replayed = true
			return ev, true
		}
	}
	return Event{}, false
}

// CreateEvent is the history event of creating s.
func CreateEvent(s Share, id string) Event {
	return Event{Time: s.Created, Actor: s.UpdatedBy, Action: EventCreate, After: &s, ID: id}
}

// UpdateEvent is the history event of replacing old with s.
func UpdateEvent(old, s Share, id string) Event {
	return Event{Time: s.Updated, Actor: s.UpdatedBy, Action: EventUpdate, Before: &old, After: &s, ID: id}
}

// RevokeEvent is the history event of removing old on behalf of c.
func RevokeEvent(old Share, c Change) Event {
	return Event{Time: c.Time, Actor: c.Actor, Action: EventRevoke, Before: &old, ID: c.ID}
}
