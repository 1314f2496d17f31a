package all

import (
	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/aws"
	"github.com/keyholder/keyholder/scanners/azure"
	"github.com/keyholder/keyholder/scanners/declared"
	"github.com/keyholder/keyholder/scanners/domains"
	"github.com/keyholder/keyholder/scanners/entra"
	"github.com/keyholder/keyholder/scanners/github"
	"github.com/keyholder/keyholder/scanners/ldap"
	"github.com/keyholder/keyholder/scanners/workspace"
)

// Registry returns the registry of every built-in scanner. Add a scanner
// by adding its Factory here (see CONTRIBUTING.md).
func Registry() *scanners.Registry {
	return scanners.NewRegistry(
		// Factories, one per line:
		aws.Factory(),
		azure.Factory(),
		declared.Factory(),
		domains.Factory(),
		entra.Factory(),
		github.Factory(),
		ldap.Factory(),
		workspace.Factory(),
	)
}
