package grants

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// The webhook outbox. Before a share change is made, while any endpoint
// exists, an outbox record names it (its change ID and keys) in the
// store: a change acknowledged is never lost to a crash. The replica that
// delivers reads the change's events from the shares' histories, which
// the store writes in the change's own transaction: a change that did not
// commit has none, and is never sent (its record is dropped once the
// change can no longer be under way). It then writes one delivery record
// per endpoint and event, in one change with the outbox record's removal,
// and each delivery's attempts update its record: at least once, and
// across restarts.

// Record kinds of the webhook bookkeeping.
const (
	KindOutbox   = "outbox"   // name: sortable time and a random part; value: Outbox
	KindDelivery = "delivery" // name: endpoint record name + ":" + event id; value: Delivery
	KindHookMark = "hookmark" // name: a scheduled event's id; value: HookMark
)

// Outbox is a record of events to deliver: a share change's (ChangeID,
// Keys), or events made here (Events: expiring soon, expired, a test).
type Outbox struct {
	Time     time.Time   `json:"time"`
	ChangeID string      `json:"change_id,omitempty"`
	Keys     []Key       `json:"keys,omitempty"`
	Events   []HookEvent `json:"events,omitempty"`
}

// HookEvent is one event to send: its id (the same to every endpoint and
// in every retry), type, the share it is about and the payload's data.
type HookEvent struct {
	ID   string          `json:"id"`
	Type string          `json:"type"`
	Key  Key             `json:"key"`
	Time time.Time       `json:"time"`
	Data json.RawMessage `json:"data"`
	// Endpoint, when set, is the one endpoint to send to (a test event).
	Endpoint string `json:"endpoint,omitempty"`
}

// Delivery is one event to one endpoint and how its attempts went.
type Delivery struct {
	Endpoint    string          `json:"endpoint"` // the endpoint's record name
	Event       HookEvent       `json:"event"`
	Status      string          `json:"status"` // pending, delivered, failed
	Attempts    int             `json:"attempts"`
	NextAt      time.Time       `json:"next_at,omitzero"`
	LastAttempt time.Time       `json:"last_attempt,omitzero"`
	LastStatus  int             `json:"last_status,omitempty"`
	LastError   string          `json:"last_error,omitempty"`
	Created     time.Time       `json:"created"`
	Payload     json.RawMessage `json:"payload"`
}

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// HookMark remembers that a scheduled event was made, until Until.
type HookMark struct {
	Until time.Time `json:"until"`
}

func isHookRecord(r Record) bool {
	return r.Kind == KindOutbox || r.Kind == KindDelivery || r.Kind == KindHookMark
}

// Versioned is a bookkeeping record as the book holds it.
type Versioned[T any] struct {
	V    T
	Name string
	Rev  int64
}

// hookBook is what the store holds of the outbox and the deliveries.
type hookBook struct {
	mu         sync.RWMutex
	outbox     map[string]Versioned[Outbox]
	deliveries map[string]Versioned[Delivery]
	marks      map[string]Versioned[HookMark]
	// changed is closed and replaced when the book changes.
	changed chan struct{}
}

func (b *hookBook) apply(load bool, recs []Record) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if load || b.outbox == nil {
		b.outbox, b.deliveries, b.marks = map[string]Versioned[Outbox]{}, map[string]Versioned[Delivery]{}, map[string]Versioned[HookMark]{}
	}
	for _, r := range recs {
		switch r.Kind {
		case KindOutbox:
			applyOne(b.outbox, r)
		case KindDelivery:
			applyOne(b.deliveries, r)
		case KindHookMark:
			applyOne(b.marks, r)
		}
	}
	if b.changed != nil {
		close(b.changed)
	}
	b.changed = make(chan struct{})
}

func applyOne[T any](m map[string]Versioned[T], r Record) {
	var v T
	if r.Value == nil || json.Unmarshal(r.Value, &v) != nil {
		delete(m, r.Name)
		return
	}
	m[r.Name] = Versioned[T]{V: v, Name: r.Name, Rev: r.Rev}
}

// HookBook is a copy of the outbox, deliveries and marks, and a channel
// closed at the next change of them.
func (g *Grants) HookBook() (outbox []Versioned[Outbox], deliveries []Versioned[Delivery], marks map[string]Versioned[HookMark], changed <-chan struct{}) {
	b := &g.hooks
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.changed == nil {
		b.changed = make(chan struct{})
	}
	for _, k := range slices.Sorted(maps.Keys(b.outbox)) {
		outbox = append(outbox, b.outbox[k])
	}
	for _, k := range slices.Sorted(maps.Keys(b.deliveries)) {
		deliveries = append(deliveries, b.deliveries[k])
	}
	return outbox, deliveries, maps.Clone(b.marks), b.changed
}

// Deliveries are an endpoint's delivery records, newest first.
func (g *Grants) Deliveries(p Principal, domain, id string) ([]Delivery, error) {
	if _, err := g.Webhook(p, domain, id); err != nil {
		return nil, err
	}
	name := webhookRef(domain, id).Name + ":"
	g.hooks.mu.RLock()
	defer g.hooks.mu.RUnlock()
	var out []Delivery
	for k, d := range g.hooks.deliveries {
		if strings.HasPrefix(k, name) {
			out = append(out, d.V)
		}
	}
	slices.SortFunc(out, func(a, b Delivery) int { return b.Created.Compare(a.Created) })
	return out, nil
}

// WriteHooks writes bookkeeping records of the webhooks (no history
// event), as one change; ErrConflict when one changed meanwhile.
func (g *Grants) WriteHooks(ctx context.Context, ws []RecordWrite) error {
	if len(ws) == 0 {
		return nil
	}
	if err := g.store.ChangeRecords(ctx, RecordChange{Writes: ws}); err != nil {
		return err
	}
	g.settle(ctx)
	return nil
}

// ChangeEvent finds the event change id made of k in k's history.
func (g *Grants) ChangeEvent(ctx context.Context, k Key, id string) (Event, bool, error) {
	h, err := g.store.History(ctx, k)
	if err != nil {
		return Event{}, false, err
	}
	ev, ok := Find(h, id)
	return ev, ok, nil
}

// HookEventID is the id of the event a change made of k: the same for
// every endpoint and every time it is worked out.
func HookEventID(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return "evt_" + hex.EncodeToString(sum[:12])
}

// OutboxName is a new outbox record's name: in time order.
func OutboxName(now time.Time) string {
	return fmt.Sprintf("%020d-%s", now.UnixNano(), strings.ToLower(rand.Text()[:8]))
}

// noteRevocations is noteHooks of the shares a directory change revokes
// (their histories name the change by its event's ID, drawn here).
func (g *Grants) noteRevocations(ctx context.Context, ev *AccountEvent, keys []Key) error {
	c := Change{Time: ev.Time, ID: ev.ID}
	if err := g.noteHooks(ctx, &c, keys); err != nil {
		return err
	}
	ev.ID = c.ID
	return nil
}

// noteHooks writes the outbox record of a share change about to be made
// (c.ID, drawn here when empty, names it), while any endpoint exists.
func (g *Grants) noteHooks(ctx context.Context, c *Change, keys []Key) error {
	if !g.dir.Load().HasHooks() || len(keys) == 0 {
		return nil
	}
	if c.ID == "" {
		c.ID = strings.ToLower(rand.Text())
	}
	o := Outbox{Time: c.Time, ChangeID: c.ID, Keys: keys}
	err := g.store.ChangeRecords(ctx, RecordChange{Writes: []RecordWrite{{Ref: Ref{KindOutbox, OutboxName(c.Time)}, Value: mustJSON(o), Expect: 0}}})
	if errors.Is(err, ErrConflict) {
		return fmt.Errorf("%w: the webhook outbox: %w", ErrUnavailable, err)
	}
	return err
}

// SendTest puts a test event for one endpoint in the outbox; it returns
// the event's id, which its delivery record then carries.
func (g *Grants) SendTest(ctx context.Context, p Principal, domain, id string, now time.Time) (string, error) {
	w, err := g.Webhook(p, domain, id)
	if err != nil {
		return "", err
	}
	ev := HookEvent{ID: HookEventID("test", w.ID, now.UTC().Format(time.RFC3339Nano)), Type: HookTest, Time: now.UTC(),
		Data: mustJSON(map[string]string{"domain": domain, "webhook": w.ID, "by": p.Name}), Endpoint: webhookRef(domain, id).Name}
	o := Outbox{Time: now.UTC(), Events: []HookEvent{ev}}
	return ev.ID, g.WriteHooks(ctx, []RecordWrite{{Ref: Ref{KindOutbox, OutboxName(now)}, Value: mustJSON(o), Expect: 0}})
}

// WebhookName is the record name of an endpoint, as deliveries name it.
func WebhookName(domain, id string) string { return webhookRef(domain, id).Name }
