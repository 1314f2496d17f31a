package report

import (
	"cmp"
	"slices"
	"strings"

	"github.com/keyholder/keyholder/findings"
)

// domainsView is the "Domains and internet" section: what the public
// internet says about each domain and office address block (the domains
// scanner) and the worst KH-DNS finding about it.
type domainsView struct {
	Domains   []domainRow
	Addresses []addressRow
}

type domainRow struct {
	Domain      string
	Registrar   string
	Holder      string // reseller and contacts as read, or "redacted"
	DNS         string
	Mail        string
	Expires     string
	Status      string
	StatusClass string
	Why         []string
}

type addressRow struct {
	Address     string
	Block       string
	Holder      string
	Status      string
	StatusClass string
}

// buildDomains returns nil when no domains target ran.
func buildDomains(ix *index) *domainsView {
	sys := map[string]bool{}
	for _, s := range ix.snap.Systems {
		if s.Kind == findings.SystemDomains {
			sys[s.ID] = true
		}
	}
	if len(sys) == 0 {
		return nil
	}
	worst := map[string]findings.Finding{}
	for _, f := range ix.a.Findings {
		if !strings.HasPrefix(f.Check, "KH-DNS-") {
			continue
		}
		for _, s := range f.Subjects {
			if w, ok := worst[s]; !ok || statusRank(f.Status) < statusRank(w.Status) {
				worst[s] = f
			}
		}
	}
	status := func(id string) (label, class string, why []string) {
		f, ok := worst[id]
		if !ok {
			return "—", "", nil
		}
		label, class = statusLabel(f.Status)
		if f.Status != findings.StatusPass {
			why = append(why, clean(f.Check+": "+f.Message))
		}
		return label, class, why
	}
	v := &domainsView{}
	for _, a := range ix.snap.Assets {
		if !sys[a.System] {
			continue
		}
		at := a.Attributes
		switch a.Kind {
		case "domain":
			r := domainRow{Domain: clean(a.Name), Registrar: clean(cmp.Or(at["registrar"], "not read"))}
			var holder []string
			if at["reseller"] != "" {
				holder = append(holder, "reseller "+at["reseller"])
			}
			for _, role := range []string{"registrant", "administrative", "technical"} {
				if at[role] != "" {
					holder = append(holder, role+" "+strings.ReplaceAll(at[role], ",", ", "))
				}
			}
			if len(holder) == 0 && at["registration_read"] == "true" {
				holder = append(holder, "registrant redacted; no reseller named")
			}
			r.Holder = clean(strings.Join(holder, "; "))
			r.DNS = clean(hostList(at["nameservers"]))
			var mail []string
			if at["mx"] != "" {
				mail = append(mail, "MX "+hostList(at["mx"]))
			}
			if at["dmarc_rua"] != "" {
				mail = append(mail, "DMARC reports "+strings.ReplaceAll(at["dmarc_rua"], ",", ", "))
			}
			r.Mail = clean(strings.Join(mail, "; "))
			if a.Renews != nil {
				r.Expires = a.Renews.UTC().Format(isoDate)
			}
			r.Status, r.StatusClass, r.Why = status(a.ID)
			v.Domains = append(v.Domains, r)
		case "ip_block":
			r := addressRow{Address: clean(a.Name), Block: clean(strings.TrimSpace(at["network_name"] + " " + at["range"])),
				Holder: clean(cmp.Or(strings.ReplaceAll(at["holder"], ",", ", "), "not read"))}
			r.Status, r.StatusClass, _ = status(a.ID)
			v.Addresses = append(v.Addresses, r)
		}
	}
	slices.SortFunc(v.Domains, func(a, b domainRow) int { return strings.Compare(a.Domain, b.Domain) })
	slices.SortFunc(v.Addresses, func(a, b addressRow) int { return strings.Compare(a.Address, b.Address) })
	return v
}

// hostList shortens a comma-separated host list for a table cell.
func hostList(s string) string {
	return strings.ReplaceAll(s, ",", ", ")
}
