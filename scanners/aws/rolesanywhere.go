package aws

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rolesanywhere"
	ratypes "github.com/aws/aws-sdk-go-v2/service/rolesanywhere/types"

	"github.com/keyholder/keyholder/findings"
)

const rolesAnywhereService = "rolesanywhere.amazonaws.com"

// rolesAnywhere reads the IAM Roles Anywhere trust anchors of every region
// (rolesanywhere:ListTrustAnchors) and records, for each anchor and each
// role trusting rolesanywhere.amazonaws.com that the anchor may reach (no
// aws:SourceArn condition, or one naming the anchor), a trust whose
// counterparty is who issues the certificates: the account of an ACM
// Private CA, or the organisation (else common name) of a bundle's CA
// certificate. The policy layer carries the role's access to it. It runs
// after the role trusts are recorded.
func (a *account) rolesAnywhere(ctx context.Context) {
	type roleRef struct {
		pid, name  string
		sourceArns string // the aws:SourceArn condition, "" when none
		level      findings.Level
	}
	var roles []roleRef
	a.col.mu.Lock()
	for _, t := range a.col.snap.Trusts {
		if t.System == a.sys && t.Kind == findings.TrustAWSRole && t.Attributes["principal"] == rolesAnywhereService {
			r := roleRef{pid: t.PrincipalID, name: t.Attributes["role_name"], level: t.Level}
			for k, v := range t.Conditions {
				if strings.EqualFold(k, "aws:SourceArn") {
					r.sourceArns = v
				}
			}
			roles = append(roles, r)
		}
	}
	a.col.mu.Unlock()

	for _, region := range a.regions {
		client := rolesanywhere.NewFromConfig(a.cfg, func(o *rolesanywhere.Options) { o.Region = region })
		var anchors []ratypes.TrustAnchorDetail
		in := &rolesanywhere.ListTrustAnchorsInput{}
		err := a.s.paginate(func(token *string) (*string, error) {
			in.NextToken = token
			out, err := client.ListTrustAnchors(ctx, in)
			if err != nil {
				return nil, err
			}
			anchors = append(anchors, out.TrustAnchors...)
			return out.NextToken, nil
		})
		if err != nil {
			a.col.gap(a.sys, "trusts/roles_anywhere", classify("rolesanywhere:ListTrustAnchors", region, err), "rolesanywhere:ListTrustAnchors")
		}
		for _, ta := range anchors {
			arn, name := aws.ToString(ta.TrustAnchorArn), aws.ToString(ta.Name)
			cp, kind, attrs := anchorIssuer(ta.Source)
			attrs["trust_anchor_arn"] = arn
			attrs["enabled"] = boolString(aws.ToBool(ta.Enabled))
			attrs["region"] = region
			base := findings.Trust{
				System: a.sys, Kind: findings.TrustAWSRolesAnywhere, Name: "Roles Anywhere trust anchor " + name,
				Counterparty: cp, CounterpartyKind: kind,
			}
			n := 0
			for _, r := range roles {
				if r.sourceArns != "" && !strings.Contains(r.sourceArns, arn) {
					continue
				}
				t := base
				t.ID = findings.ObjectID("trust", a.sys, "roles_anywhere", aws.ToString(ta.TrustAnchorId), r.name)
				t.Name += " → role " + r.name
				t.PrincipalID, t.Level, t.Permissions = r.pid, r.level, []string{r.name}
				t.Attributes = map[string]string{"role_name": r.name}
				for k, v := range attrs {
					t.Attributes[k] = v
				}
				a.col.trust(t)
				n++
			}
			if n == 0 {
				t := base
				t.ID = findings.ObjectID("trust", a.sys, "roles_anywhere", aws.ToString(ta.TrustAnchorId))
				t.Attributes = attrs
				a.col.trust(t)
			}
		}
	}
}

// anchorIssuer names who issues the certificates a trust anchor accepts.
func anchorIssuer(src *ratypes.Source) (string, string, map[string]string) {
	attrs := map[string]string{}
	if src == nil {
		return "unknown", "name", attrs
	}
	attrs["source_type"] = string(src.SourceType)
	switch d := src.SourceData.(type) {
	case *ratypes.SourceDataMemberAcmPcaArn:
		attrs["acm_pca_arn"] = d.Value
		if acct := arnAccount(d.Value); acct != "" {
			return acct, "aws_account", attrs
		}
		return d.Value, "arn", attrs
	case *ratypes.SourceDataMemberX509CertificateData:
		block, _ := pem.Decode([]byte(d.Value))
		if block == nil {
			return "unknown", "name", attrs
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return "unknown", "name", attrs
		}
		attrs["ca_subject"] = cert.Subject.String()
		if len(cert.Subject.Organization) > 0 {
			return cert.Subject.Organization[0], "name", attrs
		}
		return cert.Subject.CommonName, "name", attrs
	}
	return "unknown", "name", attrs
}
