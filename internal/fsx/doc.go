// Package fsx writes keyholder's output files: atomically, files 0600 in
// directories 0700. Every command that writes a snapshot, assessment or
// report goes through it. It must not decide file names or formats.
package fsx
