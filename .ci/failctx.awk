# Prints what each failed test logged: the lines between its "=== RUN" (or
# "=== CONT") line and the next test event, so a failure's message is in the
# CI output even when go test -v printed it far above the "--- FAIL" line.
# Usage: awk -f .ci/failctx.awk test.log test.log
FNR == NR {
  if (match($0, /--- FAIL: [^ ]+/)) {
    name = substr($0, RSTART + 10, RLENGTH - 10)
    failed[name] = 1
  }
  next
}
/^=== (RUN|CONT|PAUSE|NAME) / {
  cur = $3
  printing = (cur in failed)
  if (printing) { shown[cur]++; if (shown[cur] <= 3) print "  " $0 }
  next
}
/^[ \t]*--- (PASS|FAIL|SKIP)/ { printing = 0; next }
/^(ok|FAIL|PASS)([ \t]|$)/ { printing = 0; next }
printing && lines[cur]++ < 80 { print "  " $0 }
