# Prints "Name<TAB>reason" for every skipped test in a go test -v log: the
# reason is the last line the test logged before its "--- SKIP" line (what
# t.Skip printed). Usage: awk -f .ci/skipreasons.awk test.log
/^=== (RUN|CONT|NAME) / { cur = $3; next }
/^[ \t]+[^ \t]+\.go:[0-9]+: / {
  line = $0
  sub(/^[ \t]+[^ \t]+\.go:[0-9]+: /, "", line)
  last[cur] = line
  next
}
/^[ \t]*--- SKIP: / {
  name = $3
  printf "%s\t%s\n", name, (name in last ? last[name] : "(no reason given)")
}
