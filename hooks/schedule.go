package hooks

import (
	"context"
	"time"

	"github.com/regshare/regshare/grants"
)

// expiredFor is how long after its deadline a share's "expired" event is
// still made (a replica that was down longer does not send stale ones).
const expiredFor = 24 * time.Hour

// schedule makes the events of deadlines: "expiring" at each lead before
// a share's deadline, "expired" once it passed. Each is marked in the
// same change as its outbox record, the mark made only if absent, so that
// it is made once, whichever replica leads; marks end a week after their
// deadline. Nothing is scanned while no endpoint exists.
func (d *Deliverer) schedule(ctx context.Context) {
	dir := d.g.Directory()
	if !dir.HasHooks() {
		return
	}
	now := d.now()
	_, _, marks, _ := d.g.HookBook()
	var events []grants.HookEvent
	var ws []grants.RecordWrite
	flush := func() {
		if len(events) == 0 {
			return
		}
		o := grants.Outbox{Time: now.UTC(), Events: events}
		ws = append(ws, grants.RecordWrite{Ref: grants.Ref{Kind: grants.KindOutbox, Name: grants.OutboxName(now)}, Value: mustJSON(o), Expect: 0})
		d.write(ctx, ws...)
		events, ws = nil, nil
	}
	add := func(s *grants.Share, typ string, lead time.Duration) {
		id := grants.HookEventID(typ, s.Repository, s.Recipient, s.Deadline.UTC().Format(time.RFC3339Nano), lead.String())
		if _, ok := marks[id]; ok {
			return
		}
		data := map[string]any{"share": shareData(*s)}
		if typ == grants.HookExpiring {
			data["lead"] = lead.String()
		}
		events = append(events, grants.HookEvent{ID: id, Type: typ, Key: s.Key(), Time: now.UTC(), Data: mustJSON(data)})
		ws = append(ws, grants.RecordWrite{Ref: grants.Ref{Kind: grants.KindHookMark, Name: id},
			Value: mustJSON(grants.HookMark{Until: s.Deadline.Add(7 * 24 * time.Hour)}), Expect: 0})
		if len(ws) >= maxWrites-1 {
			flush()
		}
	}
	for s := range d.g.Index().All() {
		if s.Deadline.IsZero() || now.Sub(s.Deadline) > expiredFor {
			continue
		}
		if !now.Before(s.Deadline) {
			add(s, grants.HookExpired, 0)
			continue
		}
		for _, lead := range d.cfg.Leads {
			if !now.Before(s.Deadline.Add(-lead)) {
				add(s, grants.HookExpiring, lead)
				break // the shortest lead passed is the one told
			}
		}
	}
	flush()
	for id, m := range marks {
		if now.After(m.V.Until) {
			d.write(ctx, grants.RecordWrite{Ref: grants.Ref{Kind: grants.KindHookMark, Name: id}, Expect: m.Rev})
		}
	}
}
