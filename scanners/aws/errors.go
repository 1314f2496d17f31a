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

// errPageCap marks a listing stopped at the page cap; its text is part of
// the message.
var errPageCap = errors.New("page cap reached")

// errPagingCap reports a service still sending next tokens after page n,
// the last one allowed.
func errPagingCap(n int) error {
	return fmt.Errorf("%w: %w: page %d, the last one max_pages allows, still brought a next token; the pages read so far are kept", scanners.ErrMalformed, errPageCap, n)
}

// paginate runs a paged listing with the target's page cap (max_pages).
// See paginateN.
func (s *Scanner) paginate(fetch func(token *string) (next *string, err error)) error {
	return paginateN(s.set.maxPages, fetch)
}

// paginateN runs a paged listing: it calls fetch with a nil token, then
// with each next token fetch returns, until a page brings none. It returns
// the error of fetch as it is, a pagination loop error (errLoop) when the
// service sends a token twice, or a page cap error (errPageCap) when page
// maxPages still brings a next token (a service sending new tokens forever
// would otherwise be read until the context ends). Both are
// scanners.ErrMalformed. What fetch gathered before an error is the
// caller's to keep.
func paginateN(maxPages int, fetch func(token *string) (next *string, err error)) error {
	if maxPages <= 0 {
		maxPages = DefaultMaxPages
	}
	seen := map[string]bool{}
	var token *string
	for page := 1; ; page++ {
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
		if page >= maxPages {
			return errPagingCap(page)
		}
		seen[*next] = true
		token = next
	}
}
