package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/keyholder/keyholder/internal/config"
)

// newLogger builds the stderr logger. Every message and string attribute
// passes through the redactor, so a secret that reaches a log line by
// mistake is still scrubbed.
func newLogger(w io.Writer, level, format string, red *config.Redactor) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %q is not one of debug, info, warn, error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	var h slog.Handler
	switch strings.ToLower(format) {
	case "text":
		h = slog.NewTextHandler(w, opts)
	case "json":
		h = slog.NewJSONHandler(w, opts)
	default:
		return nil, fmt.Errorf("--log-format: %q is not text or json", format)
	}
	return slog.New(&redactHandler{h: h, red: red}), nil
}

type redactHandler struct {
	h   slog.Handler
	red *config.Redactor
}

func (r *redactHandler) Enabled(ctx context.Context, l slog.Level) bool { return r.h.Enabled(ctx, l) }

func (r *redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, r.red.String(rec.Message), rec.PC)
	rec.Attrs(func(at slog.Attr) bool {
		out.AddAttrs(r.attr(at))
		return true
	})
	return r.h.Handle(ctx, out)
}

func (r *redactHandler) attr(at slog.Attr) slog.Attr {
	v := at.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(at.Key, r.red.String(v.String()))
	case slog.KindGroup:
		attrs := v.Group()
		out := make([]any, len(attrs))
		for i, a := range attrs {
			out[i] = r.attr(a)
		}
		return slog.Group(at.Key, out...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(at.Key, r.red.String(err.Error()))
		}
		return slog.String(at.Key, r.red.String(fmt.Sprint(v.Any())))
	}
	return at
}

func (r *redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = r.attr(a)
	}
	return &redactHandler{h: r.h.WithAttrs(clean), red: r.red}
}

func (r *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{h: r.h.WithGroup(name), red: r.red}
}
