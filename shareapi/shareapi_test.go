package shareapi_test

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/regshare/regshare/shareapi"
)

// TestFieldNamesAreStable pins the JSON names of every wire type, empty
// (what omitempty leaves out) and filled: scripts read these names.
func TestFieldNamesAreStable(t *testing.T) {
	s, yes := "x", true
	for _, tc := range []struct {
		name          string
		empty, filled any
		want, omitted string // space-separated keys, sorted
	}{
		{"Share", shareapi.Share{}, shareapi.Share{Exist: &yes},
			"access_domain created creator_id creator_name deadline description last_pull namespace num_download permit repository status updated", "exist"},
		{"CreateShare", shareapi.CreateShare{}, nil, "access_domain deadline description permit", ""},
		{"UpdateShare", shareapi.UpdateShare{}, shareapi.UpdateShare{Permit: &s, Deadline: &s, Description: &s},
			"", "deadline description permit"},
		{"Event", shareapi.Event{}, shareapi.Event{Before: &shareapi.Share{}, After: &shareapi.Share{}}, "action actor time", "after before"},
		{"SharedRepository", shareapi.SharedRepository{},
			shareapi.SharedRepository{AccessDomains: []shareapi.Recipient{{}}, Deadline: s, PullCommand: s, Description: s, SharedAs: s, ViaGroup: s, NumDownloadOwn: new(int64(0)), LastPull: &s},
			"created_at domain_name kind name namespace num_download path status tags updated_at", "access_domains deadline description last_pull num_download_own pull_command shared_as via_group"},
		{"Recipient", shareapi.Recipient{}, nil, "access_domain deadline description num_download permit status", ""},
		{"Group", shareapi.Group{}, shareapi.Group{Members: []string{s}, UpdatedBy: s},
			"created description member name num_members updated", "members updated_by"},
		{"Groups", shareapi.Groups{}, nil, "groups", ""},
		{"CreateGroup", shareapi.CreateGroup{}, shareapi.CreateGroup{Description: s}, "members name", "description"},
		{"UpdateGroup", shareapi.UpdateGroup{}, shareapi.UpdateGroup{Description: &s, Members: &[]string{}, AddMembers: []string{s}, RemoveMembers: []string{s}},
			"", "add_members description members remove_members"},
		{"User", shareapi.User{}, nil, "can_share domain idle_timeout name namespaces registry role source static superuser token_max_days", ""},
		{"Session", shareapi.Session{}, nil, "expires_in session_ends token", ""},
		{"Repository", shareapi.Repository{}, nil, "domain_name expired_shares name namespace num_images path shared_with shares updated", ""},
		{"Tag", shareapi.Tag{}, nil, "Tag created digest path pull_command size", ""},
		{"Error", shareapi.Error{}, nil, "detail errorCode errorMessage", ""},
		{"Domain", shareapi.Domain{}, nil,
			"created name namespaces robot_max_lifetime robot_never_expires robots static updated updated_by users", ""},
		{"Domains", shareapi.Domains{}, nil, "domains", ""},
		{"CreateDomain", shareapi.CreateDomain{}, shareapi.CreateDomain{RobotMaxLifetime: s, RobotNeverExpires: yes},
			"name namespaces", "robot_max_lifetime robot_never_expires"},
		{"UpdateDomain", shareapi.UpdateDomain{}, shareapi.UpdateDomain{Namespaces: &[]string{}, RobotMaxLifetime: &s, RobotNeverExpires: &yes},
			"", "namespaces robot_max_lifetime robot_never_expires"},
		{"DomainDeleted", shareapi.DomainDeleted{}, nil, "revoked", ""},
		{"ShareKey", shareapi.ShareKey{}, nil, "access_domain repository", ""},
		{"Account", shareapi.Account{}, nil, "created disabled domain name role source static superuser updated updated_by", ""},
		{"Accounts", shareapi.Accounts{}, nil, "users", ""},
		{"CreatedAccount", shareapi.CreatedAccount{}, shareapi.CreatedAccount{Password: s},
			"created disabled domain name role source static superuser updated updated_by", "password"},
		{"CreateAccount", shareapi.CreateAccount{}, shareapi.CreateAccount{Password: s}, "name role", "password"},
		{"UpdateAccount", shareapi.UpdateAccount{}, shareapi.UpdateAccount{Role: &s, Disabled: &yes}, "", "disabled role"},
		{"NewPassword", shareapi.NewPassword{}, nil, "name password", ""},
		{"ChangePassword", shareapi.ChangePassword{}, nil, "current_password new_password", ""},
		{"Robot", shareapi.Robot{}, nil,
			"created description disabled domain expired expires_at last_used name permissions robot rotation_grace_until updated updated_by", ""},
		{"Permission", shareapi.Permission{}, nil, "actions repository", ""},
		{"AccessToken", shareapi.AccessToken{}, nil, "created expired expires_at id label owner permissions", ""},
		{"AccessTokens", shareapi.AccessTokens{}, nil, "tokens", ""},
		{"CreateAccessToken", shareapi.CreateAccessToken{}, shareapi.CreateAccessToken{Permissions: []shareapi.Permission{{}}, ExpiresAt: s, ExpiresIn: s},
			"label", "expires_at expires_in permissions"},
		{"AccessTokenSecret", shareapi.AccessTokenSecret{}, shareapi.AccessTokenSecret{DockerLogin: s},
			"created expired expires_at id label owner permissions secret", "docker_login"},
		{"RobotUse", shareapi.RobotUse{}, nil, "client time", ""},
		{"Robots", shareapi.Robots{}, nil, "robots", ""},
		{"CreateRobot", shareapi.CreateRobot{}, shareapi.CreateRobot{Description: s, ExpiresAt: s, ExpiresIn: s, NeverExpires: yes},
			"name permissions", "description expires_at expires_in never_expires"},
		{"RobotSecret", shareapi.RobotSecret{}, shareapi.RobotSecret{DockerLogin: s},
			"created description disabled domain expired expires_at last_used name permissions robot rotation_grace_until secret updated updated_by", "docker_login"},
		{"RotateRobot", shareapi.RotateRobot{}, shareapi.RotateRobot{Grace: s}, "", "grace"},
		{"UpdateRobot", shareapi.UpdateRobot{}, nil, "disabled", ""},
		{"AccountEvent", shareapi.AccountEvent{}, shareapi.AccountEvent{Detail: []byte(`{}`), Revoked: []shareapi.ShareKey{{}}},
			"action actor kind name time", "detail revoked"},
		{"AccountHistory", shareapi.AccountHistory{}, nil, "events", ""},
		{"Webhook", shareapi.Webhook{}, nil, "created description disabled domain events id updated updated_by url", ""},
		{"Webhooks", shareapi.Webhooks{}, nil, "webhooks", ""},
		{"WebhookSecret", shareapi.WebhookSecret{}, nil, "created description disabled domain events id secret updated updated_by url", ""},
		{"CreateWebhook", shareapi.CreateWebhook{}, shareapi.CreateWebhook{Description: s, Disabled: yes}, "events url", "description disabled"},
		{"UpdateWebhook", shareapi.UpdateWebhook{}, shareapi.UpdateWebhook{URL: &s, Events: &[]string{}, Description: &s, Disabled: &yes},
			"", "description disabled events url"},
		{"Delivery", shareapi.Delivery{}, nil, "attempts created event_id last_attempt last_error last_status next_at status type", ""},
		{"Deliveries", shareapi.Deliveries{}, nil, "deliveries", ""},
		{"WebhookTest", shareapi.WebhookTest{}, nil, "event_id", ""},
	} {
		if got := keys(t, tc.empty); got != tc.want {
			t.Errorf("%s: keys %q, want %q", tc.name, got, tc.want)
		}
		if tc.filled == nil {
			continue
		}
		want := strings.Fields(tc.want + " " + tc.omitted)
		slices.Sort(want)
		if got := keys(t, tc.filled); got != strings.Join(want, " ") {
			t.Errorf("%s filled: keys %q, want %q", tc.name, got, strings.Join(want, " "))
		}
	}
}

func keys(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return strings.Join(slices.Sorted(maps.Keys(m)), " ")
}
