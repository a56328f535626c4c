package hooks

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/regshare/regshare/grants"
)

// maxWrites keeps one bookkeeping change within an etcd transaction.
const maxWrites = 100

// fanOut turns an outbox record into deliveries: the events of its share
// change (as the histories hold them) or its own, each to every endpoint
// that hears it; the record is removed with the last of them. A change
// the histories do not hold is waited for within the grace, then taken
// as never made. exists holds the names of the deliveries made already,
// to which it adds its own.
func (d *Deliverer) fanOut(ctx context.Context, o grants.Versioned[grants.Outbox], exists map[string]bool) error {
	events := o.V.Events
	if o.V.ChangeID != "" {
		evs, pending, err := d.changeEvents(ctx, o.V)
		if err != nil {
			return err
		}
		if pending && d.now().Sub(o.V.Time) < d.cfg.Grace {
			return nil // perhaps still under way
		}
		events = evs
	}
	dir := d.g.Directory()
	now := d.now()
	var ws []grants.RecordWrite
	for _, ev := range events {
		payload := mustJSON(map[string]any{"type": ev.Type, "timestamp": ev.Time.UTC().Format(time.RFC3339Nano), "data": ev.Data})
		for _, ep := range endpoints(dir, ev) {
			name := ep + ":" + ev.ID
			if exists[name] {
				continue
			}
			exists[name] = true
			dl := grants.Delivery{Endpoint: ep, Event: ev, Status: grants.DeliveryPending, NextAt: now, Created: now, Payload: payload}
			dl.Event.Data = nil // in the payload
			ws = append(ws, grants.RecordWrite{Ref: grants.Ref{Kind: grants.KindDelivery, Name: name}, Value: mustJSON(dl), Expect: 0})
			if len(ws) == maxWrites {
				if err := d.g.WriteHooks(ctx, ws); err != nil {
					return err
				}
				ws = nil
			}
		}
	}
	ws = append(ws, grants.RecordWrite{Ref: grants.Ref{Kind: grants.KindOutbox, Name: o.Name}, Expect: o.Rev})
	return d.g.WriteHooks(ctx, ws)
}

// changeEvents are the events of an outbox record's share change, and
// whether some key's history does not hold it (yet).
func (d *Deliverer) changeEvents(ctx context.Context, o grants.Outbox) (out []grants.HookEvent, pending bool, err error) {
	for _, k := range o.Keys {
		ev, ok, err := d.g.ChangeEvent(ctx, k, o.ChangeID)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			pending = true
			continue
		}
		typ := map[string]string{grants.EventCreate: grants.HookCreated, grants.EventUpdate: grants.HookUpdated, grants.EventRevoke: grants.HookRevoked}[ev.Action]
		if typ == "" {
			continue
		}
		data := map[string]any{"actor": ev.Actor}
		if ev.After != nil {
			data["share"] = shareData(*ev.After)
		} else if ev.Before != nil {
			data["share"] = shareData(*ev.Before)
		}
		if ev.Action == grants.EventUpdate && ev.Before != nil {
			data["before"] = shareData(*ev.Before)
		}
		out = append(out, grants.HookEvent{ID: grants.HookEventID(o.ChangeID, k.Repository, k.Recipient), Type: typ, Key: k, Time: ev.Time, Data: mustJSON(data)})
	}
	return out, pending, nil
}

// endpoints are the names of the endpoints that hear ev: the owning
// domain's, and the recipient's (each member's, for a group), wanting its
// type; or the one a test names.
func endpoints(dir *grants.Directory, ev grants.HookEvent) []string {
	var out []string
	add := func(domain string) {
		for _, w := range dir.HooksOf(domain) {
			name := grants.WebhookName(w.Domain, w.ID)
			if w.Wants(ev.Type) && (ev.Endpoint == "" || ev.Endpoint == name) && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	if ev.Type == grants.HookTest {
		if w, ok := dir.Hook(ev.Endpoint); ok {
			add(w.Domain)
		}
		return out
	}
	if owner, ok := dir.ShareOwner(ev.Key.Repository); ok {
		add(owner)
	}
	if group, ok := grants.GroupOf(ev.Key.Recipient); ok {
		for _, m := range dir.GroupMembers(group) {
			add(m)
		}
	} else {
		add(ev.Key.Recipient)
	}
	return out
}

// shareData is a share as a payload writes it.
func shareData(s grants.Share) map[string]any {
	deadline := "forever"
	if !s.Deadline.IsZero() {
		deadline = s.Deadline.UTC().Format(time.RFC3339)
	}
	return map[string]any{"repository": s.Repository, "owner_domain": s.Owner, "access_domain": s.Recipient, "permit": s.Permit,
		"deadline": deadline, "description": s.Description, "creator": s.CreatorName, "updated": s.Updated.UTC().Format(time.RFC3339)}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
