// Package fleet builds keyholder's portfolio view: the latest run of every
// estate in a shared run store on one page — verdict, who holds the keys
// per system, the blockers by name, the provider's footprint, the change
// since the previous run and the run's age (stale runs flagged) — and,
// per provider across all estates, which privileges it still holds in how
// many of them ("Acme IT still holds Global Administrator in 7 of 40
// estates"). It renders HTML (the report's style and print rules), CSV
// and JSON (docs/schema/fleet.schema.json).
//
// It reads only the stored run summaries (store.Estates), never a
// snapshot or an assessment, and judges nothing itself: verdicts are the
// stored runs' verdicts. Output is deterministic for a given store and
// clock.
package fleet
