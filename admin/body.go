package admin

import (
	"errors"
	"io"
	"net/http"

	jsonv2 "github.com/go-json-experiment/json"
)

// readBody decodes a JSON body of at most 64 KiB into v. It is strict, so
// that a proxy or firewall reading the body cannot see another request
// than regshare does: an unknown member, a member named like a known one
// but for its case ("ACCESS_DOMAIN"), a name given twice, invalid UTF-8 or
// data after the object are refused (encoding/json would match names
// case-insensitively and let the last duplicate win).
// It returns the body read.
func readBody(w http.ResponseWriter, r *http.Request, v any) ([]byte, error) {
	data, err := readAll(w, r)
	if err != nil {
		return nil, err
	}
	return data, decode(data, v)
}

// readOptionalBody is readBody for a change whose body may be left out:
// an empty body leaves v as it is.
func readOptionalBody(w http.ResponseWriter, r *http.Request, v any) error {
	data, err := readAll(w, r)
	if err != nil || len(data) == 0 {
		return err
	}
	return decode(data, v)
}

// decode decodes a body strictly (see readBody).
func decode(data []byte, v any) error {
	if err := jsonv2.Unmarshal(data, v, jsonv2.RejectUnknownMembers(true)); err != nil {
		return errBadBody(err)
	}
	return nil
}

// readAll reads a body of at most 64 KiB.
func readAll(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, errBadBody(errors.New("larger than 64 KiB"))
		}
		return nil, errBadBody(err)
	}
	return data, nil
}
