package aws

import (
	"context"
	"sync/atomic"

	"github.com/aws/smithy-go/middleware"

	"github.com/keyholder/keyholder/scanners"
)

// noAnswerAttempts caps the attempts of one API call that get no HTTP
// answer at all (no answer within the timeout, a refused or reset
// connection), the first included. The SDK's retryer would otherwise try a
// hanging endpoint max_attempts times (6 by default, each up to timeout)
// while the report says "no answer within 3s". Throttling and 5xx answers
// still get every attempt.
const noAnswerAttempts = 2

type noAnswerKey struct{}

// noAnswerMiddleware puts two steps around the SDK's retry loop: before
// it, one counter per API call; inside it, per attempt, a check that
// counts attempts that got no answer and, at noAnswerAttempts, marks the
// error not retryable (the SDK's retryer asks RetryableError first).
func noAnswerMiddleware(stack *middleware.Stack) error {
	count := middleware.FinalizeMiddlewareFunc("keyholderNoAnswerCount",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			return next.HandleFinalize(context.WithValue(ctx, noAnswerKey{}, new(atomic.Int32)), in)
		})
	check := middleware.FinalizeMiddlewareFunc("keyholderNoAnswerCheck",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleFinalize(ctx, in)
			if err == nil || ctx.Err() != nil {
				return out, md, err
			}
			if class, _ := scanners.Classify(err); class != scanners.ClassUnreachable {
				return out, md, err
			}
			if n, ok := ctx.Value(noAnswerKey{}).(*atomic.Int32); ok && n.Add(1) >= noAnswerAttempts {
				return out, md, noRetryError{err}
			}
			return out, md, err
		})
	if err := stack.Finalize.Insert(count, "Retry", middleware.Before); err != nil {
		return err
	}
	return stack.Finalize.Insert(check, "Retry", middleware.After)
}

// noRetryError wraps a transport error the SDK must not retry again; it
// unwraps to the error itself, so classification (unreachable, TLS) is
// unchanged.
type noRetryError struct{ err error }

func (e noRetryError) Error() string        { return e.err.Error() }
func (e noRetryError) Unwrap() error        { return e.err }
func (e noRetryError) RetryableError() bool { return false }
