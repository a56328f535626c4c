package grants

import (
	"context"
	"slices"
)

// memoryRecords are the MemoryStore's directory records.
type memoryRecords struct {
	recs    map[Ref]Record
	history map[Ref][]AccountEvent
	rev     int64
}

// ChangeRecords checks every write's Expect, then makes the writes and the
// revocations, and hands them to the sink, all under one lock.
func (m *MemoryStore) ChangeRecords(ctx context.Context, c RecordChange) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.recs.recs == nil {
		m.recs = memoryRecords{recs: map[Ref]Record{}, history: map[Ref][]AccountEvent{}}
	}
	for _, w := range c.Writes {
		if !m.recs.holds(w) {
			return ErrConflict
		}
	}
	m.recs.rev++
	changed := make([]Record, 0, len(c.Writes))
	for _, w := range c.Writes {
		r := Record{Kind: w.Kind, Name: w.Name, Value: slices.Clone(w.Value), Rev: m.recs.rev}
		if w.Value == nil {
			delete(m.recs.recs, w.Ref)
		} else {
			m.recs.recs[w.Ref] = r
		}
		changed = append(changed, r)
	}
	if first := c.Writes[0].Ref; c.Event.Action != "" {
		m.recs.history[first] = append(m.recs.history[first], c.Event)
	}
	for _, k := range c.Revoke {
		old, ok := m.shares[k]
		if !ok {
			continue
		}
		delete(m.shares, k)
		m.history[k] = append(m.history[k], RevokeEvent(old, Change{Actor: c.Event.Actor, Time: c.Event.Time, ID: c.Event.ID}))
		if err := Apply(m.sink, nil, k); err != nil {
			return err
		}
	}
	if m.sink == nil {
		return nil
	}
	return m.sink.Records(false, changed...)
}

// holds reports whether w's condition holds.
func (r memoryRecords) holds(w RecordWrite) bool {
	cur, ok := r.recs[w.Ref]
	switch {
	case w.Expect == Any:
		return true
	case w.Expect == 0:
		return !ok
	}
	return ok && cur.Rev == w.Expect
}

func (m *MemoryStore) RecordHistory(ctx context.Context, r Ref) ([]AccountEvent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.recs.history[r]), ctx.Err()
}
