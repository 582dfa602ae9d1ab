package setup

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Env reads settings and collects every problem, so that a misconfigured
// function says everything that is wrong at its first start.
type Env struct {
	get  func(string) string
	errs []error
}

// NewEnv reads from getenv (os.Getenv in a Lambda).
func NewEnv(getenv func(string) string) *Env { return &Env{get: getenv} }

// Get returns the variable's value ("" when unset).
func (e *Env) Get(name string) string { return strings.TrimSpace(e.get(name)) }

// Required returns the variable, recording a problem when it is unset.
func (e *Env) Required(name, what string) string {
	v := e.Get(name)
	if v == "" {
		e.errs = append(e.errs, fmt.Errorf("%s is not set: it must name %s", name, what))
	}
	return v
}

// Int returns the variable as an integer >= min, or def when unset.
func (e *Env) Int(name string, def, min int) int {
	v := e.Get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: want an integer of at least %d", name, v, min))
		return def
	}
	return n
}

// Duration returns the variable as a Go duration ("2s", "500ms") > 0, or
// def when unset.
func (e *Env) Duration(name string, def time.Duration) time.Duration {
	v := e.Get(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: want a positive duration such as 2s or 500ms", name, v))
		return def
	}
	return d
}

// Bool returns the variable as a boolean, or false when unset.
func (e *Env) Bool(name string) bool {
	v := e.Get(name)
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: want true or false", name, v))
	}
	return b
}

// List returns the comma-separated variable's non-empty items.
func (e *Env) List(name string) []string {
	var out []string
	for _, s := range strings.Split(e.Get(name), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Fail records a problem found by the caller.
func (e *Env) Fail(err error) {
	if err != nil {
		e.errs = append(e.errs, err)
	}
}

// Err returns every problem recorded, or nil.
func (e *Env) Err() error {
	if len(e.errs) == 0 {
		return nil
	}
	return fmt.Errorf("configuration: %w", errors.Join(e.errs...))
}
