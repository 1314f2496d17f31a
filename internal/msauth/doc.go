// Package msauth is the Microsoft identity sign-in shared by the targets
// that read a Microsoft tenant (scanners/entra through Microsoft Graph,
// scanners/azure through Azure Resource Manager): the auth methods and
// their config keys, the strict validation of the keys both targets share,
// and the azidentity credential each method builds.
//
// The contract:
//
//  1. Config. Auth is the `auth:` mapping of a target, decoded strictly by
//     config.DecodeTarget like the rest of the target. Its secrets are
//     references (secret_env, secret_file, certificate_password_env,
//     token_env, token_file), never literal values. The Check* functions
//     validate one shared key each and report every problem through the
//     caller's Add, which locates it at the target's key (config.TargetProblem);
//     they do no I/O and resolve no secret. Their messages are the ones the
//     targets' documentation and tests name.
//  2. Credential. Credential builds the azidentity credential of the
//     configured method (client secret, certificate, workload identity
//     federation, managed identity, Azure CLI, the default chain, or a
//     static pre-issued token). It is the only place secrets are resolved,
//     each through config.SecretRef.Resolve, so every one is registered with
//     the Redactor before anything can print it. Token requests go through
//     the caller's transport (internal/httpx: its CA file and its single
//     retry layer; azcore's own retries are off).
//  3. Tokens. The credential Credential returns registers every token it
//     hands out with the Redactor, and a failure to get one wraps
//     ErrAuthentication with a redacted message: the target as a whole
//     cannot be scanned.
//
// What stays in each scanner, because it differs in meaning: the clouds
// and their hosts, the API endpoint and its rules, the token scope or
// audience (Graph "<endpoint>/.default" versus the ARM audience), which
// hosts may receive a token, and the scanner-specific keys.
//
// msauth must not import msgraph-sdk-go, kiota or any ARM client module:
// it depends on azcore and azidentity only, so a package that signs in to
// Microsoft does not pull in Graph. It never logs and never writes.
package msauth
