// Package all builds the registry of every built-in scanner, explicitly in
// code. It is the only package that imports every scanner; nothing else may
// add to the registry.
package all
