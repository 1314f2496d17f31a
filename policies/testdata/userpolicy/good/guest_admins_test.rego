# Files ending in _test.rego are skipped by the engine.
package contoso.guest_admins_test

this is not rego at all
