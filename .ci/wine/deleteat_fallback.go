// Added to internal/syscall/windows by -overlay for test runs under Wine
// only (see go_windows_amd64_exec and .ci/wine/README.md). Wine 8.0 answers
// NtSetInformationFile(FileDispositionInformationEx) with
// STATUS_NOT_IMPLEMENTED, which Go's Deleteat does not treat as "fall back
// to FileDispositionInfo" (it does for the statuses older Windows versions
// return), so os.RemoveAll and t.TempDir's cleanup fail under Wine with
// "Invalid function". This switches Deleteat to the fallback that Go uses on
// Windows versions before 10 1607. Never part of a keyholder build.

package windows

func init() { TestDeleteatFallback = true }
