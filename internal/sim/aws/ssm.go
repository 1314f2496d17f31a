package awssim

// Systems Manager inventory (JSON 1.1, X-Amz-Target AmazonSSM.*).

var ssmHandlers = map[string]handler{
	"ssm:GetInventory": getInventory,
}

// getInventory answers GetInventory for the caller's managed instances in
// the request's region. It supports ResultAttributes with the type
// AWS:Application (what keyholder asks for); entities without an
// application inventory are left out, as GetInventory does for a type
// filter.
func getInventory(c *call) (response, *apiError) {
	typ := "AWS:Application"
	if ras, ok := c.in["ResultAttributes"].([]any); ok && len(ras) > 0 {
		if m, ok := ras[0].(map[string]any); ok {
			if t, _ := m["TypeName"].(string); t != "" {
				typ = t
			}
		}
	}
	if typ != "AWS:Application" {
		return response{}, errorf(400, "InvalidResultAttributeException", "awssim supports only the AWS:Application result attribute, not %s", typ)
	}
	var insts []*Instance
	if c.acct != nil {
		for i := range c.acct.Instances {
			in := &c.acct.Instances[i]
			if c.f.region(in.Region) == c.region && len(in.Applications) > 0 {
				insts = append(insts, in)
			}
		}
	}
	start, end, next, err := c.paginate(len(insts), c.str("NextToken"), c.num("MaxResults"), 50)
	if err != nil {
		return response{}, err
	}
	ents := []map[string]any{}
	for _, in := range insts[start:end] {
		content := []map[string]string{}
		for _, a := range in.Applications {
			e := map[string]string{"Name": a.Name, "ApplicationType": "", "Architecture": "x86_64", "InstalledTime": "2026-01-15T00:00:00Z"}
			if a.Version != "" {
				e["Version"] = a.Version
			}
			if a.Publisher != "" {
				e["Publisher"] = a.Publisher
			}
			content = append(content, e)
		}
		ents = append(ents, map[string]any{"Id": in.ID, "Data": map[string]any{typ: map[string]any{
			"TypeName": typ, "SchemaVersion": "1.1", "CaptureTime": "2026-11-01T08:00:00Z",
			"ContentHash": id(16, in.ID), "Content": content,
		}}})
	}
	out := map[string]any{"Entities": ents}
	if next != "" {
		out["NextToken"] = next
	}
	return jsonOK(c, out)
}

// IAM Roles Anywhere (REST JSON).

var rolesAnywhereHandlers = map[string]handler{
	"rolesanywhere:ListTrustAnchors": listTrustAnchors,
}

func listTrustAnchors(c *call) (response, *apiError) {
	var anchors []*TrustAnchor
	if c.acct != nil {
		for i := range c.acct.TrustAnchors {
			if ta := &c.acct.TrustAnchors[i]; c.f.region(ta.Region) == c.region {
				anchors = append(anchors, ta)
			}
		}
	}
	start, end, next, err := c.paginate(len(anchors), c.query("nextToken"), c.queryInt("pageSize"), 50)
	if err != nil {
		return response{}, err
	}
	list := []map[string]any{}
	for _, ta := range anchors[start:end] {
		src := map[string]any{"sourceType": "AWS_ACM_PCA", "sourceData": map[string]any{"acmPcaArn": ta.PCAARN}}
		if ta.PCAARN == "" {
			src = map[string]any{"sourceType": "CERTIFICATE_BUNDLE", "sourceData": map[string]any{"x509CertificateData": ta.CertificatePEM}}
		}
		list = append(list, map[string]any{
			"trustAnchorId":  ta.ID,
			"trustAnchorArn": "arn:aws:rolesanywhere:" + c.region + ":" + c.acct.ID + ":trust-anchor/" + ta.ID,
			"name":           ta.Name, "enabled": !ta.Disabled, "source": src,
		})
	}
	out := map[string]any{"trustAnchors": list}
	if next != "" {
		out["nextToken"] = next
	}
	return jsonOK(c, out)
}
