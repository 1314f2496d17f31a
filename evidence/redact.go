package evidence

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Redacted replaces a literal secret in a bundled config.
const Redacted = "REDACTED-BY-KEYHOLDER"

// secretKey matches config keys whose value would be a secret itself
// (password, token, client_secret, private_key, ...). Keys ending in _env
// or _file are references (the name of a variable or file) and are kept:
// keyholder configs hold secrets only that way.
var secretKey = regexp.MustCompile(`(?i)(^|[_-])(secret|secrets|password|passwd|passphrase|pwd|token|apikey|api_key|private_key|privatekey|client_secret|access_key|secret_access_key|secret_key|session_token|credential|credentials|pin|pat|key)$`)

// secretValue matches values that are secrets whatever their key: PEM
// private keys and well-known token formats.
var secretValue = regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----|\b(ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{20,}|\bxox[abprs]-[A-Za-z0-9-]{10,}|\bAKIA[0-9A-Z]{16}\b|\bASIA[0-9A-Z]{16}\b|\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.`)

// reference reports whether a key names a secret's source, not the secret.
func reference(key string) bool {
	k := strings.ToLower(key)
	return strings.HasSuffix(k, "_env") || strings.HasSuffix(k, "_file") || strings.HasSuffix(k, "_arn") || strings.HasSuffix(k, "_id") || strings.HasSuffix(k, "_owner") || strings.HasSuffix(k, "_url")
}

// RedactConfig returns the config for a bundle: the original bytes when it
// holds no literal secret, else a copy with every literal secret value
// replaced by Redacted, and the key paths replaced (sorted). known are
// secret values resolved elsewhere (the run's Redactor): any scalar
// containing one is replaced too. A file that is not YAML is an error:
// it is never bundled unread.
func RedactConfig(data []byte, known []string) ([]byte, []string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, fmt.Errorf("config: %w", err)
	}
	var paths []string
	var walk func(n *yaml.Node, path string, secretParent bool)
	walk = func(n *yaml.Node, path string, secretParent bool) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path, secretParent)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				walk(v, p, !reference(k.Value) && secretKey.MatchString(k.Value))
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s[%d]", path, i), secretParent)
			}
		case yaml.AliasNode:
			// The anchor's own node is walked where it is defined.
		case yaml.ScalarNode:
			if n.Tag == "!!null" || n.Value == "" {
				return
			}
			hit := secretParent && n.Tag != "!!bool"
			if !hit && secretValue.MatchString(n.Value) {
				hit = true
			}
			for _, s := range known {
				if len(s) >= 4 && strings.Contains(n.Value, s) {
					hit = true
				}
			}
			if hit {
				n.Value, n.Tag, n.Style = Redacted, "!!str", 0
				paths = append(paths, path)
			}
		}
	}
	walk(&doc, "", false)
	// Comments are free text: a secret pasted into one is replaced too.
	if len(paths) == 0 && !commentHasSecret(&doc, known) {
		return data, nil, nil
	}
	scrubComments(&doc, known, &paths)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, nil, fmt.Errorf("config: %w", err)
	}
	sort.Strings(paths)
	return buf.Bytes(), paths, nil
}

func commentSecret(c string, known []string) bool {
	if secretValue.MatchString(c) {
		return true
	}
	for _, s := range known {
		if len(s) >= 4 && strings.Contains(c, s) {
			return true
		}
	}
	return false
}

func commentHasSecret(n *yaml.Node, known []string) bool {
	if commentSecret(n.HeadComment, known) || commentSecret(n.LineComment, known) || commentSecret(n.FootComment, known) {
		return true
	}
	for _, c := range n.Content {
		if commentHasSecret(c, known) {
			return true
		}
	}
	return false
}

func scrubComments(n *yaml.Node, known []string, paths *[]string) {
	for _, c := range []*string{&n.HeadComment, &n.LineComment, &n.FootComment} {
		if commentSecret(*c, known) {
			*c = "# " + Redacted
			*paths = append(*paths, fmt.Sprintf("(comment at line %d)", n.Line))
		}
	}
	for _, c := range n.Content {
		scrubComments(c, known, paths)
	}
}
