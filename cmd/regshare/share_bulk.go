package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/regshare/regshare/shareapi"
)

// bulkArgs are a share change of every repository with every domain.
type bulkArgs struct {
	repos, domains []string
	deadline       string // "forever", a date or time; "" when not given
	description    *string
	key            string // the Idempotency-Key; "": a new one
}

// bulkCommand runs share create, update or revoke of several pairs as one
// change through the bulk routes. It prints a table of the pairs and their
// results (-o json: the API's answer), and the same for a refused change,
// which is then an error: nothing was written.
func bulkCommand(ctx context.Context, sub string, b bulkArgs, cf clientFlags, stdin io.Reader, stdout, stderr io.Writer) error {
	method, path, body, err := bulkRequest(sub, b)
	if err != nil {
		if errors.Is(err, errUnknownSub) {
			fmt.Fprint(stderr, shareUsage)
		}
		return err
	}
	for _, repo := range b.repos {
		if _, err := sharePath(repo, ""); err != nil {
			return err
		}
	}
	c, err := cf.newClient(stdin, stderr)
	if err != nil {
		return err
	}
	data, err := c.change(ctx, method, path, body, b.key, stderr)
	if ae, ok := errors.AsType[*answerError](err); ok && isBulkAnswer(ae.body) {
		data, err = ae.body, nil // a refusal, told per pair
	}
	if err != nil {
		return err
	}
	var res shareapi.BulkResult
	if err := json.Unmarshal(data, &res); err != nil {
		return fmt.Errorf("unexpected answer: %w", err)
	}
	if *cf.output == "json" {
		_, err = stdout.Write(data)
	} else {
		err = writeTable(stdout, bulkRows(res))
	}
	if err != nil || res.Written {
		return err
	}
	refused := 0
	for _, r := range res.Results {
		if r.Result == shareapi.ResultRefused {
			refused++
		}
	}
	return fmt.Errorf("share %s: nothing was written: %d of %d pairs refused", sub, refused, len(res.Results))
}

var errUnknownSub = errors.New("share: unknown subcommand")

// bulkRequest is the API request of a bulk change.
func bulkRequest(sub string, b bulkArgs) (method, path string, body any, err error) {
	switch sub {
	case "create":
		if b.deadline == "" {
			return "", "", nil, errors.New("share create: give --until DATE or --permanent")
		}
		req := shareapi.BulkCreate{Repositories: b.repos, AccessDomains: b.domains, Permit: "read", Deadline: b.deadline}
		if b.description != nil {
			req.Description = *b.description
		}
		return http.MethodPost, "/v2/manage/shares", req, nil
	case "update":
		req := shareapi.BulkUpdate{Repositories: b.repos, AccessDomains: b.domains, Description: b.description}
		if b.deadline != "" {
			req.Deadline = &b.deadline
		}
		if req.Deadline == nil && req.Description == nil {
			return "", "", nil, errors.New("share update: nothing to change; give --until, --permanent or --description")
		}
		return http.MethodPatch, "/v2/manage/shares", req, nil
	case "revoke":
		return http.MethodPost, "/v2/manage/shares/revoke", shareapi.BulkRevoke{Repositories: b.repos, AccessDomains: b.domains}, nil
	}
	return "", "", nil, fmt.Errorf("%w %q", errUnknownSub, sub)
}

// isBulkAnswer reports whether an error answer is a bulk change's
// refusal, with its results, rather than an SWR error.
func isBulkAnswer(body []byte) bool {
	var res shareapi.BulkResult
	return json.Unmarshal(body, &res) == nil && len(res.Results) > 0
}

// bulkRows is the table of a bulk answer: per pair its result, and the
// share's deadline and description, or why the pair was refused.
func bulkRows(res shareapi.BulkResult) [][]string {
	rows := [][]string{{"REPOSITORY", "SHARED WITH", "RESULT", "VALID UNTIL", "DETAIL"}}
	for _, r := range res.Results {
		var until, detail string
		switch {
		case r.Result == shareapi.ResultRefused:
			detail = fmt.Sprintf("%s (%s)", r.ErrorMessage, r.ErrorCode)
		case r.Result == shareapi.ResultNotWritten:
			detail = "another pair was refused"
		case r.Share != nil:
			until, detail = r.Share.Deadline, ellipsis(r.Share.Description, 40)
		}
		rows = append(rows, []string{r.Repository, r.AccessDomain, strings.ReplaceAll(r.Result, "_", " "), until, detail})
	}
	return rows
}
