package main

import (
	"fmt"
	"time"

	"github.com/regshare/regshare/webhook"
)

// WebhooksConfig is how regshare sends the webhooks that domains register
// (see the webhook routes): which addresses it may reach, when it warns of
// a share's coming expiry, and how it retries.
type WebhooksConfig struct {
	// AllowPrivate lets endpoints be on loopback, private and link-local
	// addresses (a closed network, tests); by default they must be public.
	AllowPrivate bool `yaml:"allow_private"`
	// Leads are how long before a share's deadline share.expiring is sent,
	// once for each (default 168h and 24h); an empty list sends none.
	Leads []time.Duration    `yaml:"leads"`
	Retry WebhookRetryConfig `yaml:"retry"`
}

// WebhookRetryConfig spaces the attempts at one delivery: exponential
// backoff with full jitter from Initial, each wait at most Max, and no
// attempt later than Give after the first (then the delivery failed).
type WebhookRetryConfig struct {
	Initial time.Duration `yaml:"initial"`
	Max     time.Duration `yaml:"max"`
	Give    time.Duration `yaml:"give"`
}

// maxWebhookLeads bounds webhooks.leads: each lead is an event per share.
const maxWebhookLeads = 5

// defaultWebhooks is the webhooks section of a file that sets none.
func defaultWebhooks() WebhooksConfig {
	return WebhooksConfig{
		Leads: []time.Duration{7 * 24 * time.Hour, 24 * time.Hour},
		Retry: WebhookRetryConfig{Initial: webhook.DefaultRetryInitial, Max: webhook.DefaultRetryMax, Give: webhook.DefaultRetryGive},
	}
}

func (c *Config) validateWebhooks() []error {
	w := c.Webhooks
	var errs []error
	if len(w.Leads) > maxWebhookLeads {
		errs = append(errs, fmt.Errorf("webhooks.leads: %d leads, at most %d", len(w.Leads), maxWebhookLeads))
	}
	for i, d := range w.Leads {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("webhooks.leads[%d] %v: must be positive", i, d))
		}
	}
	for _, r := range []struct {
		key string
		d   time.Duration
	}{{"initial", w.Retry.Initial}, {"max", w.Retry.Max}, {"give", w.Retry.Give}} {
		if r.d <= 0 {
			errs = append(errs, fmt.Errorf("webhooks.retry.%s %v: must be positive", r.key, r.d))
		}
	}
	return errs
}
