# A library module: no METADATA id, so it is not a check.
package contoso.helpers

import rego.v1

is_guest(id) if input.principals[id].kind == "guest"
