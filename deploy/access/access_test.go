package access

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/keyholder/keyholder/scanners"
	"github.com/keyholder/keyholder/scanners/all"
)

func factory(t *testing.T, typ string) scanners.Factory {
	t.Helper()
	f, ok := all.Registry().Lookup(typ)
	if !ok {
		t.Fatalf("scanner %q not registered", typ)
	}
	return f
}

func guide(t *testing.T, typ string, o Options) Guide {
	t.Helper()
	g, err := For(factory(t, typ), o)
	if err != nil {
		t.Fatalf("setup %s: %v", typ, err)
	}
	return g
}

func artefact(t *testing.T, g Guide, name string) string {
	t.Helper()
	a, ok := g.Artefact(name)
	if !ok {
		t.Fatalf("%s: no artefact %q (have %v)", g.Type, name, g.Names())
	}
	return a.Body
}

func sorted(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

func equalSets(a, b []string) bool {
	a, b = sorted(a), sorted(b)
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ---- Entra ------------------------------------------------------------------

func TestEntraEveryPermissionHasAGUID(t *testing.T) {
	for _, it := range factory(t, "entra").Permissions().Items {
		if _, ok := GraphAppRoleID(it.Name); !ok {
			t.Errorf("the entra scanner declares the Graph permission %q, which has no app-role id in graphAppRoles (deploy/access/graphroles.go): "+
				"look up its Application identifier at https://learn.microsoft.com/en-us/graph/permissions-reference and add a row", it.Name)
		}
	}
}

var guidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestGraphTableIsReadOnlyAndWellFormed(t *testing.T) {
	names, ids := map[string]bool{}, map[string]bool{}
	for _, r := range graphAppRoles {
		if !guidRE.MatchString(r.ID) {
			t.Errorf("%s: id %q is not a lower-case GUID", r.Name, r.ID)
		}
		if !strings.Contains(r.Name, ".Read") || strings.Contains(r.Name, "Write") {
			t.Errorf("%s: only read permissions belong in the table", r.Name)
		}
		if !strings.HasPrefix(r.Source, "https://learn.microsoft.com/en-us/graph/permissions-reference#") {
			t.Errorf("%s: source %q", r.Name, r.Source)
		}
		if names[strings.ToLower(r.Name)] || ids[r.ID] {
			t.Errorf("%s: duplicate name or id %s", r.Name, r.ID)
		}
		names[strings.ToLower(r.Name)], ids[r.ID] = true, true
	}
	// Spot values, so an edit that shuffles the table is caught.
	for name, id := range map[string]string{
		"Directory.Read.All":                              "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
		"PrivilegedEligibilitySchedule.Read.AzureADGroup": "edb419d6-7edc-42a3-9345-509bfdf5d87c",
		"PrivilegedAssignmentSchedule.Read.AzureADGroup":  "cd4161cb-f098-48f8-a884-1eda9a42434c",
		"CrossTenantInformation.ReadBasic.All":            "cac88765-0581-4025-9725-5ebc13f729ee",
		"DeviceManagementManagedDevices.Read.All":         "2f51be20-0bb4-4fed-bf7b-db946066c75e",
	} {
		if got, _ := GraphAppRoleID(name); got != id {
			t.Errorf("%s = %q, want %s", name, got, id)
		}
	}
}

func TestEntraManifestMatchesScannerPermissions(t *testing.T) {
	p := factory(t, "entra").Permissions()
	g := guide(t, "entra", Options{TenantID: "11111111-2222-3333-4444-555555555555", ClientID: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"})
	var man struct {
		DisplayName    string             `json:"displayName"`
		SignInAudience string             `json:"signInAudience"`
		RRA            []requiredResource `json:"requiredResourceAccess"`
	}
	if err := json.Unmarshal([]byte(artefact(t, g, "manifest")), &man); err != nil {
		t.Fatal(err)
	}
	if len(man.RRA) != 1 || man.RRA[0].ResourceAppID != MicrosoftGraphAppID || man.SignInAudience != "AzureADMyOrg" {
		t.Fatalf("manifest = %+v", man)
	}
	var got, want []string
	for _, ra := range man.RRA[0].ResourceAccess {
		if ra.Type != "Role" {
			t.Errorf("%s: type %q, want Role (application permission)", ra.ID, ra.Type)
		}
		got = append(got, ra.ID)
	}
	for _, it := range p.Items {
		id, _ := GraphAppRoleID(it.Name)
		want = append(want, id)
	}
	if !equalSets(got, want) {
		t.Errorf("manifest app roles %v, scanner permissions resolve to %v", got, want)
	}
	var rra []requiredResource
	if err := json.Unmarshal([]byte(artefact(t, g, "required-resource-access")), &rra); err != nil || len(rra) != 1 || len(rra[0].ResourceAccess) != len(want) {
		t.Errorf("required-resource-access: %v %+v", err, rra)
	}
	md := g.Markdown()
	if !strings.Contains(md, "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/adminconsent?client_id=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee") {
		t.Error("guide lacks the admin-consent URL for the tenant")
	}
	for _, it := range p.Items {
		row := "| " + it.Name + " |"
		i := strings.Index(md, row)
		if i < 0 {
			t.Errorf("guide's permission table lacks %s", it.Name)
			continue
		}
		line := md[i : i+strings.Index(md[i:], "\n")]
		if it.Optional != strings.Contains(line, "| optional |") {
			t.Errorf("row %q: optional=%v not marked so", line, it.Optional)
		}
	}
	for _, want := range []string{"certificate", "federated-credential", "token.actions.githubusercontent.com", "system:serviceaccount", "managed_identity"} {
		if !strings.Contains(md, want) {
			t.Errorf("guide lacks %q", want)
		}
	}
	mi := artefact(t, g, "managed-identity")
	for _, id := range want {
		if !strings.Contains(mi, id) {
			t.Errorf("managed-identity script does not assign %s", id)
		}
	}
}

func TestEntraUnknownPermissionIsRefused(t *testing.T) {
	p := scanners.Permissions{Items: []scanners.Permission{{Name: "Directory.Read.All"}, {Name: "Imaginary.Read.All"}}}
	_, err := entraGuide(p, Options{})
	if !errors.Is(err, ErrUnmapped) || !strings.Contains(err.Error(), "Imaginary.Read.All") || !strings.Contains(err.Error(), "graphroles.go") {
		t.Fatalf("err = %v", err)
	}
}

// ---- AWS --------------------------------------------------------------------

type cfnProp struct {
	PrimitiveType     string
	Type              string
	ItemType          string
	PrimitiveItemType string
	Required          bool
}

type cfnSpec struct {
	PropertyTypes map[string]struct{ Properties map[string]cfnProp }
	ResourceTypes map[string]struct{ Properties map[string]cfnProp }
	AllowedValues map[string][]string
}

func loadSpec(t *testing.T) cfnSpec {
	t.Helper()
	b, err := os.ReadFile("testdata/cfn-spec-subset.json")
	if err != nil {
		t.Fatal(err)
	}
	var s cfnSpec
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

var pseudoParams = map[string]bool{"AWS::Region": true, "AWS::AccountId": true, "AWS::Partition": true, "AWS::StackName": true, "AWS::URLSuffix": true}

// validateTemplate checks a CloudFormation template against the pinned
// resource specification: known types, known properties, required ones
// present, values of the right shape, Refs to declared parameters.
func validateTemplate(t reporter, name string, body []byte, spec cfnSpec) map[string]any {
	t.Helper()
	var tpl map[string]any
	if err := json.Unmarshal(body, &tpl); err != nil {
		t.Fatalf("%s: not JSON: %v", name, err)
	}
	if tpl["AWSTemplateFormatVersion"] != "2010-09-09" {
		t.Errorf("%s: AWSTemplateFormatVersion %v", name, tpl["AWSTemplateFormatVersion"])
	}
	params, _ := tpl["Parameters"].(map[string]any)
	resources, _ := tpl["Resources"].(map[string]any)
	if len(resources) == 0 {
		t.Fatalf("%s: no resources", name)
	}
	var check func(where string, v any, p cfnProp, resType string)
	isIntrinsic := func(where string, v any) bool {
		m, ok := v.(map[string]any)
		if !ok || len(m) != 1 {
			return false
		}
		for k, arg := range m {
			switch {
			case k == "Ref":
				ref, _ := arg.(string)
				if _, ok := params[ref]; !ok && !pseudoParams[ref] {
					if _, ok := resources[ref]; !ok {
						t.Errorf("%s: %s: Ref to undeclared %q", name, where, ref)
					}
				}
				return true
			case strings.HasPrefix(k, "Fn::"):
				if k == "Fn::GetAtt" {
					a, _ := arg.([]any)
					if len(a) != 2 || resources[a[0].(string)] == nil {
						t.Errorf("%s: %s: bad Fn::GetAtt %v", name, where, arg)
					}
				}
				return true
			}
		}
		return false
	}
	checkPrimitive := func(where string, v any, prim string) {
		if isIntrinsic(where, v) {
			return
		}
		ok := false
		switch prim {
		case "String":
			_, ok = v.(string)
		case "Boolean":
			_, ok = v.(bool)
		case "Integer", "Long", "Double":
			_, ok = v.(float64)
		case "Json":
			_, ok = v.(map[string]any)
		}
		if !ok {
			t.Errorf("%s: %s: %v is not a %s", name, where, v, prim)
		}
	}
	checkObject := func(where string, v any, props map[string]cfnProp, resType string) {
		m, ok := v.(map[string]any)
		if !ok {
			if !isIntrinsic(where, v) {
				t.Errorf("%s: %s: not an object", name, where)
			}
			return
		}
		for k, pv := range m {
			p, ok := props[k]
			if !ok {
				t.Errorf("%s: %s.%s: not a property in the resource specification", name, where, k)
				continue
			}
			check(where+"."+k, pv, p, resType)
			if allowed, ok := spec.AllowedValues[resType+"."+k]; ok {
				vals := []any{pv}
				if l, ok := pv.([]any); ok {
					vals = l
				}
				for _, x := range vals {
					if s, ok := x.(string); ok && !contains(allowed, s) {
						t.Errorf("%s: %s.%s = %q, allowed %v", name, where, k, s, allowed)
					}
				}
			}
		}
		for k, p := range props {
			if _, ok := m[k]; p.Required && !ok {
				t.Errorf("%s: %s: required property %s missing", name, where, k)
			}
		}
	}
	propType := func(resType, typ string) map[string]cfnProp {
		if pt, ok := spec.PropertyTypes[resType+"."+typ]; ok {
			return pt.Properties
		}
		if pt, ok := spec.PropertyTypes[typ]; ok {
			return pt.Properties
		}
		t.Fatalf("spec has no property type %s.%s", resType, typ)
		return nil
	}
	check = func(where string, v any, p cfnProp, resType string) {
		switch {
		case p.PrimitiveType != "":
			checkPrimitive(where, v, p.PrimitiveType)
		case p.Type == "List":
			l, ok := v.([]any)
			if !ok {
				if !isIntrinsic(where, v) {
					t.Errorf("%s: %s: not a list", name, where)
				}
				return
			}
			for i, x := range l {
				w := where + "[" + string(rune('0'+i)) + "]"
				if p.PrimitiveItemType != "" {
					checkPrimitive(w, x, p.PrimitiveItemType)
				} else {
					checkObject(w, x, propType(resType, p.ItemType), resType)
				}
			}
		default:
			checkObject(where, v, propType(resType, p.Type), resType)
		}
	}
	for logical, r := range resources {
		rm := r.(map[string]any)
		typ, _ := rm["Type"].(string)
		rs, ok := spec.ResourceTypes[typ]
		if !ok {
			t.Errorf("%s: %s: resource type %q not in the specification subset", name, logical, typ)
			continue
		}
		checkObject(logical+".Properties", rm["Properties"], rs.Properties, typ)
	}
	return tpl
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// policyActions returns the actions of an IAM policy document and checks
// it grants only Allow on them.
func policyActions(t *testing.T, where string, doc any) []string {
	t.Helper()
	m, _ := doc.(map[string]any)
	st, _ := m["Statement"].([]any)
	if m["Version"] != "2012-10-17" || len(st) != 1 {
		t.Fatalf("%s: policy %v", where, doc)
	}
	s := st[0].(map[string]any)
	if s["Effect"] != "Allow" || s["Resource"] != "*" {
		t.Errorf("%s: statement %v", where, s)
	}
	var acts []string
	for _, a := range s["Action"].([]any) {
		acts = append(acts, a.(string))
	}
	return acts
}

func scannerAWSActions(t *testing.T) []string {
	var want []string
	for _, it := range factory(t, "aws").Permissions().Items {
		want = append(want, it.Name)
	}
	return want
}

func TestAWSCloudFormationMatchesSpecAndPermissions(t *testing.T) {
	spec := loadSpec(t)
	want := scannerAWSActions(t)
	g := guide(t, "aws", Options{})

	// The IAM policy artefact is the scanner's own document.
	var doc any
	if err := json.Unmarshal([]byte(artefact(t, g, "policy")), &doc); err != nil {
		t.Fatal(err)
	}
	if got := policyActions(t, "policy", doc); !equalSets(got, want) {
		t.Errorf("IAM policy actions %v, scanner %v", got, want)
	}
	if d := factory(t, "aws").Permissions().Document; d != "" {
		var own any
		json.Unmarshal([]byte(d), &own)
		if got := policyActions(t, "Permissions.Document", own); !equalSets(got, want) {
			t.Errorf("scanner's own Document %v differs from its Items %v", got, want)
		}
	}

	role := validateTemplate(t, "aws-audit-role.cfn.json", []byte(artefact(t, g, "cloudformation")), spec)
	props := role["Resources"].(map[string]any)["KeyholderAuditRole"].(map[string]any)["Properties"].(map[string]any)
	pol := props["Policies"].([]any)[0].(map[string]any)["PolicyDocument"]
	if got := policyActions(t, "role policy", pol); !equalSets(got, want) {
		t.Errorf("role policy actions %v, scanner %v", got, want)
	}
	trust := props["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any)[0].(map[string]any)
	if trust["Action"] != "sts:AssumeRole" ||
		trust["Principal"].(map[string]any)["AWS"].(map[string]any)["Ref"] != "TrustedPrincipalArn" ||
		trust["Condition"].(map[string]any)["StringEquals"].(map[string]any)["sts:ExternalId"].(map[string]any)["Ref"] != "ExternalId" {
		t.Errorf("trust policy = %v: want one named principal with sts:ExternalId", trust)
	}

	ss := validateTemplate(t, "aws-org-stackset.cfn.json", []byte(artefact(t, g, "stackset")), spec)
	sprops := ss["Resources"].(map[string]any)["KeyholderAuditStackSet"].(map[string]any)["Properties"].(map[string]any)
	if sprops["PermissionModel"] != "SERVICE_MANAGED" || sprops["AutoDeployment"].(map[string]any)["Enabled"] != true {
		t.Errorf("stackset: %v", sprops)
	}
	member := validateTemplate(t, "StackSet TemplateBody", []byte(sprops["TemplateBody"].(string)), spec)
	mprops := member["Resources"].(map[string]any)["KeyholderAuditRole"].(map[string]any)["Properties"].(map[string]any)
	if got := policyActions(t, "member role policy", mprops["Policies"].([]any)[0].(map[string]any)["PolicyDocument"]); !equalSets(got, want) {
		t.Errorf("member role actions %v, scanner %v", got, want)
	}
	// Every parameter the StackSet passes exists in the member template.
	mparams := member["Parameters"].(map[string]any)
	for _, p := range sprops["Parameters"].([]any) {
		k := p.(map[string]any)["ParameterKey"].(string)
		if _, ok := mparams[k]; !ok {
			t.Errorf("StackSet passes %s, which the member template does not declare", k)
		}
	}
}

func TestAWSTemplateValidatorCatchesMistakes(t *testing.T) {
	// The validator itself must reject a wrong template, or the test above
	// proves nothing.
	spec := loadSpec(t)
	bad := `{"AWSTemplateFormatVersion":"2010-09-09","Parameters":{},"Resources":{"R":{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDoc":{},"RoleName":{"Ref":"Nope"}}}}}`
	rec := &recorder{}
	func() {
		defer func() { recover() }()
		validateTemplate(rec, "bad", []byte(bad), spec)
	}()
	for _, want := range []string{"AssumeRolePolicyDoc: not a property", "required property AssumeRolePolicyDocument missing", `Ref to undeclared "Nope"`} {
		if !strings.Contains(strings.Join(rec.msgs, "\n"), want) {
			t.Errorf("validator missed %q; said %q", want, rec.msgs)
		}
	}
}

// reporter is the part of testing.TB the template validator uses.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

type recorder struct{ msgs []string }

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	panic("fatal")
}

func TestAWSTerraformParsesAndMatchesPermissions(t *testing.T) {
	want := scannerAWSActions(t)
	g := guide(t, "aws", Options{})
	src := artefact(t, g, "terraform")
	f, diags := hclparse.NewParser().ParseHCL([]byte(src), "aws-audit-role.tf")
	if diags.HasErrors() {
		t.Fatalf("HCL: %v", diags)
	}
	content, diags := f.Body.Content(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "terraform"}, {Type: "variable", LabelNames: []string{"name"}},
		{Type: "resource", LabelNames: []string{"type", "name"}}, {Type: "output", LabelNames: []string{"name"}},
	}})
	if diags.HasErrors() {
		t.Fatalf("top-level blocks: %v", diags)
	}
	vars := map[string]cty.Value{}
	resources := map[string]hcl.Body{}
	for _, b := range content.Blocks {
		switch b.Type {
		case "variable":
			vars[b.Labels[0]] = cty.StringVal("test-" + b.Labels[0])
		case "resource":
			resources[b.Labels[0]+"."+b.Labels[1]] = b.Body
		}
	}
	for _, v := range []string{"trusted_principal_arn", "external_id", "role_name"} {
		if _, ok := vars[v]; !ok {
			t.Errorf("variable %s missing", v)
		}
	}
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var": cty.ObjectVal(vars),
			"aws_iam_role": cty.ObjectVal(map[string]cty.Value{"keyholder_audit": cty.ObjectVal(map[string]cty.Value{
				"id": cty.StringVal("KeyholderAudit"), "arn": cty.StringVal("arn:aws:iam::111111111111:role/KeyholderAudit")})}),
		},
		Functions: map[string]function.Function{"jsonencode": stdlib.JSONEncodeFunc},
	}
	attr := func(res, name string) string {
		body, ok := resources[res]
		if !ok {
			t.Fatalf("resource %s missing", res)
		}
		attrs, diags := body.JustAttributes()
		if diags.HasErrors() {
			t.Fatalf("%s: %v", res, diags)
		}
		a, ok := attrs[name]
		if !ok {
			t.Fatalf("%s.%s missing", res, name)
		}
		v, diags := a.Expr.Value(ctx)
		if diags.HasErrors() || v.Type() != cty.String {
			t.Fatalf("%s.%s: %v (%s)", res, name, diags, v.Type().FriendlyName())
		}
		return v.AsString()
	}
	var pol any
	if err := json.Unmarshal([]byte(attr("aws_iam_role_policy.keyholder_read_only_audit", "policy")), &pol); err != nil {
		t.Fatal(err)
	}
	if got := policyActions(t, "terraform policy", pol); !equalSets(got, want) {
		t.Errorf("terraform policy actions %v, scanner %v", got, want)
	}
	var trust struct {
		Statement []struct {
			Effect    string
			Action    string
			Principal map[string]string
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(attr("aws_iam_role.keyholder_audit", "assume_role_policy")), &trust); err != nil {
		t.Fatal(err)
	}
	s := trust.Statement[0]
	if s.Action != "sts:AssumeRole" || s.Principal["AWS"] != "test-trusted_principal_arn" || s.Condition["StringEquals"]["sts:ExternalId"] != "test-external_id" {
		t.Errorf("terraform trust = %+v", trust)
	}
}

// ---- GitHub -----------------------------------------------------------------

func TestGitHubManifestMatchesPermissions(t *testing.T) {
	p := factory(t, "github").Permissions()
	g := guide(t, "github", Options{GitHubOrg: "contoso"})
	var man struct {
		Name        string            `json:"name"`
		URL         string            `json:"url"`
		Public      bool              `json:"public"`
		Permissions map[string]string `json:"default_permissions"`
		Hook        struct {
			Active bool `json:"active"`
		} `json:"hook_attributes"`
	}
	if err := json.Unmarshal([]byte(artefact(t, g, "manifest")), &man); err != nil {
		t.Fatal(err)
	}
	if man.URL == "" || man.Public || man.Hook.Active {
		t.Errorf("manifest = %+v", man)
	}
	want := map[string]bool{}
	for _, it := range p.Items {
		k, a, err := GitHubAppPermission(it.Name)
		if err != nil {
			t.Errorf("the github scanner declares %q: %v", it.Name, err)
			continue
		}
		want[k] = true
		if man.Permissions[k] != "read" || a != "read" {
			t.Errorf("%s: manifest has %q, want read", k, man.Permissions[k])
		}
	}
	if len(man.Permissions) != len(want) {
		t.Errorf("manifest permissions %v, scanner's %v", man.Permissions, want)
	}
	// The README's table (Organization → Members: Read, …) is what the
	// scanner declares; the manifest keys for it are GitHub's.
	for _, k := range []string{"members", "metadata"} {
		if man.Permissions[k] != "read" {
			t.Errorf("core permission %s missing", k)
		}
	}
	form := artefact(t, g, "form")
	if !strings.Contains(form, `action="https://github.com/organizations/contoso/settings/apps/new"`) || !strings.Contains(form, "&#34;default_permissions&#34;") {
		t.Errorf("form does not post the manifest to the org: %s", form)
	}
	if md := g.Markdown(); !strings.Contains(md, "https://github.com/organizations/contoso/settings/installations/<INSTALLATION_ID>") {
		t.Error("guide does not say where the installation id is")
	}
	if _, _, err := GitHubAppPermission("Organization permissions: Members (write)"); err == nil {
		t.Error("a write permission was accepted")
	}
	if _, _, err := GitHubAppPermission("Organization permissions: Imaginary (read)"); !errors.Is(err, ErrUnmapped) {
		t.Errorf("unknown permission: %v", err)
	}
}

// ---- AD / LDAP --------------------------------------------------------------

func TestADPowerShellScript(t *testing.T) {
	p := factory(t, "ldap").Permissions()
	ous := []string{"OU=MSP,DC=corp,DC=example,DC=com", "OU=O'Brien,DC=corp,DC=example,DC=com"}
	g := guide(t, "ldap", Options{BindAccount: "svc-audit", ReadOUs: ous})
	ps := artefact(t, g, "powershell")
	for _, want := range []string{
		"'OU=MSP,DC=corp,DC=example,DC=com'", "'OU=O''Brien,DC=corp,DC=example,DC=com'", // quoted for PowerShell
		"[string]$AccountName = 'svc-audit'", "New-ADUser", "dsacls.exe $ou /I:T /G", ":GR\"",
		"ActiveDirectoryRights]::GenericRead", "ActiveDirectorySecurityInheritance]::All", "Set-Acl -Path \"AD:$ou\"",
	} {
		if !strings.Contains(ps, want) {
			t.Errorf("script lacks %q", want)
		}
	}
	for _, it := range p.Items {
		if !strings.Contains(ps, it.Name) {
			t.Errorf("script does not list the permission %q", it.Name)
		}
	}
	// The permission list quoted in the header may name rights the scanner
	// looks for (GenericAll on an OU is a finding); the code must not grant them.
	var code []string
	inHeader := false
	for _, l := range strings.Split(ps, "\n") {
		switch t := strings.TrimSpace(l); {
		case strings.HasPrefix(t, "<#"):
			inHeader = true
		case strings.HasPrefix(t, "#>"):
			inHeader = false
		case !inHeader && !strings.HasPrefix(t, "#"):
			code = append(code, l)
		}
	}
	for _, bad := range []string{"GenericAll", "WriteProperty", "GenericWrite", "Add-ADGroupMember", ":GA", ":WP"} {
		if strings.Contains(strings.Join(code, "\n"), bad) {
			t.Errorf("script grants more than read: %s", bad)
		}
	}
}

// ---- every scanner ----------------------------------------------------------

func TestEveryScannerWithPermissionsHasSetup(t *testing.T) {
	reg := all.Registry()
	for _, typ := range reg.Types() {
		f, _ := reg.Lookup(typ)
		if len(f.Permissions().Items) == 0 {
			continue // declared: reads nothing
		}
		g, err := For(f, Options{})
		if errors.Is(err, ErrNoSetup) {
			t.Logf("%s: no generated artefacts yet; keyholder setup %s prints its permission list", typ, typ)
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", typ, err)
			continue
		}
		if len(g.Artefacts) == 0 || g.Primary == "" || len(g.Steps) == 0 {
			t.Errorf("%s: empty guide", typ)
		}
		doc, err := Document(f, Options{})
		if err != nil || doc == "" {
			t.Errorf("%s: Document: %v", typ, err)
		}
		dir := t.TempDir()
		files, err := g.WriteDir(dir)
		if err != nil || len(files) != len(g.Artefacts)+1 {
			t.Errorf("%s: WriteDir %v %v", typ, files, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
			t.Error(err)
		}
	}
	for _, typ := range []string{"entra", "aws", "ldap", "github"} {
		if _, ok := reg.Lookup(typ); !ok {
			t.Errorf("%s not registered", typ)
		}
	}
}

// ---- Azure ------------------------------------------------------------------

func TestAzureRoleMatchesPermissions(t *testing.T) {
	p := scanners.Permissions{Items: []scanners.Permission{
		{Name: "Microsoft.Resources/subscriptions/read"},
		{Name: "Microsoft.Authorization/roleAssignments/read"},
		{Name: "Microsoft.RecoveryServices/vaults/read", Optional: true},
	}}
	if f, ok := all.Registry().Lookup("azure"); ok {
		p = f.Permissions() // the real list once the azure scanner is registered
	}
	g, err := azureGuide(p, Options{TenantID: "tid"})
	if err != nil {
		t.Fatal(err)
	}
	var role struct {
		Actions, DataActions, AssignableScopes []string
		IsCustom                               bool
	}
	if err := json.Unmarshal([]byte(artefact(t, g, "role")), &role); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, it := range p.Items {
		want = append(want, it.Name)
	}
	if !equalSets(role.Actions, want) || len(role.DataActions) != 0 || !role.IsCustom ||
		len(role.AssignableScopes) != 1 || role.AssignableScopes[0] != "/providers/Microsoft.Management/managementGroups/tid" {
		t.Errorf("role = %+v, want actions %v", role, want)
	}
	for _, a := range role.Actions {
		if !strings.HasSuffix(a, "/read") {
			t.Errorf("%s is not a read", a)
		}
	}
	if _, err := azureGuide(scanners.Permissions{Items: []scanners.Permission{{Name: "Microsoft.Compute/virtualMachines/write"}}}, Options{}); !errors.Is(err, ErrUnmapped) {
		t.Errorf("a write action was accepted: %v", err)
	}
}

// ---- Google Workspace -------------------------------------------------------

func TestWorkspaceScopesMatchPermissions(t *testing.T) {
	f := factory(t, "workspace")
	g := guide(t, "workspace", Options{})
	got := strings.Split(artefact(t, g, "scopes"), ",")
	var want []string
	for _, it := range f.Permissions().Items {
		if strings.HasPrefix(it.Name, googleScopePrefix) {
			want = append(want, it.Name)
		} else if !strings.Contains(g.Markdown(), it.Name) {
			t.Errorf("requirement %q missing from the steps", it.Name)
		}
	}
	if !equalSets(got, want) || len(want) == 0 {
		t.Errorf("delegation scopes %v, scanner %v", got, want)
	}
	for _, s := range got {
		if !strings.HasSuffix(s, ".readonly") {
			t.Errorf("%s is not read-only", s)
		}
	}
	if _, err := workspaceGuide(scanners.Permissions{Items: []scanners.Permission{{Name: googleScopePrefix + "admin.directory.user"}}}, Options{}); err == nil {
		t.Error("a read-write scope was accepted")
	}
}
