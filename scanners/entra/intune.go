package entra

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/devicemanagement"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/policies/data"
)

// intuneData is the remote-management and remote-access software Intune
// detected on managed devices, by product.
type intuneData struct {
	tools map[string]*remoteTool
	// read is true when the detected-apps list was read to its end: the
	// system attribute device_inventory says so, and only then may
	// "no agent found" mean none.
	read bool
}

// remoteTool is one product of the remote-tools catalogue found on
// devices.
type remoteTool struct {
	product, vendor string
	names, versions map[string]bool
	publishers      map[string]bool
	devices         map[string]string // device id -> name
	// reported is the sum of Intune's deviceCount of the product's
	// detected apps, used when the device lists were not read.
	reported    int
	devicesRead bool
}

// maxDeviceNames caps the device names listed per product; the count is
// always exact.
const maxDeviceNames = 100

const intuneRemedy = "DeviceManagementManagedDevices.Read.All and a Microsoft Intune licence; without them remote-management agents on the customer's devices are not seen"

// remoteToolCatalogue is the built-in catalogue plus the config's own
// entries.
func remoteToolCatalogue(cfg *config.Config) (*data.Catalogue, error) {
	var extra []data.RemoteTool
	if cfg != nil {
		for _, t := range cfg.Policy.RemoteTools {
			extra = append(extra, data.RemoteTool{Product: t.Product, Vendor: t.Vendor, Patterns: t.Patterns})
		}
	}
	return data.RemoteTools(extra)
}

// detectedApps lists the applications Intune detected (one paged list),
// keeps those the remote-tools catalogue names, and reads the managed
// devices of each kept app ($batch of 20).
func (r *run) detectedApps(ctx context.Context) {
	r.intune.tools = map[string]*remoteTool{}
	cat, err := remoteToolCatalogue(r.env.Config)
	if err != nil {
		r.gap("inventory/intune", err, "fix policy.remote_tools in the config")
		return
	}
	q := &devicemanagement.DetectedAppsRequestBuilderGetQueryParameters{
		Select: []string{"id", "displayName", "version", "publisher", "platform", "deviceCount"},
	}
	b := r.c.graph.DeviceManagement().DetectedApps()
	type hit struct {
		appID string
		tool  *remoteTool
	}
	var hits []hit
	err = list(ctx, r.c, "Intune detected apps",
		func(ctx context.Context) (models.DetectedAppCollectionResponseable, error) {
			return b.Get(ctx, &devicemanagement.DetectedAppsRequestBuilderGetRequestConfiguration{QueryParameters: q})
		},
		func(ctx context.Context, u string) (models.DetectedAppCollectionResponseable, error) {
			return b.WithUrl(u).Get(ctx, nil)
		},
		func(a models.DetectedAppable) {
			name := str(a.GetDisplayName())
			rt, ok := cat.Match(name)
			if !ok {
				return
			}
			t := r.intune.tools[rt.Product]
			if t == nil {
				t = &remoteTool{product: rt.Product, vendor: rt.Vendor, names: map[string]bool{}, versions: map[string]bool{},
					publishers: map[string]bool{}, devices: map[string]string{}, devicesRead: true}
				r.intune.tools[rt.Product] = t
			}
			t.names[name] = true
			if v := str(a.GetVersion()); v != "" {
				t.versions[v] = true
			}
			if p := str(a.GetPublisher()); p != "" {
				t.publishers[p] = true
			}
			if n := a.GetDeviceCount(); n != nil {
				t.reported += int(*n)
			}
			hits = append(hits, hit{str(a.GetId()), t})
		})
	if err != nil {
		r.intune.tools = nil
		r.gap("inventory/intune", err, intuneRemedy)
		return
	}
	r.intune.read = true
	if len(hits) == 0 {
		return
	}
	sel := &devicemanagement.DetectedAppsItemManagedDevicesRequestBuilderGetQueryParameters{
		Select: []string{"id", "deviceName", "userPrincipalName", "operatingSystem"},
	}
	var urls []string
	for _, h := range hits {
		ri, err := b.ByDetectedAppId(h.appID).ManagedDevices().ToGetRequestInformation(ctx,
			&devicemanagement.DetectedAppsItemManagedDevicesRequestBuilderGetRequestConfiguration{QueryParameters: sel})
		var u string
		if err == nil {
			u, err = r.c.relative(ri)
		}
		if err != nil {
			r.gap("inventory/intune", fmt.Errorf("entra: Intune managed devices: %w", err), intuneRemedy)
			return
		}
		urls = append(urls, u)
	}
	var failed []string
	var firstErr error
	for i, res := range r.c.batchGet(ctx, "Intune managed devices", urls) {
		h := hits[i]
		if res.err == nil {
			var first models.ManagedDeviceCollectionResponseable
			first, res.err = parse[models.ManagedDeviceCollectionResponseable](r.c, res.body, models.CreateManagedDeviceCollectionResponseFromDiscriminatorValue)
			if res.err == nil {
				mb := b.ByDetectedAppId(h.appID).ManagedDevices()
				res.err = list(ctx, r.c, "Intune managed devices",
					func(context.Context) (models.ManagedDeviceCollectionResponseable, error) { return first, nil },
					func(ctx context.Context, u string) (models.ManagedDeviceCollectionResponseable, error) {
						return mb.WithUrl(u).Get(ctx, nil)
					},
					func(d models.ManagedDeviceable) {
						h.tool.devices[str(d.GetId())] = nonEmpty(str(d.GetDeviceName()), str(d.GetId()))
					})
			}
		}
		if res.err != nil {
			h.tool.devicesRead = false
			failed = append(failed, h.appID)
			if firstErr == nil {
				firstErr = res.err
			}
		}
	}
	if firstErr != nil {
		r.gap("inventory/intune_devices", fmt.Errorf("devices of %d of %d remote-tool apps not read (%v); their counts are Intune's deviceCount: %w", len(failed), len(hits), failed, firstErr), intuneRemedy)
	}
}

// remoteToolFacts returns one asset per remote-tool product found.
func (r *run) remoteToolFacts() []findings.Asset {
	var out []findings.Asset
	for _, p := range slices.Sorted(maps.Keys(r.intune.tools)) {
		t := r.intune.tools[p]
		out = append(out, remoteToolAsset(r.sys, "intune", t))
	}
	return out
}

func remoteToolAsset(sys, source string, t *remoteTool) findings.Asset {
	count := len(t.devices)
	if !t.devicesRead {
		count = max(count, t.reported)
	}
	names := slices.Sorted(maps.Values(t.devices))
	names = slices.Compact(names)
	a := findings.Asset{
		ID:     findings.ObjectID("asset", sys, findings.AssetRemoteTool, source, strings.ToLower(strings.ReplaceAll(t.product, " ", "-"))),
		System: sys, Kind: findings.AssetRemoteTool, Name: t.product,
		Attributes: map[string]string{
			"source": source, "vendor": t.vendor, "device_count": strconv.Itoa(count),
			"detected_name": strings.Join(slices.Sorted(maps.Keys(t.names)), "; "),
			"devices_known": boolStr(t.devicesRead),
		},
	}
	if len(t.versions) > 0 {
		a.Attributes["version"] = strings.Join(slices.Sorted(maps.Keys(t.versions)), ", ")
	}
	if len(t.publishers) > 0 {
		a.Attributes["publisher"] = strings.Join(slices.Sorted(maps.Keys(t.publishers)), "; ")
	}
	if len(names) > maxDeviceNames {
		names = names[:maxDeviceNames]
		a.Attributes["devices_truncated"] = "true"
	}
	if len(names) > 0 {
		a.Attributes["devices"] = strings.Join(names, ", ")
	}
	return a
}
