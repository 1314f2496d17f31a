package aws

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/policies/data"
)

// remoteTool is one product of the remote-tools catalogue found on
// instances.
type remoteTool struct {
	product, vendor             string
	names, versions, publishers map[string]bool
	instances                   map[string]bool
}

const maxInstanceNames = 100

const inventoryRemedy = "ssm:GetInventory; without it remote-management agents on the account's instances are not seen"

// collectInventory reads the AWS:Application inventory of the account's
// Systems Manager managed instances (ssm:GetInventory, 50 instances a
// page, per region) and keeps the applications the remote-tools catalogue
// names, one asset per product with its instance count.
func (a *account) collectInventory(ctx context.Context) {
	var extra []data.RemoteTool
	if cfg := a.s.env.Config; cfg != nil {
		for _, t := range cfg.Policy.RemoteTools {
			extra = append(extra, data.RemoteTool{Product: t.Product, Vendor: t.Vendor, Patterns: t.Patterns})
		}
	}
	cat, err := data.RemoteTools(extra)
	if err != nil {
		a.col.gap(a.sys, "inventory/ssm", &callError{Action: "ssm:GetInventory", Msg: err.Error(), err: err}, "fix policy.remote_tools in the config")
		return
	}
	tools := map[string]*remoteTool{}
	complete := true
	for _, region := range a.regions {
		client := ssm.NewFromConfig(a.cfg, func(o *ssm.Options) { o.Region = region })
		in := &ssm.GetInventoryInput{
			MaxResults:       aws.Int32(50),
			ResultAttributes: []ssmtypes.ResultAttribute{{TypeName: aws.String("AWS:Application")}},
		}
		err := a.s.paginate(func(token *string) (*string, error) {
			in.NextToken = token
			out, err := client.GetInventory(ctx, in)
			if err != nil {
				return nil, err
			}
			for _, e := range out.Entities {
				inst := aws.ToString(e.Id)
				item, ok := e.Data["AWS:Application"]
				if !ok {
					continue
				}
				for _, app := range item.Content {
					rt, ok := cat.Match(app["Name"])
					if !ok {
						continue
					}
					t := tools[rt.Product]
					if t == nil {
						t = &remoteTool{product: rt.Product, vendor: rt.Vendor, names: map[string]bool{}, versions: map[string]bool{},
							publishers: map[string]bool{}, instances: map[string]bool{}}
						tools[rt.Product] = t
					}
					t.names[app["Name"]] = true
					if v := app["Version"]; v != "" {
						t.versions[v] = true
					}
					if p := app["Publisher"]; p != "" {
						t.publishers[p] = true
					}
					t.instances[region+"/"+inst] = true
				}
			}
			return out.NextToken, nil
		})
		if err != nil {
			// What earlier regions and pages gave is kept; the gap makes
			// the verdict on this account's agents unknown.
			a.col.gap(a.sys, "inventory/ssm", classify("ssm:GetInventory", region, err), inventoryRemedy)
			complete = false
		}
	}
	if complete {
		// Only a complete read lets "no agent found" mean none.
		a.attr("device_inventory", "ssm")
	}
	for _, p := range slices.Sorted(maps.Keys(tools)) {
		t := tools[p]
		insts := slices.Sorted(maps.Keys(t.instances))
		x := findings.Asset{
			ID:     findings.ObjectID("asset", a.sys, findings.AssetRemoteTool, "ssm", strings.ToLower(strings.ReplaceAll(t.product, " ", "-"))),
			System: a.sys, Kind: findings.AssetRemoteTool, Name: t.product,
			Attributes: map[string]string{
				"source": "ssm", "vendor": t.vendor, "device_count": strconv.Itoa(len(insts)), "devices_known": "true",
				"detected_name": strings.Join(slices.Sorted(maps.Keys(t.names)), "; "),
			},
		}
		if len(t.versions) > 0 {
			x.Attributes["version"] = strings.Join(slices.Sorted(maps.Keys(t.versions)), ", ")
		}
		if len(t.publishers) > 0 {
			x.Attributes["publisher"] = strings.Join(slices.Sorted(maps.Keys(t.publishers)), "; ")
		}
		if len(insts) > maxInstanceNames {
			insts = insts[:maxInstanceNames]
			x.Attributes["devices_truncated"] = "true"
		}
		x.Attributes["devices"] = strings.Join(insts, ", ")
		a.col.asset(x)
	}
}
