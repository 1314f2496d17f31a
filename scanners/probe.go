package scanners

import (
	"context"
	"errors"
	"sort"

	"github.com/keyholder/keyholder/findings"
)

// Prober is implemented by scanners that can check their access without a
// full scan (keyholder check).
//
// Contract:
//
//  1. Probe only reads, like Scan (contract item 1), and makes the
//     cheapest read that proves each collection readable: one page of
//     one item, a count, a metadata read.
//  2. A non-nil error means the target cannot be scanned at all: not
//     reachable, TLS refused, credentials rejected, secret unresolvable.
//     Classify names the problem; the results may be empty then.
//  3. Otherwise Probe returns one ProbeResult per collection the scanner
//     reads, in a stable order: Granted, or Denied / Unlicensed /
//     Unsupported / Failed with the permission named as the admin grants
//     it and a remedy.
//  4. Probe honours ctx and never puts a secret into results, errors or
//     logs.
type Prober interface {
	Probe(ctx context.Context) ([]ProbeResult, error)
}

// ProbeStatus is the outcome of probing one collection.
type ProbeStatus string

// Probe outcomes.
const (
	ProbeGranted     ProbeStatus = "granted"
	ProbeDenied      ProbeStatus = "missing permission"
	ProbeUnlicensed  ProbeStatus = "not licensed"
	ProbeUnsupported ProbeStatus = "not supported"
	ProbeUnreachable ProbeStatus = "unreachable"
	ProbeFailed      ProbeStatus = "failed"
)

// ProbeResult is what probing one collection found.
type ProbeResult struct {
	// Collection is the gap collection name the scan would record
	// ("members", "grants/pim").
	Collection string
	Status     ProbeStatus
	// Permission is what the admin grants to close it, as the admin's
	// console names it.
	Permission string
	// Remedy says what to do, for a person.
	Remedy string
	// Error is the source's answer, scrubbed of secrets.
	Error string
}

// ProbeFromError builds a result for collection from a read's error (nil
// means granted), classifying it like GapFromError.
func ProbeFromError(collection string, err error, permission, remedy string) ProbeResult {
	r := ProbeResult{Collection: collection, Status: ProbeGranted}
	if err == nil {
		return r
	}
	r.Permission, r.Remedy, r.Error = permission, remedy, err.Error()
	class, _ := Classify(err)
	switch {
	case class == ClassUnreachable || class == ClassTLS:
		r.Status = ProbeUnreachable
	case class == ClassDenied || class == ClassAuth:
		r.Status = ProbeDenied
	case class == ClassUnlicensed:
		r.Status = ProbeUnlicensed
	default:
		r.Status = ProbeFailed
		if errors.Is(err, ErrUnsupported) {
			r.Status = ProbeUnsupported
		}
	}
	return r
}

// ProbeFromSnapshot derives probe results from a finished scan, for
// scanners without a Prober: every collection in gaps (the factory's Gaps
// list) is granted unless the snapshot holds a gap for it on one of its
// systems.
func ProbeFromSnapshot(snap *findings.Snapshot, gaps []string) []ProbeResult {
	byColl := map[string]findings.Gap{}
	if snap != nil {
		for _, g := range snap.Gaps {
			if g.Collection == "system" {
				continue
			}
			if _, seen := byColl[g.Collection]; !seen {
				byColl[g.Collection] = g
			}
		}
	}
	colls := append([]string(nil), gaps...)
	for c := range byColl {
		found := false
		for _, x := range colls {
			if x == c {
				found = true
			}
		}
		if !found {
			colls = append(colls, c)
		}
	}
	sort.Strings(colls)
	out := make([]ProbeResult, 0, len(colls))
	for _, c := range colls {
		g, ok := byColl[c]
		if !ok {
			out = append(out, ProbeResult{Collection: c, Status: ProbeGranted})
			continue
		}
		r := ProbeResult{Collection: c, Remedy: g.Remedy, Error: g.Error, Permission: g.Remedy}
		switch g.Reason {
		case findings.GapDenied:
			r.Status = ProbeDenied
		case findings.GapUnlicensed:
			r.Status = ProbeUnlicensed
		case findings.GapUnsupported:
			r.Status = ProbeUnsupported
		default:
			r.Status = ProbeFailed
		}
		out = append(out, r)
	}
	return out
}
