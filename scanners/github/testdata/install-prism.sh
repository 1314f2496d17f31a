#!/bin/sh
# install-prism.sh installs the Prism mock server and GitHub's OpenAPI
# description for TestPrism (scanners/github). .ci/run calls it; run it by
# hand to run that test locally. Idempotent: a complete install is reused.
#
# Usage: install-prism.sh [DIR]   (default: $KEYHOLDER_PRISM_DIR or
#                                  <repo>/.cache/prism, which is gitignored)
set -eu

PRISM_VERSION=5.16.0
OPENAPI_VERSION=23.0.2

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
dir=${1:-${KEYHOLDER_PRISM_DIR:-$repo/.cache/prism}}

spec="$dir/node_modules/@octokit/openapi/generated/api.github.com.json"
prism="$dir/node_modules/.bin/prism"
stamp="$dir/.installed-$PRISM_VERSION-$OPENAPI_VERSION"

if [ -f "$stamp" ] && [ -x "$prism" ] && [ -f "$spec" ]; then
	echo "prism: already installed in $dir"
	exit 0
fi

mkdir -p "$dir"
cd "$dir"
[ -f package.json ] || echo '{"name":"keyholder-prism","private":true}' > package.json
npm install --no-audit --no-fund --loglevel=error \
	"@stoplight/prism-cli@$PRISM_VERSION" "@octokit/openapi@$OPENAPI_VERSION"
test -x "$prism"
test -f "$spec"
touch "$stamp"
echo "prism: installed in $dir"
