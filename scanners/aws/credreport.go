package aws

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/scanners"
)

// credReport is IAM's credential report, one row per user keyed by user
// name; the root user's row is under "<root_account>".
type credReport map[string]map[string]string

const rootRow = "<root_account>"

// maxReportPolls bounds GenerateCredentialReport polling.
const maxReportPolls = 8

// credentialReport generates (a read-side report generation that AWS
// classes as a read action) and fetches the credential report, polling
// with a bound.
func (a *account) credentialReport(ctx context.Context, client *iam.Client) (credReport, error) {
	for i := 0; ; i++ {
		out, err := client.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
		if err != nil {
			return nil, classify("iam:GenerateCredentialReport", "", err)
		}
		if out.State == iamtypes.ReportStateTypeComplete {
			break
		}
		if i+1 >= maxReportPolls {
			return nil, &callError{Action: "iam:GenerateCredentialReport", Msg: fmt.Sprintf("report still %s after %d polls", out.State, maxReportPolls)}
		}
		if err := a.s.wait(ctx, time.Duration(250<<min(i, 4))*time.Millisecond); err != nil {
			return nil, err
		}
	}
	out, err := client.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	if err != nil {
		return nil, classify("iam:GetCredentialReport", "", err)
	}
	rep, err := parseCredentialReport(out.Content)
	if err != nil {
		return nil, &callError{Action: "iam:GetCredentialReport", Msg: err.Error(), class: scanners.ErrMalformed, err: err}
	}
	return rep, nil
}

// wait sleeps for d or until ctx is done.
func (s *Scanner) wait(ctx context.Context, d time.Duration) error {
	if s.sleep != nil {
		return s.sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// parseCredentialReport parses the CSV by header name, never by position.
func parseCredentialReport(content []byte) (credReport, error) {
	r := csv.NewReader(bytes.NewReader(content))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("credential report CSV: %w", err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("credential report is empty")
	}
	header := rows[0]
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for _, need := range []string{"user", "arn", "mfa_active"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("credential report has no %q column", need)
		}
	}
	rep := credReport{}
	for n, row := range rows[1:] {
		if len(row) != len(header) {
			return nil, fmt.Errorf("credential report line %d has %d fields, the header %d", n+2, len(row), len(header))
		}
		m := make(map[string]string, len(header))
		for h, i := range col {
			m[h] = row[i]
		}
		rep[m["user"]] = m
	}
	return rep, nil
}

// reportTime parses a report timestamp; "N/A", "no_information",
// "not_supported" and empty give nil.
func reportTime(v string) *time.Time {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil
	}
	t = t.UTC()
	return &t
}

// known reports whether a report value states something (including "never").
func known(v string) bool { return v != "no_information" && v != "not_supported" && v != "" }

// reportCredentials turns a report row into credentials, the MFA state,
// whether the user can sign in, and the last activity.
func reportCredentials(row map[string]string) (creds []findings.Credential, mfa findings.MFA, enabled bool, last *time.Time) {
	mfa = findings.MFANone
	if row["mfa_active"] == "true" {
		mfa = findings.MFARegistered
	}
	later := func(t *time.Time) {
		if t != nil && (last == nil || t.After(*last)) {
			last = t
		}
	}
	pw := row["password_enabled"]
	if pw == "true" || (pw == "not_supported" && row["user"] == rootRow) {
		used := reportTime(row["password_last_used"])
		creds = append(creds, findings.Credential{ID: "password", Kind: "password", Active: true,
			Created: reportTime(row["password_last_changed"]), LastUsed: used, LastUsedKnown: known(row["password_last_used"])})
		enabled = true
		later(used)
	}
	for _, k := range []string{"access_key_1", "access_key_2"} {
		rotated := reportTime(row[k+"_last_rotated"])
		active := row[k+"_active"] == "true"
		if rotated == nil && !active {
			continue
		}
		used := reportTime(row[k+"_last_used_date"])
		creds = append(creds, findings.Credential{ID: k, Kind: "access_key", Active: active,
			Created: rotated, LastUsed: used, LastUsedKnown: known(row[k+"_last_used_date"])})
		enabled = enabled || active
		later(used)
	}
	for _, k := range []string{"cert_1", "cert_2"} {
		if row[k+"_active"] != "true" {
			continue
		}
		creds = append(creds, findings.Credential{ID: k, Kind: "certificate", Active: true, Created: reportTime(row[k+"_last_rotated"])})
		enabled = true
	}
	return creds, mfa, enabled, last
}
