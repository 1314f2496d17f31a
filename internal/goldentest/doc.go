// Package goldentest compares a test's output with a golden file under
// testdata and, when the package's -update flag is set, rewrites the file
// instead. Each package keeps its own -update flag (go test ./pkg -update);
// this package only holds the one comparison they all make.
package goldentest
