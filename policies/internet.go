package policies

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/keyholder/keyholder/findings"
)

//go:embed data/hosting.yaml
var hostingYAML []byte

type hostingService struct {
	Name     string   `yaml:"name"`
	Kind     string   `yaml:"kind"`
	Suffixes []string `yaml:"suffixes"`
	Patterns []string `yaml:"patterns"`
}

var hosting = sync.OnceValue(func() []hostingService {
	var doc struct {
		Services []hostingService `yaml:"services"`
	}
	if err := yaml.Unmarshal(hostingYAML, &doc); err != nil {
		panic(fmt.Sprintf("policies: data/hosting.yaml: %v", err)) // embedded: a build error
	}
	return doc.Services
})

// HostingService names the hosting service a host name belongs to, or "".
func HostingService(host string) string {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if i := strings.IndexByte(h, '@'); i >= 0 {
		h = h[i+1:]
	}
	for _, s := range hosting() {
		for _, suf := range s.Suffixes {
			if h == suf || strings.HasSuffix(h, "."+suf) {
				return s.Name
			}
		}
		for _, p := range s.Patterns {
			if strings.Contains(h, p) {
				return s.Name
			}
		}
	}
	return ""
}

// internetFields are the asset attributes of the domains scanner whose
// values name someone: each value is attributed like an owner.
var internetFields = []string{
	"reseller", "reseller_email", "registrant", "administrative", "technical", "billing",
	"nameservers", "soa_mname", "soa_rname", "mx", "spf_includes", "dmarc_rua", "dmarc_ruf",
	"autodiscover", "enterpriseenrollment", "holder",
}

// internetEvidence attributes every value the domains scanner read about
// an asset: {field, value, party, party_kind, reason, service}.
func (st *state) internetEvidence(a *findings.Asset) []any {
	out := []any{}
	for _, f := range internetFields {
		v := a.Attributes[f]
		if v == "" {
			continue
		}
		vals := []string{v}
		if f != "reseller" && f != "registrant" && f != "holder" || strings.Contains(v, ",") {
			vals = strings.Split(v, ",")
		}
		slices.Sort(vals)
		for _, val := range slices.Compact(vals) {
			val = strings.TrimSpace(val)
			if val == "" {
				continue
			}
			kind := "name"
			switch {
			case strings.Contains(val, "@"):
				kind = "email"
			case strings.Contains(val, ".") && !strings.Contains(val, " "):
				kind = "domain"
			}
			r := st.cls.Owner(val, kind)
			m := map[string]any{"field": f, "value": val, "service": HostingService(val)}
			partyFields(m, "", r)
			out = append(out, m)
		}
	}
	return out
}
