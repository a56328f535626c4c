package hooks

import (
	"context"
	"errors"
	"fmt"

	"github.com/regshare/regshare/grants"
	"github.com/regshare/regshare/webhook"
)

// attempt sends a due delivery once and writes how it went: delivered,
// due again after the policy's backoff, or failed once it gives up. An
// endpoint deleted or disabled meanwhile fails it at once.
func (d *Deliverer) attempt(ctx context.Context, dl grants.Versioned[grants.Delivery]) {
	// A send under way is finished (within the client's timeout) and
	// written even while shutting down or losing the lead: the receiver
	// may have it, and the next leader must not send it again.
	ctx = context.WithoutCancel(ctx)
	v := dl.V
	now := d.now()
	ep, _ := d.g.Directory().Hook(v.Endpoint)
	var res webhook.Result
	switch secret, err := secretOf(ep); {
	case ep == nil || ep.Disabled:
		res.Err = errors.New("the endpoint was deleted or disabled")
	case err != nil:
		res.Err = err
	default:
		res = d.send.Send(ctx, ep.URL, secret, webhook.Message{ID: v.Event.ID, Timestamp: now, Payload: v.Payload})
	}
	v.Attempts++
	v.LastAttempt, v.LastStatus, v.LastError = now.UTC(), res.Status, ""
	switch next, ok := d.cfg.Retry.Next(v.Attempts, v.Created, now, jitter); {
	case res.Err == nil:
		v.Status, v.NextAt = grants.DeliveryDelivered, now.UTC()
		d.results.WithLabelValues("delivered").Inc()
	case ep != nil && !ep.Disabled && ok:
		v.NextAt, v.LastError = next.UTC(), res.Err.Error()
		d.results.WithLabelValues("retry").Inc()
	default:
		v.Status, v.LastError = grants.DeliveryFailed, res.Err.Error()
		d.results.WithLabelValues("failed").Inc()
		d.log.Warn("webhooks: a delivery failed for good", "endpoint", v.Endpoint, "event", v.Event.ID, "attempts", v.Attempts, "err", res.Err)
	}
	d.write(ctx, grants.RecordWrite{Ref: grants.Ref{Kind: grants.KindDelivery, Name: dl.Name}, Value: mustJSON(v), Expect: dl.Rev})
}

func secretOf(ep *grants.WebhookRecord) ([]byte, error) {
	if ep == nil {
		return nil, nil
	}
	b, err := webhook.ParseSecret(ep.Secret)
	if err != nil {
		return nil, fmt.Errorf("the endpoint's secret: %w", err)
	}
	return b, nil
}
