package grants

import (
	"encoding/json"
	"fmt"
)

// The durable stores keep a share and a history event each as one JSON
// record; these read them back, with the same errors in every store.

// DecodeShare reads the share stored under key.
func DecodeShare(key, v []byte) (Share, error) {
	var s Share
	if err := json.Unmarshal(v, &s); err != nil {
		return s, fmt.Errorf("share store: corrupt record %q: %w", key, err)
	}
	return s, nil
}

// DecodeEvent reads the history event stored under key.
func DecodeEvent(key, v []byte) (Event, error) {
	var ev Event
	if err := json.Unmarshal(v, &ev); err != nil {
		return ev, fmt.Errorf("share store: corrupt history record %q: %w", key, err)
	}
	return ev, nil
}

// RevokeRecord is the history event of removing the share stored as v on
// behalf of c. A record that does not decode is removed all the same (that
// is how an operator repairs a store): its event then has no Before.
func RevokeRecord(v []byte, c Change) Event {
	if old, err := DecodeShare(nil, v); err == nil {
		return RevokeEvent(old, c)
	}
	return Event{Time: c.Time, Actor: c.Actor, Action: EventRevoke}
}
