package report

import (
	"testing"
	"time"

	"github.com/keyholder/keyholder/findings"
)

func TestClean(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Alice Chen", "Alice Chen"},
		{"Zoë Ødegård 日本", "Zoë Ødegård 日本"},
		{"evil\u202Egnp.exe", "evil[U+202E]gnp.exe"},
		{"a\u200Bb\u2066c\u2069d\u200Fe\uFEFF", "a[U+200B]b[U+2066]c[U+2069]d[U+200F]e[U+FEFF]"},
		{"line\nbreak\r\ttab", "line break  tab"},
		{"bell\x07nul\x00", "bell[U+0007]nul[U+0000]"},
		{"c1\u0085", "c1[U+0085]"},
		{"bad\xffutf8", "bad[U+FFFD]utf8"},
		{"para\u2029graph", "para graph"},
	}
	for _, c := range cases {
		if got := clean(c.in); got != c.want {
			t.Errorf("clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestAgo(t *testing.T) {
	asOf := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := asOf.Add(d); return &t }
	cases := []struct {
		t    *time.Time
		want string
	}{
		{nil, ""},
		{at(-10 * time.Minute), "less than an hour ago"},
		{at(-11 * time.Hour), "11 hours ago"},
		{at(-25 * time.Hour), "1 day ago"},
		{at(-412 * 24 * time.Hour), "412 days ago"},
		{at(3 * time.Hour), "within a day"},
		{at(72 * time.Hour), "in 3 days"},
	}
	for _, c := range cases {
		if got := ago(asOf, c.t); got != c.want {
			t.Errorf("ago(%v) = %q, want %q", c.t, got, c.want)
		}
	}
}

func TestNoticeWindow(t *testing.T) {
	asOf := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	d := func(s string) *time.Time { t, _ := time.Parse("2006-01-02", s); return &t }
	n := func(early, late int) *findings.Notice {
		return &findings.Notice{NoEarlierThanDays: early, NoLaterThanDays: late}
	}
	cases := []struct {
		renews *time.Time
		notice *findings.Notice
		label  string
		class  string
	}{
		{nil, nil, "", "w-none"},
		{d("2027-03-31"), nil, "", "w-none"},
		{d("2027-03-31"), n(180, 90), "2026-10-02 – 2026-12-31", "w-open"},
		{d("2027-06-30"), n(180, 90), "2027-01-01 – 2027-04-01", "w-future"},
		{d("2027-01-31"), n(180, 90), "2026-08-04 – 2026-11-02", "w-passed"},
		{d("2027-09-30"), n(0, 90), "by 2027-07-02", "w-open"},
		{d("2026-11-01"), n(180, 90), "2026-05-05 – 2026-08-03", "w-passed"},
	}
	for _, c := range cases {
		w := noticeWindow(c.renews, c.notice, asOf)
		if w.Label != c.label || w.Class != c.class {
			t.Errorf("renews %v notice %v: %q %q, want %q %q", fmtDate(c.renews), c.notice, w.Label, w.Class, c.label, c.class)
		}
	}
}
