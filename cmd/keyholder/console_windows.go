//go:build windows

package main

import (
	"os"

	"golang.org/x/sys/windows"
)

// On Windows the progress lines use the same ANSI cursor sequences as
// elsewhere; Windows Terminal understands them, the classic console only
// once virtual-terminal processing is switched on for the handle. Where it
// cannot be switched on (an old console, a redirected handle) nothing
// changes: output that is not a console is plain text anyway. Ctrl-C
// arrives as os.Interrupt, which main already turns into cancellation.
func init() {
	for _, f := range []*os.File{os.Stdout, os.Stderr} {
		h := windows.Handle(f.Fd())
		var mode uint32
		if windows.GetConsoleMode(h, &mode) == nil {
			_ = windows.SetConsoleMode(h, mode|windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING)
		}
	}
}
