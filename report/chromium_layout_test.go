package report

import (
	"bytes"
	"context"
	"encoding/json"
	stdhtml "html"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// layoutProbe runs after the page has laid out and writes what it found
// into the DOM, which Chromium's --dump-dom prints: the document's scroll
// width against the window, the elements that stick out sideways, and the
// words in table cells (outside code) that the layout broke across lines.
const layoutProbe = `<script>
(function () {
  var out = {inner: window.innerWidth, scroll: document.documentElement.scrollWidth, wide: [], broken: []};
  document.querySelectorAll('body *').forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 1 && out.wide.length < 10) { out.wide.push(el.tagName + '.' + el.className + ': ' + (el.textContent || '').slice(0, 60)); }
  });
  var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  var n;
  while ((n = walker.nextNode())) {
    var p = n.parentElement;
    if (!p || !p.closest('td, th') || p.closest('code, .mono, svg')) { continue; }
    var re = /[^\s\-\u2010\/]+/g, m; // a break after a hyphen or slash is not mid-word
    while ((m = re.exec(n.data))) {
      var rg = document.createRange();
      rg.setStart(n, m.index); rg.setEnd(n, m.index + m[0].length);
      var tops = {};
      Array.prototype.forEach.call(rg.getClientRects(), function (c) { if (c.width > 0) { tops[Math.round(c.top)] = true; } });
      if (Object.keys(tops).length > 1 && out.broken.length < 10) { out.broken.push(m[0]); }
    }
  }
  var doc = window.parent.document;
  var pre = doc.createElement('pre'); pre.id = 'kh-probe'; pre.textContent = JSON.stringify(out);
  doc.body.appendChild(pre);
})();
</script>`

type layout struct {
	Inner  int      `json:"inner"`
	Scroll int      `json:"scroll"`
	Wide   []string `json:"wide"`
	Broken []string `json:"broken"`
}

// measure loads the report at a window width with the probe appended (and
// the page's CSP relaxed to let the probe run: the report itself has no
// script) and returns what the probe saw.
func (b *browser) measure(html []byte, width int) layout {
	b.t.Helper()
	page := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy"[^>]*>`).ReplaceAll(html, nil)
	page = bytes.Replace(page, []byte("</body>"), []byte(layoutProbe+"</body>"), 1)
	// Headless Chromium's window is at least 500 px wide, so the report
	// is laid out in an iframe of the width under test.
	wrapper := `<!DOCTYPE html><html><body style="margin:0"><iframe style="border:0" width="` + itoa(width) +
		`" height="900" srcdoc="` + stdhtml.EscapeString(string(page)) + `"></iframe></body></html>`
	path := writeHTML(b.t, b.work, "probe.html", []byte(wrapper))
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	profile, err := os.MkdirTemp(b.work, "profile")
	if err != nil {
		b.t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, b.bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--disable-extensions", "--user-data-dir="+profile,
		"--window-size="+itoa(width+100)+",1000", "--dump-dom", "file://"+path)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		b.t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	m := regexp.MustCompile(`<pre id="kh-probe">([^<]*)</pre>`).FindSubmatch(stdout.Bytes())
	if m == nil {
		b.t.Fatalf("the layout probe did not run at %d px", width)
	}
	var l layout
	if err := json.Unmarshal([]byte(strings.ReplaceAll(string(m[1]), "&amp;", "&")), &l); err != nil {
		b.t.Fatalf("probe output: %v: %s", err, m[1])
	}
	return l
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestIssue15NothingOverflowsAt420 renders the report at a phone's width
// and a desktop's: the document is never wider than the window, and no
// word in a table cell is broken across lines ("Unknow n").
func TestIssue15NothingOverflowsAt420(t *testing.T) {
	b := newBrowser(t)
	html := render(t, "html", "report.html", fixture(t), fixtureOptions())
	for _, w := range []int{1280, 420} {
		l := b.measure(html, w)
		if l.Inner != w {
			t.Fatalf("window is %d px wide, want %d", l.Inner, w)
		}
		if l.Scroll > l.Inner {
			t.Errorf("at %d px the document is %d px wide: it overflows sideways; widest elements: %q", w, l.Scroll, l.Wide)
		}
		if len(l.Broken) > 0 {
			t.Errorf("at %d px words in table cells are broken mid-word: %q", w, l.Broken)
		}
	}
}

// TestIssue15PageOne prints the report (A4 and Letter) and reads page one
// as an executive would: the verdict, each blocker named in a sentence,
// the three first actions, and the per-system table with systems named as
// people know them; the provider footprint starts page two, so page one
// held all of it.
func TestIssue15PageOne(t *testing.T) {
	b := newBrowser(t)
	for _, paper := range []string{"a4", "letter"} {
		opts := fixtureOptions()
		opts.Paper = paper
		pdf := b.pdf(writeHTML(t, b.work, "page1-"+paper+".html", render(t, "html", "report.html", fixture(t), opts)))
		one := collapse(pdfReadingText(t, pdf, 1))
		for _, want := range []string{
			"Not ready", "Contoso Ltd is not ready to end the contract with Acme IT.",
			"Blockers",
			// Each blocker in a sentence, on the system as people know it.
			"contoso.com (Active Directory): Only 1 enabled customer account holds Domain Admins; at least 2 are required.",
			"Contoso Ltd (Entra ID): The only backup of Microsoft 365 (Datto SaaS Protection) is stored in Acme IT's Datto partner account.",
			"contoso-prod (AWS 111111111111): The AWS Organizations management account could not be read.",
			// The unknown says why and what to grant.
			"organization not read. To read it: organizations:DescribeOrganization and organizations:ListAccounts on the audit role.",
			"What to do first", "1. Move the Datto SaaS Protection seat", "2. Create a second named Domain Admin", "3. Let keyholder read what it could not",
			"Do we hold the keys?", "contoso (GitHub)", "Break Glass 1",
			"What changed since the previous run",
			"Page 1 of",
		} {
			if !strings.Contains(one, want) {
				t.Errorf("%s: page one lacks %q:\n%s", paper, want, one)
			}
		}
		if strings.Contains(one, "4. ") {
			t.Errorf("%s: page one names more than three actions", paper)
		}
		two := collapse(pdfText(t, pdf, 2, 2))
		if !strings.HasPrefix(strings.TrimSpace(two), "Provider footprint") {
			t.Errorf("%s: page one overflows: page two opens with\n%.300s", paper, two)
		}
	}
}

// pdfReadingText is one page's text in reading order (no -layout), so the
// two columns of page one do not interleave.
func pdfReadingText(t *testing.T, pdf string, page int) string {
	t.Helper()
	out, err := exec.Command(tool(t, "pdftotext"), "-f", strconv.Itoa(page), "-l", strconv.Itoa(page), pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}
