package config

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
)

// ErrSecretMissing is returned when a secret's environment variable is unset
// or its file is empty or unreadable.
var ErrSecretMissing = errors.New("secret not available")

// SecretRef points to a secret outside the config: an environment variable
// or a file. Scanner config structs embed the pair under their own key
// names (secret_env/secret_file, password_env/password_file, ...) and call
// Resolve.
type SecretRef struct {
	Env  string
	File string
}

// Set reports whether the reference names a source.
func (r SecretRef) Set() bool { return r.Env != "" || r.File != "" }

// Resolve reads the secret. Errors name the variable or file, never the
// value. A non-nil redactor learns the value so it can be scrubbed from
// any text later.
func (r SecretRef) Resolve(red *Redactor) (string, error) {
	var val string
	switch {
	case r.Env != "" && r.File != "":
		return "", fmt.Errorf("both an environment variable (%s) and a file (%s) are set for one secret; use one", r.Env, r.File)
	case r.Env != "":
		v, ok := os.LookupEnv(r.Env)
		if !ok || v == "" {
			return "", fmt.Errorf("environment variable %s is not set: %w", r.Env, ErrSecretMissing)
		}
		val = v
	case r.File != "":
		b, err := os.ReadFile(r.File)
		if err != nil {
			return "", fmt.Errorf("secret file %s: %w", r.File, errors.Join(ErrSecretMissing, errors.Unwrap(err)))
		}
		val = strings.TrimRight(string(b), "\r\n")
		if val == "" {
			return "", fmt.Errorf("secret file %s is empty: %w", r.File, ErrSecretMissing)
		}
	default:
		return "", fmt.Errorf("no secret source given: %w", ErrSecretMissing)
	}
	red.Add(val)
	return val, nil
}

// Redactor scrubs known secret values from text. It is safe for concurrent
// use. The zero value is ready; a nil *Redactor does nothing.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string
}

// Redacted is what a secret is replaced with.
const Redacted = "[REDACTED]"

// Add remembers a secret value. Values shorter than 4 bytes are ignored:
// scrubbing them would mangle ordinary text.
func (r *Redactor) Add(secret string) {
	if r == nil || len(secret) < 4 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.secrets {
		if s == secret {
			return
		}
	}
	r.secrets = append(r.secrets, secret)
	// Longest first, so a secret containing another is replaced whole.
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

// Secrets returns the remembered values (for tests that assert absence).
func (r *Redactor) Secrets() []string {
	if r == nil {
		return nil
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]string(nil), r.secrets...)
}

// String scrubs every known secret from s.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, sec := range r.secrets {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, Redacted)
		}
	}
	return s
}

// Error returns err with every known secret scrubbed from its text; the
// result still matches the original with errors.Is.
func (r *Redactor) Error(err error) error {
	if err == nil || r == nil {
		return err
	}
	msg := err.Error()
	clean := r.String(msg)
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
