package policies

import (
	"strings"
	"time"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/policies/access"
)

// unusable says why a principal cannot log on as of the evaluation time,
// or "" when it can: disabled, deleted, expired (AD accountExpires, judged
// against the as-of time, not only the scanner's flag) or locked out
// (AD lockoutTime, OpenLDAP pwdAccountLockedTime). Only usable accounts
// count as keys the customer holds (KH-KEY-001, KH-KEY-002, KH-KEY-003);
// an unusable provider account still counts as access left behind.
func (st *state) unusable(p *findings.Principal) string {
	if p == nil {
		return ""
	}
	a := p.Attributes
	var why []string
	if !p.Enabled {
		why = append(why, "disabled")
	}
	if isTrue(a["deleted"]) || isTrue(a["is_deleted"]) || a["deleted_date_time"] != "" {
		why = append(why, "deleted")
	}
	if exp, ok := a["account_expires"]; ok && exp != "" {
		if t, err := time.Parse(time.RFC3339, exp); err == nil {
			if !t.After(st.asOf) {
				why = append(why, "expired "+t.UTC().Format(dateLayout))
			}
		} else if isTrue(a["account_expired"]) {
			why = append(why, "expired")
		}
	} else if isTrue(a["account_expired"]) {
		why = append(why, "expired")
	}
	if isTrue(a["locked_out"]) {
		why = append(why, "locked out")
	}
	return strings.Join(why, ", ")
}

// usable reports whether a principal (or a counterparty without one) can
// log on; see unusable.
func (st *state) usable(id string) bool {
	if p := st.principal[id]; p != nil {
		return st.unusable(p) == ""
	}
	return true
}

func isTrue(s string) bool { return strings.EqualFold(strings.TrimSpace(s), "true") }

// sessionPath reports whether a row is reached only by assuming an AWS
// role through a trust that pins sts:ExternalId: the provider holds no
// standing credential, only short-lived sessions it must request
// (KH-SEG-001 accepts it for an allowance without an assignment). It is
// true for a counterparty's row through such a trust, and for a role's
// own row when every trust admitting a provider pins an ExternalId.
func (st *state) sessionPath(r *access.Row) bool {
	if st.extTrust == nil {
		st.extTrust = map[string]bool{}
		st.sessionRole = map[string]bool{}
		bad := map[string]bool{}
		for i := range st.snap.Trusts {
			t := &st.snap.Trusts[i]
			if t.Kind != findings.TrustAWSRole {
				continue
			}
			ext := false
			for k, v := range t.Conditions {
				if strings.EqualFold(k, "sts:ExternalId") && v != "" {
					ext = true
				}
			}
			st.extTrust[t.ID] = ext
			if t.PrincipalID == "" || !st.cls.Owner(t.Counterparty, t.CounterpartyKind).IsProvider() {
				continue
			}
			if ext {
				st.sessionRole[t.PrincipalID] = true
			} else {
				bad[t.PrincipalID] = true
			}
		}
		for id := range bad {
			delete(st.sessionRole, id)
		}
	}
	for _, v := range r.Via {
		if st.extTrust[v] {
			return true
		}
	}
	return st.sessionRole[r.Principal]
}
