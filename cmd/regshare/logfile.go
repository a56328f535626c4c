package main

import (
	"fmt"
	"log/slog"
	"os"
	"sync"
)

// openAudit returns the audit logger: JSON lines appended to path, or the
// main log's handler with log=audit when path is empty.
func openAudit(path string, log *slog.Logger) (*slog.Logger, *logFile, error) {
	if path == "" {
		return log.With("log", "audit"), nil, nil
	}
	f := &logFile{path: path}
	if err := f.Reopen(); err != nil {
		return nil, nil, fmt.Errorf("audit_log: %w", err)
	}
	return slog.New(requestIDHandler{slog.NewJSONHandler(f, nil)}), f, nil
}

// logFile is a log file that SIGHUP reopens, so that a log rotation
// (rename, then HUP) takes effect without a restart.
type logFile struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

// Reopen opens path anew (creating it, mode 0600) and closes the old file.
func (l *logFile) Reopen() error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	l.mu.Lock()
	old := l.f
	l.f = f
	l.mu.Unlock()
	if old != nil {
		return old.Close()
	}
	return nil
}

func (l *logFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Write(p)
}

func (l *logFile) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}
