package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/regshare/regshare/notify"
)

// NotificationsConfig turns on the endpoint for the registry's
// notifications, /notifications/registry, which counts pulls and pushes.
// The registry's endpoint sends the header "Authorization: Bearer
// SECRET"; the secret is given here or in a file (SecretFile, re-read at
// start only). Without either the endpoint is off.
type NotificationsConfig struct {
	Secret     string        `yaml:"secret"`
	SecretFile string        `yaml:"secret_file"`
	FlushEvery time.Duration `yaml:"flush_every"`
}

// notificationsPath is where the registry sends its notifications.
const notificationsPath = "/notifications/registry"

// minNotificationSecret is the shortest secret taken: it is the
// endpoint's only credential.
const minNotificationSecret = 16

func (c *Config) validateNotifications() []error {
	n := c.Notifications
	var errs []error
	if n.Secret != "" && n.SecretFile != "" {
		errs = append(errs, errors.New("notifications: give secret or secret_file, not both"))
	}
	if n.Secret != "" && len(n.Secret) < minNotificationSecret {
		errs = append(errs, fmt.Errorf("notifications.secret: at least %d characters (make one with `openssl rand -hex 32`)", minNotificationSecret))
	}
	if n.FlushEvery < 0 || n.FlushEvery > 5*time.Second {
		errs = append(errs, fmt.Errorf("notifications.flush_every %v: between 0 (the default: no wait) and 5s, within the registry's timeout", n.FlushEvery))
	}
	return errs
}

// notifyConfig is the endpoint's configuration, the secret read; ok is
// false when the endpoint is off.
func (n NotificationsConfig) notifyConfig() (cfg notify.Config, ok bool, err error) {
	secret := n.Secret
	if n.SecretFile != "" {
		b, err := os.ReadFile(n.SecretFile)
		if err != nil {
			return cfg, false, fmt.Errorf("notifications.secret_file: %w", err)
		}
		if secret = strings.TrimSpace(string(b)); len(secret) < minNotificationSecret {
			return cfg, false, fmt.Errorf("notifications.secret_file: the secret has fewer than %d characters", minNotificationSecret)
		}
	}
	if secret == "" {
		return cfg, false, nil
	}
	return notify.Config{Authorization: "Bearer " + secret, FlushEvery: n.FlushEvery}, true, nil
}
