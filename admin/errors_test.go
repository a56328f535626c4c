package admin

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/regshare/regshare/grants"
)

// TestRuleErrorCodes: ruleErrors takes the first row an error matches, and
// many rules wrap others (the account refusals of 403 wrap ErrForbidden,
// ErrTooManyAccounts and every share rule wrap ErrInvalid): each, wrapped
// as grants wraps it, keeps its own code, and the share codes are those
// they were before the account rules.
func TestRuleErrorCodes(t *testing.T) {
	inUse := &grants.InUseError{Domain: "hooli", Shares: []grants.Key{{Repository: "hooli/app", Recipient: "acme"}}}
	for _, tc := range []struct {
		err  error
		code string
		msg  string // a part of the message, if any
	}{
		// The share rules, unchanged.
		{grants.ErrIDReused, "REGSHARE.4220001", ""},
		{fmt.Errorf("%w: hooli", grants.ErrUnknownDomain), "REGSHARE.4000002", ""},
		{grants.ErrOwnDomain, "REGSHARE.4000003", ""},
		{grants.ErrBadPermit, "REGSHARE.4000004", ""},
		{grants.ErrDeadlinePassed, "REGSHARE.4000005", ""},
		{grants.ErrDescriptionLong, "REGSHARE.4000006", ""},
		{grants.ErrBadRepository, "REGSHARE.4000007", ""},
		{grants.ErrTooMany, "REGSHARE.4000008", ""},
		{grants.ErrDeadlineRange, "REGSHARE.4000005", ""},
		{fmt.Errorf("%w: 2001 pairs", grants.ErrBatchTooLarge), "REGSHARE.4000015", "2001 pairs"},
		{grants.ErrNotOwner, "REGSHARE.4030001", ""},
		{grants.ErrRole, "REGSHARE.4030002", ""},
		{grants.ErrPreviousOwner, "REGSHARE.4030004", ""},
		{fmt.Errorf("%w: role read cannot share", grants.ErrForbidden), "REGSHARE.4030002", ""},
		{grants.ErrNotFound, "REGSHARE.4040001", ""},
		{grants.ErrExists, "REGSHARE.4090001", ""},
		{grants.ErrStale, "REGSHARE.5030002", ""},
		{grants.ErrLoading, "REGSHARE.5030003", ""},
		{grants.ErrOutcomeUnknown, "REGSHARE.5030004", ""},
		{grants.ErrReloaded, "REGSHARE.5030001", ""},
		{errors.New("disk on fire"), "REGSHARE.5000001", "internal error"},
		// The account rules.
		{fmt.Errorf("%w: user bob in domain acme", grants.ErrNoAccount), "REGSHARE.4040003", "user bob"},
		{fmt.Errorf("%w: user bob", grants.ErrAccountExists), "REGSHARE.4090002", ""},
		{fmt.Errorf("%w: namespace x belongs to domain acme", grants.ErrNamespaceTaken), "REGSHARE.4090003", ""},
		{inUse, "REGSHARE.4090004", "hooli/app with acme"},
		{fmt.Errorf("delete: %w", inUse), "REGSHARE.4090004", "hooli/app with acme"},
		{fmt.Errorf("%w, 6 times in a row; nothing was written", grants.ErrConflict), "REGSHARE.4090005", "nothing was written"},
		{grants.ErrNotAdmin, "REGSHARE.4030005", "only an administrator"},
		{grants.ErrNotManager, "REGSHARE.4030006", ""},
		{fmt.Errorf("user walt: %w", grants.ErrStatic), "REGSHARE.4030007", "user walt: declared in the configuration file"},
		{fmt.Errorf("%w: acme/web is not shared with domain globex", grants.ErrRobotPermission), "REGSHARE.4030008", ""},
		{grants.ErrSelf, "REGSHARE.4030010", ""},
		{grants.ErrWrongPassword, "REGSHARE.4030011", ""},
		{fmt.Errorf("%w: domain acme has 100 robots", grants.ErrTooManyAccounts), "REGSHARE.4000013", "too many accounts: domain acme"},
		{fmt.Errorf("%w: a password has 8 to 72 bytes", grants.ErrInvalid), "REGSHARE.4000012", "a password has"},
		{errRobotAPI, "REGSHARE.4030009", ""},
		{errBadDuration("grace", "1.5h"), "REGSHARE.4000014", `grace "1.5h"`},
	} {
		e := toAPIError(tc.err)
		if e.code != tc.code || !strings.Contains(e.msg, tc.msg) {
			t.Errorf("%q: %s %q, want %s with %q", tc.err, e.code, e.msg, tc.code, tc.msg)
		}
		// An account's message reads without the share wording.
		if accountCodes[tc.code] &&
			(strings.Contains(e.msg, "invalid share") || strings.Contains(e.msg, "forbidden:")) {
			t.Errorf("%q: message %q keeps the share wording", tc.err, e.msg)
		}
	}
}

var accountCodes = map[string]bool{
	"REGSHARE.4040003": true, "REGSHARE.4090002": true, "REGSHARE.4090003": true, "REGSHARE.4090004": true,
	"REGSHARE.4030005": true, "REGSHARE.4030006": true, "REGSHARE.4030007": true, "REGSHARE.4030008": true,
	"REGSHARE.4030010": true, "REGSHARE.4030011": true, "REGSHARE.4000012": true, "REGSHARE.4000013": true,
}
