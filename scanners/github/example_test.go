package github_test

import (
	"fmt"

	"github.com/keyholder/keyholder/scanners/github"
)

// The factory names the target type and the read-only permissions the
// scanner needs; `keyholder permissions github` prints the same.
func ExampleFactory() {
	f := github.Factory()
	fmt.Println(f.Type)
	for _, p := range f.Permissions().Items {
		fmt.Println("-", p.Name)
	}
	// Output:
	// github
	// - Organization permissions: Members (read)
	// - Repository permissions: Metadata (read), all repositories
	// - Organization permissions: Administration (read)
	// - Organization permissions: Plan (read)
	// - Organization permissions: Webhooks (read)
	// - Repository permissions: Administration (read), all repositories
	// - Organization permissions: Custom organization roles (read)
	// - Organization permissions: Custom repository roles (read)
	// - Organization permissions: Administration (read), Enterprise Cloud with SAML SSO (a classic token needs read:org and an owner)
	// - Organization permissions: Personal access tokens (read), GitHub App only
}
