// Command keyholder is the CLI. main only wires things: one file per
// subcommand, each a newXxxCmd(app) constructor added in newRootCmd. Work
// is done in the packages (internal/scan, policies, report, internal/store);
// commands parse flags, call them, and map errors to exit codes.
//
// It must not contain scanning, policy or rendering logic of its own.
package main
