// Package kubernetes holds keyholder's Kubernetes manifests (a CronJob per
// estate running `keyholder review` against a shared PostgreSQL run store,
// and a CronJob writing the fleet page) and the test that decodes them
// strictly into the k8s.io/api types. It has no code of its own.
package kubernetes
