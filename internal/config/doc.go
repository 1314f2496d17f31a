// Package config reads keyholder.yaml: strict decoding (every unknown key
// is reported with file, line and key path), validation across sections,
// secret references (environment variables and files only, never literal
// values) and a Redactor that scrubs resolved secrets from any text.
//
// Targets are decoded in two steps: this package reads the common keys
// (type, name) and keeps each target's YAML node; the scanner of that type
// decodes the rest with DecodeTarget, so each scanner owns its own section.
//
// It must not talk to any service or resolve secrets on its own: scanners
// resolve the secrets they need, when they need them.
package config
