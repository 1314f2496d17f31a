// Package progress shows per-target scan progress on a terminal and stays
// silent when output is piped or redirected. It must not write anything to
// stdout and must not be used for results.
package progress
