package main

import (
	"errors"
	"fmt"
	"testing"
)

// Which failures leave a change's outcome open, so that the CLI retries it
// under its Idempotency-Key.
func TestUnsure(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{errors.New("dial tcp: connection refused"), true},
		{fmt.Errorf("wrapped: %w", &answerError{status: 503}), true},
		{&answerError{status: 502}, true},
		{&answerError{status: 504}, true},
		{&answerError{status: 500}, false},
		{&answerError{status: 409}, false},
		{&answerError{status: 400}, false},
		{&answerError{status: 401}, false},
	} {
		if got := unsure(tt.err); got != tt.want {
			t.Errorf("unsure(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
