#!/bin/sh
# Installs the real directory servers the scanners/ldap tests start:
# OpenLDAP slapd (+ ldap-utils) and Samba AD DC (+ ldb-tools). Debian/Ubuntu,
# run as root. Nothing is started: policy-rc.d keeps apt from launching the
# system services; the tests run their own throwaway instances on loopback.
set -eu
need=""
command -v slapd >/dev/null 2>&1 || [ -x /usr/sbin/slapd ] || need="$need slapd"
command -v ldapmodify >/dev/null 2>&1 || need="$need ldap-utils"
command -v samba-tool >/dev/null 2>&1 || need="$need samba-ad-dc samba-ad-provision samba-dsdb-modules samba-vfs-modules"
command -v ldbadd >/dev/null 2>&1 || need="$need ldb-tools"
[ -z "$need" ] && exit 0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y -qq --no-install-recommends $need >/dev/null
