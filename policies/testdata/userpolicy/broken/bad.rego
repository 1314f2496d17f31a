# METADATA
# title: Broken
# custom:
#   id: CONTOSO-003
#   severity: low
package contoso.broken

import rego.v1

results contains r if {
	r := {"status": = }
}
