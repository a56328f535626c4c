package tokenauth

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// readForm reads the body, an application/x-www-form-urlencoded form of at
// most maxFormBytes, into r.PostForm. ParseForm would also merge the query
// into r.Form and grow a fresh buffer from 512 bytes for every request; a
// docker refresh is about 1 KiB, read here into a reused buffer.
func readForm(w http.ResponseWriter, r *http.Request) error {
	media, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	if !strings.EqualFold(strings.TrimSpace(media), "application/x-www-form-urlencoded") {
		return &requestError{http.StatusUnsupportedMediaType, "invalid_request", "the body must be a form (Content-Type: application/x-www-form-urlencoded)", 0}
	}
	if r.ContentLength > maxFormBytes {
		return errFormTooLarge
	}
	buf := formBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= formBufferKeep { // a rare large form is not kept
			formBuffers.Put(buf)
		}
	}()
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, maxFormBytes)); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return errFormTooLarge
		}
		return badRequest("cannot read the form: %v", err)
	}
	var err error
	if r.PostForm, err = url.ParseQuery(buf.String()); err != nil {
		return badRequest("cannot read the form: %v", err)
	}
	return nil
}

var errFormTooLarge = &requestError{http.StatusRequestEntityTooLarge, "invalid_request", fmt.Sprintf("the form is larger than %d bytes", maxFormBytes), 0}

// formBuffers hold request bodies while they are parsed.
var formBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const formBufferKeep = 16 << 10
