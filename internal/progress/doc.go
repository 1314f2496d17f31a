// Package progress shows per-target scan progress on a terminal and stays
// silent when output is piped or redirected. It must not write anything to
// stdout and must not be used for results.
//
// Contract: Step never blocks on the terminal. It updates a small table
// under a short lock and wakes one renderer goroutine with a non-blocking
// send; only the renderer writes. The renderer redraws the block of lines
// in place (cursor up, clear line), so the scrollback keeps no spinner
// frames. Log lines written through Display.Write are printed above the
// block. Stop draws nothing more, erases the block and returns within a
// bounded time even if the terminal does not accept output.
package progress
