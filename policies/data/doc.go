// Package data holds the maintained data files of the policy layer and
// their loaders: remote-tools.yaml, the catalogue of remote-management and
// remote-access products (RemoteTools).
//
// Scanners use the catalogue to pick the remote-access tools out of a
// device inventory; the policies judge whose they are. The package must not
// do I/O beyond its embedded files and must not judge.
package data
