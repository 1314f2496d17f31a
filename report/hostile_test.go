package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/net/html"

	"github.com/keyholder/keyholder/findings"
)

// hostilePayload is what a hostile MSP technician could put in a display
// name, group name, licence product or anything else a source returns:
// markup, quotes, a right-to-left override that reverses what follows,
// zero-width characters, a formula, Markdown syntax and an encoded RLO.
const hostilePayload = "ZQX<script>alert(1)</script>\"'><img src=x onerror=alert(1)></style></title>" +
	"\u202Egnp.exe\u200B\u2066|=cmd|' /C calc'!A0 *bold* _em_ [link](javascript:alert(1)) `tick` &#x202E; ~~s~~ # h\n## injected\r\tZQY"

// poison appends payload to every plain string in v (struct fields, slice
// elements, map values and keys), so every text the report shows carries
// it. Typed strings (statuses, severities, kinds) keep their values so
// the assessment still means something.
func poison(v reflect.Value, payload string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			poison(v.Elem(), payload)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				poison(v.Field(i), payload)
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			poison(v.Index(i), payload)
		}
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String || v.Type().Elem().Kind() != reflect.String {
			return
		}
		out := reflect.MakeMap(v.Type())
		for _, k := range v.MapKeys() {
			out.SetMapIndex(reflect.ValueOf(k.String()+payload), reflect.ValueOf(v.MapIndex(k).String()+payload))
		}
		v.Set(out)
	case reflect.String:
		if v.Type() == reflect.TypeOf("") && v.CanSet() {
			v.SetString(v.String() + payload)
		}
	}
}

func hostileFixture(t testing.TB) *findings.Assessment {
	a := fixture(t)
	poison(reflect.ValueOf(a), hostilePayload)
	a.SchemaVersion = findings.SchemaVersion
	return a
}

// checkVisibleText fails if out holds a character that is invisible or
// reorders text (bidi controls, zero-width, control characters other than
// line breaks and tabs of the format itself).
// marker is how out shows the right-to-left override once its own
// escaping is undone.
func checkVisibleText(t *testing.T, name string, out []byte, unescape func(string) string) {
	t.Helper()
	for i, r := range string(out) {
		if r == '\n' || r == '\r' || r == '\t' {
			continue
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			t.Errorf("%s: hidden character U+%04X at byte %d", name, r, i)
			return
		}
	}
	if !strings.Contains(unescape(string(out)), "[U+202E]gnp.exe") {
		t.Errorf("%s: the right-to-left override is not shown as [U+202E]", name)
	}
}

func TestHostileHTML(t *testing.T) {
	out := render(t, "html", "report.html", hostileFixture(t), Options{})
	checkVisibleText(t, "report.html", out, html.UnescapeString)
	if bytes.Contains(bytes.ToLower(out), []byte("<script")) || bytes.Contains(bytes.ToLower(out), []byte("<img")) {
		t.Error("hostile markup reached the HTML unescaped")
	}
	// Walk every token: only the elements and attributes the template
	// itself uses may appear, no event handler or URL attribute, and the
	// payload shows up as text.
	allowed := map[string]bool{
		"html": true, "head": true, "meta": true, "title": true, "style": true, "body": true, "main": true,
		"header": true, "section": true, "div": true, "h1": true, "h2": true, "h3": true, "h4": true, "p": true,
		"span": true, "strong": true, "small": true, "ul": true, "ol": true, "li": true, "table": true, "thead": true,
		"tbody": true, "tr": true, "th": true, "td": true, "code": true, "bdi": true, "br": true, "figure": true,
		"figcaption": true, "article": true, "dl": true, "dt": true, "dd": true, "footer": true,
		"svg": true, "line": true, "text": true, "rect": true, "polygon": true, "g": true,
	}
	z := html.NewTokenizer(bytes.NewReader(out))
	sections, textHits := 0, 0
	depth := map[string]int{}
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		tok := z.Token()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			if !allowed[tok.Data] {
				t.Errorf("unexpected element <%s>", tok.Data)
			}
			if tok.Data == "section" {
				sections++
			}
			if tt == html.StartTagToken {
				depth[tok.Data]++
			}
			for _, at := range tok.Attr {
				k := strings.ToLower(at.Key)
				if strings.HasPrefix(k, "on") || k == "href" || k == "src" || k == "srcdoc" || k == "action" || k == "formaction" {
					t.Errorf("<%s> has attribute %s=%q", tok.Data, at.Key, at.Val)
				}
				// Text attributes (tooltips, the generator name) may show
				// the payload as text; any other attribute may not.
				if k != "title" && k != "content" && k != "aria-label" && strings.Contains(strings.ToLower(at.Val), "javascript:") {
					t.Errorf("<%s %s> holds a javascript: URL", tok.Data, at.Key)
				}
			}
		case html.EndTagToken:
			depth[tok.Data]--
		case html.TextToken:
			if strings.Contains(tok.Data, "ZQX<script>alert(1)</script>") {
				textHits++
			}
		}
	}
	for _, el := range []string{"section", "table", "tr", "td", "div", "ul", "li", "article", "svg"} {
		if depth[el] != 0 {
			t.Errorf("<%s> is unbalanced by %d: hostile text broke the structure", el, depth[el])
		}
	}
	if sections != 13 {
		t.Errorf("found %d sections, want 13 (a hostile name broke the layout)", sections)
	}
	if textHits == 0 {
		t.Error("the payload is not shown as text anywhere")
	}
	// The payload in the CSS footer string stays inside the string.
	if bytes.Contains(out, []byte(`</style></title>`)) {
		t.Error("payload closed the style element")
	}
}

func TestHostileMarkdown(t *testing.T) {
	out := render(t, "md", "report.md", hostileFixture(t), Options{})
	checkVisibleText(t, "report.md", out, func(s string) string { return strings.ReplaceAll(s, "\\", "") })
	s := string(out)
	// Inside every occurrence of the payload, each character with
	// Markdown meaning is backslash-escaped; no raw HTML survives.
	regions := 0
	for {
		i := strings.Index(s, "ZQX")
		if i < 0 {
			break
		}
		j := strings.Index(s[i:], "ZQY")
		if j < 0 {
			t.Fatal("payload cut short")
		}
		region := s[i : i+j]
		s = s[i+j:]
		regions++
		for k := 0; k < len(region); k++ {
			switch c := region[k]; {
			case c == '\\':
				k++ // an escape: the next character is literal
			case strings.ContainsRune("`*_[]<>|~&#", rune(c)):
				t.Fatalf("unescaped %q in %q", c, region)
			}
		}
		if strings.ContainsAny(region, "\n\r") {
			t.Fatalf("line break inside the payload: %q", region)
		}
	}
	if regions == 0 {
		t.Fatal("payload not found in the Markdown")
	}
	// Every table row keeps its header's number of cells.
	cells := -1
	for n, line := range strings.Split(string(out), "\n") {
		if !strings.HasPrefix(line, "|") {
			cells = -1
			continue
		}
		c := countPipes(line)
		if cells < 0 {
			cells = c
		} else if c != cells {
			t.Errorf("line %d has %d cells, its table has %d: %s", n+1, c, cells, line)
		}
	}
}

// countPipes counts the unescaped pipes of a table row.
func countPipes(line string) int {
	n := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n
}

func TestHostileCSV(t *testing.T) {
	a := hostileFixture(t)
	for _, file := range []string{"findings.csv", "access.csv"} {
		out := render(t, "csv", file, a, Options{})
		rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatalf("%s does not parse: %v", file, err)
		}
		if len(rows) < 2 {
			t.Fatalf("%s has no data rows", file)
		}
		for i, r := range rows {
			if len(r) != len(rows[0]) {
				t.Fatalf("%s row %d has %d fields, header %d", file, i, len(r), len(rows[0]))
			}
			for _, cell := range r {
				if strings.TrimSpace(cell) != "" && strings.ContainsRune("=+-@", []rune(strings.TrimSpace(cell))[0]) {
					t.Errorf("%s row %d: cell starts a formula: %q", file, i, cell)
				}
				if strings.ContainsRune(cell, '\u202E') {
					t.Errorf("%s row %d: raw right-to-left override", file, i)
				}
			}
		}
	}
}

func TestHostileSARIFAndJSON(t *testing.T) {
	a := hostileFixture(t)
	sarif := render(t, "sarif", "report.sarif", a, Options{})
	checkVisibleText(t, "report.sarif", sarif, func(s string) string { return s })
	if err := compileSARIF(t).Validate(decodeAny(t, sarif)); err != nil {
		t.Fatalf("hostile SARIF is not valid SARIF: %v", err)
	}
	// JSON is faithful: the payload round-trips exactly.
	out := render(t, "json", "assessment.json", a, Options{})
	back, err := findings.DecodeAssessment(bytes.NewReader(out), "assessment.json")
	if err != nil {
		t.Fatal(err)
	}
	if back.Organization != a.Organization {
		t.Errorf("json changed the organisation name:\n got %q\nwant %q", back.Organization, a.Organization)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
}
