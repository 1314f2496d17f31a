# Rego unit tests of the built-in library and of a check on a hand-made
# input, run from go test by TestRegoUnitTests (opa test style).
package keyholder.lib_test

import rego.v1

import data.keyholder.checks.kh_key_004
import data.keyholder.lib

test_first_non_empty if {
	lib.first_non_empty(["", "b", "c"]) == "b"
	lib.first_non_empty(["", ""]) == ""
}

test_via_text if {
	lib.via_text([]) == ""
	lib.via_text(["g1", "g2"]) == " via g1 > g2"
}

test_absent_result_marks_absence if {
	r := lib.absent_result("fail", "s", ["x"], "m", [])
	r.absence == true
	r.status == "fail"
}

test_rows_of_unknown_group_is_empty if {
	count(lib.rows_of("nope", "customer")) == 0 with input as {"access": {}}
}

row(id, level) := {"principal": id, "level": level, "rank": 5, "enabled": true, "kind": "user", "active": true}

test_key_004_counts_top_holders if {
	rs := kh_key_004.results with input as {
		"params": {"max_super_admins": 1},
		"systems": {"s": {"kind": "entra"}},
		"access": {"s": {"customer": [row("a", "super_admin"), row("b", "super_admin")], "provider": [row("a", "super_admin")]}},
		"principals": {},
	}
	some r in rs
	r.status == "fail"
	r.message == "2 principals hold the top privilege; at most 1 allowed"
}
