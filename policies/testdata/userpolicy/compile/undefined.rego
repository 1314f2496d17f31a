# METADATA
# title: Calls something that does not exist
# custom:
#   id: CONTOSO-005
#   severity: low
package contoso.undefined

import rego.v1

results contains r if {
	r := no_such_function(input.systems)
}
