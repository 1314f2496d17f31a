package aws

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/policies"
)

// TestHiddenPathsJudgedIssue13 scans single.yaml and evaluates it: the
// MSP's staff reach AdministratorAccess through its Entra tenant's SAML
// provider (KH-SEG-001, KH-SEG-003) and through its private CA (Roles
// Anywhere), its account may delete backup objects (KH-SEG-003), and its
// RMM agent runs on two instances (KH-SEG-008) while the customer's
// declared TeamViewer passes.
func TestHiddenPathsJudgedIssue13(t *testing.T) {
	_, url := startFake(t, loadScenario(t, "single.yaml"))
	snap := scan(t, newTestScanner(t, target(t, url, "backup_bucket_tags: {purpose: backup}"), testEnv(), "AKIACUSTOMERAUDIT01"))
	cfg, err := config.Load(filepath.Join("testdata", "hidden-keyholder.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// The declared scanner's facts, as the runner would add them.
	snap.Assets = append(snap.Assets, findings.Asset{ID: "asset:declared:remote_tool_declaration:teamviewer-0", System: "declared",
		Kind: findings.AssetToolDeclaration, Name: "TeamViewer", Provider: "customer", OwnerOfRecord: "customer",
		Attributes: map[string]string{"allowed": "false"}})
	snap.Systems = append(snap.Systems, findings.System{ID: "declared", Kind: findings.SystemDeclared, Target: "declared", Name: "declared", NativeID: "declared"})
	snap.Canonicalize()
	engine, err := policies.NewEngine(policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := engine.Evaluate(context.Background(), snap, cfg, policies.EvalOptions{Profile: policies.ProfileReadiness})
	if err != nil {
		t.Fatal(err)
	}
	has := func(check string, st findings.Status, subject, text string) bool {
		for _, f := range a.Findings {
			if f.Check == check && f.Status == st && (subject == "" || slices.Contains(f.Subjects, subject)) && strings.Contains(f.Message, text) {
				return true
			}
		}
		return false
	}
	samlTrust := trustNamed(snap, "AcmeEntraAdmin", "arn:aws:iam::111111111111:saml-provider/AcmeEntra")
	if samlTrust == nil {
		t.Fatal("no SAML trust")
	}
	if !has("KH-SEG-001", findings.StatusFail, findings.PrincipalID(findings.PrincipalExternal, sys, mspTenant), "") {
		t.Error("KH-SEG-001 does not fail the MSP tenant's staff reaching AdministratorAccess through SAML")
	}
	if !has("KH-SEG-003", findings.StatusFail, samlTrust.ID, "grants full admin") {
		t.Error("KH-SEG-003 does not fail the SAML trust of the MSP's tenant")
	}
	bucket := resourceTrust(snap, "s3_bucket", "arn:aws:s3:::contoso-backups")
	if bucket == nil || !has("KH-SEG-003", findings.StatusFail, bucket.ID, "s3:DeleteObject") {
		t.Error("KH-SEG-003 does not fail the bucket policy letting the MSP delete backups")
	}
	var anchor *findings.Trust
	for i := range snap.Trusts {
		if snap.Trusts[i].Kind == findings.TrustAWSRolesAnywhere && snap.Trusts[i].Attributes["source_type"] == "AWS_ACM_PCA" {
			anchor = &snap.Trusts[i]
		}
	}
	if anchor == nil || !has("KH-SEG-003", findings.StatusFail, anchor.ID, "grants full admin") {
		t.Error("KH-SEG-003 does not fail the Roles Anywhere anchor of the MSP's CA")
	}
	ninja := findings.ObjectID("asset", sys, findings.AssetRemoteTool, "ssm", "ninjaone")
	if !has("KH-SEG-008", findings.StatusFail, ninja, "NinjaOne on 2 devices") {
		t.Error("KH-SEG-008 does not fail the undeclared NinjaOne agent")
	}
	tv := findings.ObjectID("asset", sys, findings.AssetRemoteTool, "ssm", "teamviewer")
	if has("KH-SEG-008", findings.StatusFail, tv, "") {
		t.Error("the customer's declared TeamViewer fails KH-SEG-008")
	}
}
