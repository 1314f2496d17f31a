package estate

import (
	"bytes"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/keyholder/keyholder/internal/fsx"
	awssim "github.com/keyholder/keyholder/internal/sim/aws"
	azsim "github.com/keyholder/keyholder/internal/sim/azure"
	dsim "github.com/keyholder/keyholder/internal/sim/domains"
	ghsim "github.com/keyholder/keyholder/internal/sim/github"
	"github.com/keyholder/keyholder/internal/sim/graph"
	ldapsim "github.com/keyholder/keyholder/internal/sim/ldap"
	wssim "github.com/keyholder/keyholder/internal/sim/workspace"
)

//go:embed testdata/contoso.yaml
var contosoYAML []byte

// Target types the estate can simulate, in config order.
const (
	TypeEntra  = "entra"
	TypeAWS    = "aws"
	TypeGitHub = "github"
	TypeLDAP   = "ldap"
	// TypeWorkspace is Google Workspace.
	TypeWorkspace = "workspace"
	// TypeDomains is the public internet: RDAP and DNS.
	TypeDomains = "domains"
	TypeAzure   = "azure"
)

// Types lists every simulated target type.
func Types() []string {
	return []string{TypeEntra, TypeAWS, TypeGitHub, TypeLDAP, TypeWorkspace, TypeAzure, TypeDomains}
}

// Environment variables the written config names for its secrets. The
// AWS scanner takes its credentials from the SDK's default chain, so the
// estate sets the standard AWS variables.
const (
	EnvGraphSecret  = "KEYHOLDER_DEMO_GRAPH_SECRET"
	EnvGitHubToken  = "KEYHOLDER_DEMO_GITHUB_TOKEN"
	EnvLDAPPassword = "KEYHOLDER_DEMO_LDAP_PASSWORD"
	EnvARMSecret    = "KEYHOLDER_DEMO_ARM_SECRET"
)

// Scenario is a whole simulated estate: the customer's keyholder.yaml
// without targets, and one scenario per simulated service.
type Scenario struct {
	// Now is the estate's "now": the directory's clock and the time a
	// demo scans at (default 2026-11-02T08:00:00Z).
	Now time.Time `yaml:"now"`
	// Config is keyholder.yaml without its targets; the estate adds them.
	Config yaml.Node `yaml:"config"`

	Entra  *EntraPart  `yaml:"entra"`
	AWS    *AWSPart    `yaml:"aws"`
	GitHub *GitHubPart `yaml:"github"`
	LDAP   *LDAPPart   `yaml:"ldap"`
	// Workspace is a simulated Google Workspace customer.
	Workspace *WorkspacePart `yaml:"workspace"`
	Azure     *AzurePart     `yaml:"azure"`
	// Domains is the public internet's view of the customer's domains.
	Domains *DomainsPart `yaml:"domains"`
}

// AzurePart is the simulated Azure Resource Manager and its target name.
type AzurePart struct {
	Target   string         `yaml:"target"`
	Scenario azsim.Scenario `yaml:"scenario"`
}

// DomainsPart is the simulated RDAP server and resolver, and its target
// name.
type DomainsPart struct {
	Target   string        `yaml:"target"`
	Scenario dsim.Scenario `yaml:"scenario"`
}

// WorkspacePart is the simulated Google Workspace customer, its target
// name and the admin the service account impersonates.
type WorkspacePart struct {
	Target   string         `yaml:"target"`
	Subject  string         `yaml:"subject"`
	Scenario wssim.Scenario `yaml:"scenario"`
}

// EntraPart is the simulated Microsoft Graph tenant and its target name.
type EntraPart struct {
	Target   string         `yaml:"target"`
	Scenario graph.Scenario `yaml:"scenario"`
}

// AWSPart is the simulated AWS and its target name and region.
type AWSPart struct {
	Target   string          `yaml:"target"`
	Region   string          `yaml:"region"`
	Scenario awssim.Scenario `yaml:"scenario"`
}

// GitHubPart is the simulated GitHub organisation and its target name.
type GitHubPart struct {
	Target   string         `yaml:"target"`
	Scenario ghsim.Scenario `yaml:"scenario"`
}

// LDAPPart is the simulated domain controller and its target name.
type LDAPPart struct {
	Target   string           `yaml:"target"`
	Scenario ldapsim.Scenario `yaml:"scenario"`
}

// DefaultNow is the time of a scenario without Now.
var DefaultNow = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)

// Contoso returns the demo scenario (a fresh copy each call).
func Contoso() (*Scenario, error) { return Parse(contosoYAML, "contoso.yaml") }

// ContosoYAML returns the demo scenario file.
func ContosoYAML() []byte { return bytes.Clone(contosoYAML) }

// Parse decodes a scenario strictly; name is used in errors.
func Parse(data []byte, name string) (*Scenario, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		return nil, fmt.Errorf("estate: %s: %w", name, err)
	}
	if sc.Config.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("estate: %s: config must be a mapping (keyholder.yaml without targets)", name)
	}
	for _, k := range mapKeys(&sc.Config) {
		if k == "targets" {
			return nil, fmt.Errorf("estate: %s: config must not name targets; the estate adds them", name)
		}
	}
	if sc.Now.IsZero() {
		sc.Now = DefaultNow
	}
	sc.Now = sc.Now.UTC()
	return &sc, nil
}

// Options tune Start.
type Options struct {
	// Dir receives keyholder.yaml and the simulators' CA files. It is
	// created (0700) if missing.
	Dir string
	// Types limits the simulated target types (for example to the types a
	// registry knows); empty means all that the scenario has. Declared
	// items that name a target left out are left out too.
	Types []string
	// Now overrides the scenario's clock (a later run of the same estate).
	Now time.Time
}

// Estate is a running simulated estate.
type Estate struct {
	// ConfigPath is the keyholder.yaml written for it.
	ConfigPath string
	// Now is the estate's clock.
	Now time.Time
	// Targets are the target names, by type.
	Targets map[string]string

	env   map[string]string
	graph *graph.Server
	aws   *httptest.Server
	gh    *httptest.Server
	ldap  *ldapsim.Server
	ws    *httptest.Server
	dns   *dsim.Server
	// fileSecrets are secrets kept in files the config names (the
	// Workspace service account's private key).
	fileSecrets []string
	arm         *azsim.Server
}

// Start starts the simulators of sc on 127.0.0.1, writes keyholder.yaml
// into opts.Dir, and returns the estate. Secrets are random per start;
// Env returns them and Setenv exports them.
func Start(sc *Scenario, opts Options) (e *Estate, err error) {
	if opts.Dir == "" {
		return nil, fmt.Errorf("estate: no directory")
	}
	// 0700, or an owner-only ACL on Windows that the CA files inherit.
	if err := fsx.MkdirPrivate(opts.Dir); err != nil {
		return nil, fmt.Errorf("estate: %w", err)
	}
	now := sc.Now
	if !opts.Now.IsZero() {
		now = opts.Now.UTC()
	}
	want := func(t string) bool { return len(opts.Types) == 0 || slices.Contains(opts.Types, t) }
	e = &Estate{Now: now, Targets: map[string]string{}, env: map[string]string{}}
	started := e // `return nil, err` sets e to nil before this runs
	defer func() {
		if err != nil {
			started.Close()
		}
	}()
	var targets []map[string]any

	if p := sc.Entra; p != nil && want(TypeEntra) {
		clientID := "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a80"
		secret := randomSecret("kh-graph-")
		gsc := p.Scenario
		srv, err := graph.New(&gsc, graph.Options{TLS: true, ClientID: clientID, ClientSecret: secret, RequireAuth: true})
		if err != nil {
			return nil, fmt.Errorf("estate: entra: %w", err)
		}
		if err := srv.Start(); err != nil {
			return nil, fmt.Errorf("estate: entra: %w", err)
		}
		e.graph = srv
		ca, err := srv.CAFile(opts.Dir)
		if err != nil {
			return nil, fmt.Errorf("estate: entra: %w", err)
		}
		e.env[EnvGraphSecret] = secret
		e.Targets[TypeEntra] = p.Target
		targets = append(targets, map[string]any{
			"type": TypeEntra, "name": p.Target, "tenant_id": srv.TenantID(),
			"graph_endpoint": srv.URL, "authority_host": srv.URL, "ca_file": ca,
			"auth": map[string]any{"method": "client_secret", "client_id": clientID, "secret_env": EnvGraphSecret},
		})
	}
	if p := sc.AWS; p != nil && want(TypeAWS) {
		asc := p.Scenario
		if asc.Now.IsZero() {
			asc.Now = now
		}
		if len(asc.Credentials) == 0 {
			return nil, fmt.Errorf("estate: aws: the scenario has no credentials")
		}
		_, srv := awssim.Start(asc)
		e.aws = srv
		e.env["AWS_ACCESS_KEY_ID"] = asc.Credentials[0].AccessKeyID
		e.env["AWS_SECRET_ACCESS_KEY"] = randomSecret("kh-aws-")
		// Keep the SDK away from the user's own AWS setup.
		e.env["AWS_CONFIG_FILE"] = filepath.Join(opts.Dir, "aws-config-none")
		e.env["AWS_SHARED_CREDENTIALS_FILE"] = filepath.Join(opts.Dir, "aws-credentials-none")
		e.env["AWS_EC2_METADATA_DISABLED"] = "true"
		e.env["AWS_PROFILE"] = ""
		e.env["AWS_SESSION_TOKEN"] = ""
		e.Targets[TypeAWS] = p.Target
		region := p.Region
		if region == "" {
			region = "us-east-1"
		}
		targets = append(targets, map[string]any{"type": TypeAWS, "name": p.Target, "endpoint_url": srv.URL, "region": region})
	}
	if p := sc.GitHub; p != nil && want(TypeGitHub) {
		gsc := p.Scenario
		gsc.Tokens = slices.Clone(gsc.Tokens)
		token := ""
		for i := range gsc.Tokens {
			if gsc.Tokens[i].Value == "" {
				gsc.Tokens[i].Value = randomSecret("ghp_")
			}
			if token == "" && gsc.Tokens[i].Owner {
				token = gsc.Tokens[i].Value
			}
		}
		if token == "" {
			return nil, fmt.Errorf("estate: github: the scenario has no owner token")
		}
		fake := ghsim.New(&gsc, ghsim.Options{Now: func() time.Time { return now }})
		e.gh = httptest.NewServer(fake)
		e.env[EnvGitHubToken] = token
		e.Targets[TypeGitHub] = p.Target
		targets = append(targets, map[string]any{"type": TypeGitHub, "name": p.Target, "org": gsc.Org.Login, "api_url": e.gh.URL, "token_env": EnvGitHubToken})
	}
	if p := sc.LDAP; p != nil && want(TypeLDAP) {
		lsc := p.Scenario
		lsc.Now = now
		lsc.BindPassword = randomSecret("Kh!")
		srv, err := ldapsim.New(&lsc, ldapsim.Options{})
		if err != nil {
			return nil, fmt.Errorf("estate: ldap: %w", err)
		}
		if err := srv.Start(); err != nil {
			return nil, fmt.Errorf("estate: ldap: %w", err)
		}
		e.ldap = srv
		ca, err := srv.CAFile(opts.Dir)
		if err != nil {
			return nil, fmt.Errorf("estate: ldap: %w", err)
		}
		e.env[EnvLDAPPassword] = lsc.BindPassword
		e.Targets[TypeLDAP] = p.Target
		targets = append(targets, map[string]any{"type": TypeLDAP, "name": p.Target, "url": srv.URL, "bind_dn": srv.BindDN,
			"password_env": EnvLDAPPassword, "ca_file": ca})
	}

	if p := sc.Workspace; p != nil && want(TypeWorkspace) {
		wsc := p.Scenario
		fake := wssim.New(&wsc, wssim.Options{Now: func() time.Time { return now }, Subject: p.Subject})
		e.ws = httptest.NewServer(fake)
		// The service account's key is a file, as in production; the
		// fake made the key pair.
		key, err := fake.WriteServiceAccount(opts.Dir, e.ws.URL)
		if err != nil {
			return nil, fmt.Errorf("estate: workspace: %w", err)
		}
		e.fileSecrets = append(e.fileSecrets, fake.PrivateKeyPEM())
		e.Targets[TypeWorkspace] = p.Target
		targets = append(targets, map[string]any{"type": TypeWorkspace, "name": p.Target, "endpoint": e.ws.URL,
			"auth": map[string]any{"method": "service_account", "key_file": key, "subject": p.Subject}})
	}
	if p := sc.Azure; p != nil && want(TypeAzure) {
		asc := p.Scenario
		if asc.ClientID == "" {
			asc.ClientID = "6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e90"
		}
		asc.ClientSecret = randomSecret("kh-arm-")
		srv, err := azsim.Start(asc, azsim.Options{})
		if err != nil {
			return nil, fmt.Errorf("estate: azure: %w", err)
		}
		e.arm = srv
		ca, err := srv.CAFile(opts.Dir)
		if err != nil {
			return nil, fmt.Errorf("estate: azure: %w", err)
		}
		e.env[EnvARMSecret] = asc.ClientSecret
		e.Targets[TypeAzure] = p.Target
		targets = append(targets, map[string]any{
			"type": TypeAzure, "name": p.Target, "tenant_id": asc.TenantID,
			"endpoint": srv.URL, "authority_host": srv.URL, "ca_file": ca,
			"auth": map[string]any{"method": "client_secret", "client_id": asc.ClientID, "secret_env": EnvARMSecret},
		})
	}

	if p := sc.Domains; p != nil && want(TypeDomains) {
		dsc := p.Scenario
		srv, err := dsim.Start(&dsc)
		if err != nil {
			return nil, fmt.Errorf("estate: domains: %w", err)
		}
		e.dns = srv
		e.Targets[TypeDomains] = p.Target
		targets = append(targets, map[string]any{"type": TypeDomains, "name": p.Target,
			"rdap": map[string]any{"servers": map[string]any{"*": srv.RDAPURL}}, "resolver": srv.DNSAddr, "timeout": "5s"})
	}

	doc, err := configYAML(sc, targets, e.Targets)
	if err != nil {
		return nil, err
	}
	e.ConfigPath = filepath.Join(opts.Dir, "keyholder.yaml")
	if err := fsx.WriteFile(e.ConfigPath, doc); err != nil {
		return nil, fmt.Errorf("estate: %w", err)
	}
	return e, nil
}

// Env returns the secrets the written config names, by variable.
func (e *Estate) Env() map[string]string {
	out := make(map[string]string, len(e.env))
	for k, v := range e.env {
		out[k] = v
	}
	return out
}

// Secrets returns the secret values (for checks that none leaks): those in
// environment variables and those in files the config names.
func (e *Estate) Secrets() []string {
	out := append([]string(nil), e.fileSecrets...)
	for k, v := range e.env {
		if v != "" && (strings.Contains(k, "SECRET") || strings.Contains(k, "TOKEN") || strings.Contains(k, "PASSWORD")) {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// Setenv exports the secrets into this process's environment and returns
// a function that restores the previous values.
func (e *Estate) Setenv() (restore func()) {
	type old struct {
		v  string
		ok bool
	}
	prev := map[string]old{}
	for k, v := range e.env {
		ov, ok := os.LookupEnv(k)
		prev[k] = old{ov, ok}
		if v == "" {
			os.Unsetenv(k)
		} else {
			os.Setenv(k, v)
		}
	}
	return func() {
		for k, o := range prev {
			if o.ok {
				os.Setenv(k, o.v)
			} else {
				os.Unsetenv(k)
			}
		}
	}
}

// Close stops every simulator.
func (e *Estate) Close() {
	if e.graph != nil {
		e.graph.Close()
	}
	if e.aws != nil {
		e.aws.Close()
	}
	if e.gh != nil {
		e.gh.Close()
	}
	if e.ldap != nil {
		e.ldap.Close()
	}
	if e.ws != nil {
		e.ws.Close()
	}
	if e.dns != nil {
		e.dns.Close()
	}
	if e.arm != nil {
		e.arm.Close()
	}
}

// ARM returns the running Azure Resource Manager simulator, or nil.
func (e *Estate) ARM() *azsim.Server { return e.arm }

// LDAP returns the running directory simulator, or nil.
func (e *Estate) LDAP() *ldapsim.Server { return e.ldap }

// Graph returns the running Graph simulator, or nil.
func (e *Estate) Graph() *graph.Server { return e.graph }

// configYAML renders the scenario's config with the targets added and the
// declared items that name a target not running (a part left out or
// missing) removed.
func configYAML(sc *Scenario, targets []map[string]any, running map[string]string) ([]byte, error) {
	var cfg yaml.Node
	b, err := yaml.Marshal(&sc.Config)
	if err != nil {
		return nil, fmt.Errorf("estate: config: %w", err)
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		return nil, fmt.Errorf("estate: config: %w", err)
	}
	root := cfg.Content[0]
	keep := map[string]bool{}
	for _, name := range running {
		keep[name] = true
	}
	if d := mapValue(root, "declared"); d != nil {
		for _, section := range []string{"licences", "backups", "relationships", "assets"} {
			list := mapValue(d, section)
			if list == nil || list.Kind != yaml.SequenceNode {
				continue
			}
			var items []*yaml.Node
			for _, it := range list.Content {
				if t := mapValue(it, "target"); t != nil && !keep[t.Value] {
					continue
				}
				items = append(items, it)
			}
			list.Content = items
		}
	}
	var tnode yaml.Node
	if err := tnode.Encode(targets); err != nil {
		return nil, fmt.Errorf("estate: targets: %w", err)
	}
	tnode.Style = 0
	root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "targets"}, &tnode)
	var out bytes.Buffer
	out.WriteString("# Written by keyholder's simulated estate: every target points at a\n# simulator on 127.0.0.1. Secrets come from environment variables.\n")
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&cfg); err != nil {
		return nil, fmt.Errorf("estate: config: %w", err)
	}
	return out.Bytes(), nil
}

func mapKeys(n *yaml.Node) []string {
	var out []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, n.Content[i].Value)
	}
	return out
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func randomSecret(prefix string) string {
	var b [18]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return prefix + hex.EncodeToString(b[:])
}
