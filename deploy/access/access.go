package access

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/keyholder/keyholder/internal/fsx"
	"github.com/keyholder/keyholder/scanners"
)

// ErrNoSetup means a scanner type has no generated setup artefacts: its
// permissions are printed as a list only.
var ErrNoSetup = errors.New("no generated setup artefacts for this scanner type")

// ErrUnmapped means a scanner declares a permission the generator cannot
// translate (a Graph permission without a pinned app-role id, a GitHub
// permission without an app-manifest key). It is a programming error caught
// by this package's tests; at run time the guide is refused rather than
// printed without the permission.
var ErrUnmapped = errors.New("permission has no mapping")

// Options are the values the artefacts are filled with. Every field is
// optional: an empty one becomes a visible placeholder such as <TENANT_ID>.
type Options struct {
	// Entra
	TenantID string // audited tenant: admin-consent URL, config
	ClientID string // application (client) id, once the app exists
	AppName  string // app registration display name (default keyholder-audit)
	// AWS
	TrustedPrincipal string // ARN keyholder runs as (role or user) in the scanning account
	ExternalID       string // sts:ExternalId the trust requires
	RoleName         string // audit role name (default KeyholderAudit)
	ManagementAcct   string // management or delegated-admin account id (StackSet trust)
	OrgUnits         []string
	// LDAP / AD
	BindAccount string   // sAMAccountName of the bind account (default svc-keyholder)
	ReadOUs     []string // DNs on which the bind account is granted Read
	BaseDN      string   // OpenLDAP suffix for the slapd ACL
	// GitHub
	GitHubOrg string
	GitHubURL string // https://github.com or a GitHub Enterprise Server URL
}

func (o Options) or(v, placeholder string) string {
	if strings.TrimSpace(v) == "" {
		return placeholder
	}
	return v
}

// Artefact is one ready-to-apply file.
type Artefact struct {
	Name  string // short name for --artefact (manifest, cloudformation, …)
	File  string // file name written by --out
	Title string
	Lang  string // Markdown code-fence language
	Body  string
}

// Guide is the setup of one scanner type: numbered steps that refer to the
// artefacts, and the artefacts themselves.
type Guide struct {
	Type      string
	Title     string
	Intro     string
	Steps     []string
	Artefacts []Artefact
	// Primary names the artefact `keyholder permissions TYPE --document`
	// prints.
	Primary string
}

type generator func(p scanners.Permissions, o Options) (Guide, error)

var generators = map[string]generator{
	"entra":  entraGuide,
	"aws":    awsGuide,
	"ldap":   ldapGuide,
	"github": githubGuide,
	"azure":  azureGuide,
	// workspace: Google Workspace (Admin SDK through domain-wide delegation)
	"workspace": workspaceGuide,
}

// Types lists the scanner types with generated artefacts.
func Types() []string {
	var ts []string
	for t := range generators {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return ts
}

// For builds the setup guide of f's scanner type from f.Permissions(). A
// type without a generator gets ErrNoSetup.
func For(f scanners.Factory, o Options) (Guide, error) {
	gen, ok := generators[f.Type]
	if !ok {
		return Guide{}, fmt.Errorf("%s: %w", f.Type, ErrNoSetup)
	}
	g, err := gen(f.Permissions(), o)
	if err != nil {
		return Guide{}, fmt.Errorf("%s: %w", f.Type, err)
	}
	g.Type = f.Type
	return g, nil
}

// Document returns the primary machine-readable artefact of f: the Entra
// application manifest, the AWS IAM policy, the AD PowerShell script, the
// GitHub App manifest. A type without a generator falls back to the
// scanner's own Permissions.Document.
func Document(f scanners.Factory, o Options) (string, error) {
	g, err := For(f, o)
	if errors.Is(err, ErrNoSetup) {
		if d := f.Permissions().Document; d != "" {
			return d, nil
		}
		return "", err
	}
	if err != nil {
		return "", err
	}
	a, ok := g.Artefact(g.Primary)
	if !ok {
		return "", fmt.Errorf("%s: primary artefact %q missing", f.Type, g.Primary)
	}
	return a.Body, nil
}

// Artefact returns the artefact with the given name or file name.
func (g Guide) Artefact(name string) (Artefact, bool) {
	for _, a := range g.Artefacts {
		if a.Name == name || a.File == name {
			return a, true
		}
	}
	return Artefact{}, false
}

// Names lists the artefact names.
func (g Guide) Names() []string {
	var n []string
	for _, a := range g.Artefacts {
		n = append(n, a.Name)
	}
	return n
}

// Markdown renders the guide with every artefact inline.
func (g Guide) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", g.Title)
	if g.Intro != "" {
		fmt.Fprintf(&b, "%s\n\n", strings.TrimSpace(g.Intro))
	}
	for i, s := range g.Steps {
		fmt.Fprintf(&b, "%d. %s\n", i+1, indentCont(strings.TrimSpace(s), "   "))
	}
	for _, a := range g.Artefacts {
		fmt.Fprintf(&b, "\n## %s (`%s`)\n\n```%s\n%s\n```\n", a.Title, a.File, a.Lang, strings.TrimRight(a.Body, "\n"))
	}
	return b.String()
}

func indentCont(s, pad string) string {
	return strings.ReplaceAll(s, "\n", "\n"+pad)
}

// WriteDir writes README.md (the guide) and every artefact into dir,
// creating it. Files are written atomically, owner-readable only: a guide
// holds no secret, but its tenant and account ids are nobody else's business.
func (g Guide) WriteDir(dir string) ([]string, error) {
	if err := fsx.MkdirPrivate(dir); err != nil {
		return nil, err
	}
	var written []string
	write := func(name, body string) error {
		p := filepath.Join(dir, name)
		if err := fsx.WriteFile(p, []byte(strings.TrimRight(body, "\n")+"\n")); err != nil {
			return err
		}
		written = append(written, p)
		return nil
	}
	if err := write("README.md", g.Markdown()); err != nil {
		return nil, err
	}
	for _, a := range g.Artefacts {
		if err := write(a.File, a.Body); err != nil {
			return nil, err
		}
	}
	return written, nil
}

// optionalNote is how every guide explains optional permissions.
const optionalNote = "Optional permissions can be left out: keyholder then records the collection they read as a gap (its checks answer `unknown`, never pass)."
