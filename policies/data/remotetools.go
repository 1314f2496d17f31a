package data

import (
	"bytes"
	_ "embed"
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed remote-tools.yaml
var remoteToolsYAML []byte

// RemoteTool is a remote-management or remote-access product.
type RemoteTool struct {
	Product  string   `yaml:"product"`
	Vendor   string   `yaml:"vendor"`
	Patterns []string `yaml:"patterns"`
}

// Catalogue matches inventory application names to remote tools.
type Catalogue struct {
	tools []RemoteTool
	res   [][]*regexp.Regexp
}

// RemoteTools returns the built-in catalogue with extra (users' own
// entries) added; an extra entry with the product name of a built-in one
// replaces it. A pattern that does not compile is an error naming the
// product.
func RemoteTools(extra []RemoteTool) (*Catalogue, error) {
	dec := yaml.NewDecoder(bytes.NewReader(remoteToolsYAML))
	dec.KnownFields(true)
	var doc struct {
		Tools []RemoteTool `yaml:"tools"`
	}
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("data: remote-tools.yaml: %w", err)
	}
	byName := map[string]int{}
	var tools []RemoteTool
	for _, t := range append(doc.Tools, extra...) {
		key := strings.ToLower(strings.TrimSpace(t.Product))
		if i, ok := byName[key]; ok {
			tools[i] = t
			continue
		}
		byName[key] = len(tools)
		tools = append(tools, t)
	}
	c := &Catalogue{tools: tools}
	for _, t := range tools {
		if strings.TrimSpace(t.Product) == "" || len(t.Patterns) == 0 {
			return nil, fmt.Errorf("data: remote tool %q: product and at least one pattern are required", t.Product)
		}
		var res []*regexp.Regexp
		for _, p := range t.Patterns {
			re, err := regexp.Compile("(?i)" + p)
			if err != nil {
				return nil, fmt.Errorf("data: remote tool %s: pattern %q: %w", t.Product, p, err)
			}
			res = append(res, re)
		}
		c.res = append(c.res, res)
	}
	return c, nil
}

// Match returns the product an application name belongs to, the first in
// catalogue order whose pattern matches the trimmed name.
func (c *Catalogue) Match(name string) (RemoteTool, bool) {
	name = strings.TrimSpace(name)
	if name == "" {
		return RemoteTool{}, false
	}
	for i, res := range c.res {
		for _, re := range res {
			if re.MatchString(name) {
				return c.tools[i], true
			}
		}
	}
	return RemoteTool{}, false
}

// Tools returns the catalogue's products in order.
func (c *Catalogue) Tools() []RemoteTool { return append([]RemoteTool(nil), c.tools...) }
