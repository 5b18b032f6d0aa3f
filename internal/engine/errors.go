package engine

import (
	"context"
	"errors"
	"fmt"
)

// Exit codes, documented in README.md. Scripts depend on them: never renumber.
const (
	ExitOK          = 0   // success
	ExitFailure     = 1   // an operation failed
	ExitUsage       = 2   // bad flag, config file or argument; nothing changed
	ExitPreflight   = 3   // a preflight check failed; nothing changed
	ExitNotReady    = 4   // the container did not become ready (timeout or fatal log marker)
	ExitNotFound    = 5   // no installation at the install directory
	ExitWarnings    = 6   // appsmith doctor: warnings, no failure
	ExitInterrupted = 130 // interrupted (Ctrl-C, SIGTERM); a re-run continues
)

// Error is an error with an exit code and a hint: the next thing the user
// should run or check.
type Error struct {
	Code int
	Err  error
	Hint string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error.
func Errorf(code int, hint, format string, args ...any) *Error {
	return &Error{Code: code, Err: fmt.Errorf(format, args...), Hint: hint}
}

// UsageError is a bad input: it names the flag or file.
func UsageError(format string, args ...any) *Error {
	return Errorf(ExitUsage, "", format, args...)
}

// ExitCode maps any error to its documented exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, context.Canceled) {
		return ExitInterrupted
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ExitFailure
}

// HintOf returns the hint carried by err, if any.
func HintOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Hint
	}
	return ""
}
