package msauth

// Auth says how a target obtains a token: the `auth:` mapping of an entra
// or azure target.
type Auth struct {
	// Method is client_secret, certificate, workload_identity,
	// managed_identity, azure_cli, default or token.
	Method   string `yaml:"method"`
	ClientID string `yaml:"client_id"`
	// SecretEnv / SecretFile hold the client secret (client_secret).
	SecretEnv  string `yaml:"secret_env"`
	SecretFile string `yaml:"secret_file"`
	// CertificateFile is a PEM or PKCS#12 file with the certificate and
	// its private key; CertificatePasswordEnv names the variable holding
	// its password, if any.
	CertificateFile        string `yaml:"certificate_file"`
	CertificatePasswordEnv string `yaml:"certificate_password_env"`
	// TokenEnv / TokenFile hold a pre-issued access token (token).
	TokenEnv  string `yaml:"token_env"`
	TokenFile string `yaml:"token_file"`
}

// Methods lists the auth methods in the order the messages name them.
const Methods = "client_secret, certificate, workload_identity, managed_identity, azure_cli, default or token"

// CheckAuth reports what is wrong with a: a missing or unknown method, a
// method without the keys it needs, and keys that only apply to another
// method. It resolves nothing.
func CheckAuth(a Auth, add Add) {
	secretSet := a.SecretEnv != "" || a.SecretFile != ""
	tokenSet := a.TokenEnv != "" || a.TokenFile != ""
	switch a.Method {
	case MethodClientSecret:
		if a.ClientID == "" {
			add("auth.client_id", "client_secret needs auth.client_id")
		}
		if !secretSet {
			add("auth", "client_secret needs auth.secret_env or auth.secret_file")
		}
	case MethodCertificate:
		if a.ClientID == "" {
			add("auth.client_id", "certificate needs auth.client_id")
		}
		if a.CertificateFile == "" {
			add("auth", "certificate needs auth.certificate_file")
		}
	case MethodToken:
		if !tokenSet {
			add("auth", "token needs auth.token_env or auth.token_file")
		}
	case MethodWorkloadIdentity, MethodManagedIdentity, MethodAzureCLI, MethodDefault:
	case "":
		add("auth", "auth.method is required (%s)", Methods)
	default:
		add("auth.method", "unknown auth method %q (want %s)", a.Method, Methods)
	}
	if a.Method != MethodClientSecret && secretSet {
		add("auth", "secret_env/secret_file only apply to method client_secret")
	}
	if a.Method != MethodToken && tokenSet {
		add("auth", "token_env/token_file only apply to method token")
	}
	if a.Method != MethodCertificate && (a.CertificateFile != "" || a.CertificatePasswordEnv != "") {
		add("auth", "certificate_file/certificate_password_env only apply to method certificate")
	}
}

// Auth methods.
const (
	MethodClientSecret     = "client_secret"
	MethodCertificate      = "certificate"
	MethodWorkloadIdentity = "workload_identity"
	MethodManagedIdentity  = "managed_identity"
	MethodAzureCLI         = "azure_cli"
	MethodDefault          = "default"
	MethodToken            = "token"
)
