package main

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRequestID(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(requestIDHandler{slog.NewTextHandler(&buf, nil)}).With("component", "test")
	h := withRequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.InfoContext(r.Context(), "handled")
	}))
	for _, tc := range []struct {
		sent string
		keep bool
	}{
		{"abc-123_x.y", true},
		{"", false},
		{"two words", false},
		{"inject\nlevel=ERROR", false},
		{strings.Repeat("a", 65), false},
	} {
		buf.Reset()
		r := httptest.NewRequest("GET", "/", nil)
		if tc.sent != "" {
			r.Header.Set("X-Request-Id", tc.sent)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		got := w.Header().Get("X-Request-Id")
		if tc.keep != (got == tc.sent) || got == "" || !saneRequestID(got) {
			t.Errorf("sent %q: answered %q", tc.sent, got)
		}
		if !strings.Contains(buf.String(), "request_id="+got) || !strings.Contains(buf.String(), "component=test") {
			t.Errorf("sent %q: log line %q lacks request_id=%s", tc.sent, buf.String(), got)
		}
	}
	// Outside a request, no request_id.
	buf.Reset()
	log.Info("startup")
	if strings.Contains(buf.String(), "request_id") {
		t.Errorf("log line outside a request: %q", buf.String())
	}
}
