package aws

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/keyholder/keyholder/scanners"
)

// callError is a failed AWS call: which action, where, the service's error
// code and message, and the class (a scanners sentinel) it falls in. Its
// text never holds the endpoint URL or request id, so snapshots stay
// deterministic.
type callError struct {
	Action string // IAM action name, e.g. "backup:ListBackupVaults"
	Where  string // region, resource or page, may be empty
	Code   string
	Msg    string
	class  error
	err    error
}

func (e *callError) Error() string {
	var b strings.Builder
	b.WriteString("aws: ")
	b.WriteString(e.Action)
	if e.Where != "" {
		b.WriteString(" (" + e.Where + ")")
	}
	if e.class != nil {
		b.WriteString(": " + e.class.Error())
	}
	switch {
	case e.Code != "" && e.Msg != "":
		b.WriteString(": " + e.Code + ": " + e.Msg)
	case e.Code != "":
		b.WriteString(": " + e.Code)
	case e.Msg != "":
		b.WriteString(": " + e.Msg)
	}
	return b.String()
}

func (e *callError) Unwrap() []error {
	out := []error{e.err}
	if e.class != nil {
		out = append(out, e.class)
	}
	return out
}

var deniedCodes = map[string]bool{
	"AccessDenied": true, "AccessDeniedException": true, "UnauthorizedOperation": true,
	"AuthorizationError": true, "UnauthorizedException": true, "Forbidden": true,
	"AllAccessDisabled": true, "InvalidClientTokenId": true, "UnrecognizedClientException": true,
	"ExpiredToken": true, "ExpiredTokenException": true, "SignatureDoesNotMatch": true,
	"InvalidAccessKeyId": true, "AccountNotFound": true,
}

var throttleCodes = map[string]bool{
	"Throttling": true, "ThrottlingException": true, "ThrottledException": true,
	"TooManyRequestsException": true, "RequestLimitExceeded": true, "SlowDown": true,
	"RequestThrottled": true, "RequestThrottledException": true, "LimitExceededException": true,
}

// classify turns an SDK error into a callError. Context errors are
// returned as they are so cancellation stays visible.
func classify(action, where string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("aws: %s: %w", action, err)
	}
	ce := &callError{Action: action, Where: where, err: err}
	var apiErr smithy.APIError
	var deser *smithy.DeserializationError
	switch {
	case errors.As(err, &apiErr):
		ce.Code, ce.Msg = apiErr.ErrorCode(), apiErr.ErrorMessage()
		switch {
		case deniedCodes[ce.Code]:
			ce.class = scanners.ErrDenied
		case throttleCodes[ce.Code]:
			ce.class = scanners.ErrThrottled
		}
	case errors.As(err, &deser):
		ce.class = scanners.ErrMalformed
		ce.Msg = deser.Err.Error()
	case errors.Is(err, scanners.ErrMalformed):
		ce.class = scanners.ErrMalformed
		ce.Msg = strings.TrimPrefix(err.Error(), scanners.ErrMalformed.Error()+": ")
	default:
		ce.Msg = err.Error()
	}
	return ce
}

// errorCode returns the AWS error code inside err, or "".
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// isCode reports whether err carries one of the given AWS error codes.
func isCode(err error, codes ...string) bool {
	c := errorCode(err)
	for _, x := range codes {
		if c == x {
			return true
		}
	}
	return false
}

// errLoop marks a pagination loop error; its text is part of the message.
var errLoop = errors.New("pagination loop")

// errPagingLoop reports a next token the service already sent.
func errPagingLoop(token string) error {
	if len(token) > 40 {
		token = token[:40] + "…"
	}
	return fmt.Errorf("%w: %w: the service returned next token %q twice", scanners.ErrMalformed, errLoop, token)
}

// paginate runs a paged listing: it calls fetch with a nil token, then
// with each next token fetch returns, until a page brings none. It returns
// the error of fetch as it is, or a pagination loop error (errLoop) when
// the service sends a token twice. What fetch gathered before an error is
// the caller's to keep.
func paginate(fetch func(token *string) (next *string, err error)) error {
	seen := map[string]bool{}
	var token *string
	for {
		next, err := fetch(token)
		if err != nil {
			return err
		}
		if next == nil || *next == "" {
			return nil
		}
		if seen[*next] {
			return errPagingLoop(*next)
		}
		seen[*next] = true
		token = next
	}
}
