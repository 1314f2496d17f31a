package azure

import "github.com/keyholder/keyholder/internal/msauth"

// errAuthentication marks a failure to obtain or use a token: the target
// as a whole cannot be scanned. The credential (internal/msauth, the same
// as the entra target's: one app registration can serve both) wraps it.
var errAuthentication = msauth.ErrAuthentication
