// Package workspace is a simulated Google Workspace Admin SDK Directory API
// (admin/directory/v1) and the OAuth 2.0 token endpoint a service account
// with domain-wide delegation uses, for tests, benchmarks and the demo.
//
// It speaks the documented wire format: JSON resources with Google's field
// names, nextPageToken paging with maxResults caps, Google's JSON error body
// ({"error": {"code", "message", "errors": [{"reason", ...}], "status"}}),
// 403 insufficientPermissions for a token without the scope an endpoint
// needs, 403 "Not Authorized to access this resource/api" for an admin
// without the privilege, and 429 rateLimitExceeded with Retry-After.
//
// It must not be used by production code paths other than `keyholder demo`.
package workspace
