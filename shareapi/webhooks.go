package shareapi

// The wire types of the webhook routes, /v2/manage/domains/{domain}/webhooks:
// the endpoints a domain's manage users register to hear of share events.
// Times are RFC 3339 in UTC, or null when not set.

// Webhook is an endpoint as the webhook routes write it; never its secret.
type Webhook struct {
	ID     string `json:"id"`
	Domain string `json:"domain"`
	URL    string `json:"url"`
	// Events are the event types it hears: share.created, share.updated,
	// share.revoked, share.expiring, share.expired.
	Events      []string `json:"events"`
	Description string   `json:"description"`
	// Disabled: it hears nothing, not even a test, until enabled again.
	Disabled  bool    `json:"disabled"`
	Created   *string `json:"created"`
	Updated   *string `json:"updated"`
	UpdatedBy string  `json:"updated_by"`
}

// Webhooks is the answer of GET .../webhooks.
type Webhooks struct {
	Webhooks []Webhook `json:"webhooks"`
}

// WebhookSecret is the answer of POST .../webhooks: the endpoint and its
// signing secret ("whsec_" and base64, as the Standard Webhooks
// specification writes it), shown this once.
type WebhookSecret struct {
	Webhook
	Secret string `json:"secret"`
}

// CreateWebhook is the body of POST /v2/manage/domains/{domain}/webhooks.
type CreateWebhook struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description,omitempty"`
	Disabled    bool     `json:"disabled,omitempty"`
}

// UpdateWebhook is the body of PATCH .../webhooks/{id}: an absent (nil)
// field keeps its value; at least one is given.
type UpdateWebhook struct {
	URL         *string   `json:"url,omitempty"`
	Events      *[]string `json:"events,omitempty"`
	Description *string   `json:"description,omitempty"`
	Disabled    *bool     `json:"disabled,omitempty"`
}

// Delivery is one event sent (or being sent) to an endpoint, and how its
// attempts went. Status is pending (NextAt says when it is tried next),
// delivered or failed (given up). LastStatus is the HTTP status of the
// last attempt's answer, null when none came (or none was made);
// LastError why the last attempt failed.
type Delivery struct {
	EventID     string  `json:"event_id"`
	Type        string  `json:"type"`
	Status      string  `json:"status"`
	Attempts    int     `json:"attempts"`
	NextAt      *string `json:"next_at"`
	LastAttempt *string `json:"last_attempt"`
	LastStatus  *int    `json:"last_status"`
	LastError   string  `json:"last_error"`
	Created     *string `json:"created"`
}

// Deliveries is the answer of GET .../webhooks/{id}/deliveries, newest
// first.
type Deliveries struct {
	Deliveries []Delivery `json:"deliveries"`
}

// WebhookTest is the answer of POST .../webhooks/{id}/test: the id of the
// test event queued, which its delivery then carries.
type WebhookTest struct {
	EventID string `json:"event_id"`
}
