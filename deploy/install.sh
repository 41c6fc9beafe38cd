#!/usr/bin/env bash
# Installs a built `amexist` into a prefix:
#   PREFIX/bin/amexist                          the program
#   PREFIX/share/amexist/resources/             the server's templates, stylesheet, OpenAPI document
#   PREFIX/share/doc/amexist/                   README, LICENSE, the example configuration
#   PREFIX/share/man/man1/amexist*.1            the manual pages (when generated, see README)
#   PREFIX/share/{bash-completion,zsh,fish}/…   shell completions
#   PREFIX/lib/systemd/system/amexist.service   the hardened unit, its paths set to this install
#   SYSCONFDIR/amexist/amexist.json             the configuration (kept if it exists)
#   STATEDIR/amexist/{registry,keys}            data (0750) and keys (0700), owned by the service user
#
# Usage: deploy/install.sh [--prefix DIR] [--sysconfdir DIR] [--statedir DIR] [--build DIR]
#                          [--user NAME]
# Defaults: --prefix /usr/local, --sysconfdir /etc, --statedir /var/lib, --build .build/release.
# As root with --user (default amexist when root), the user is created if missing and owns
# the state folders; otherwise they belong to whoever runs the script.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=/usr/local sysconfdir="" statedir="" build=.build/release user=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --sysconfdir) sysconfdir=$2; shift 2 ;;
    --statedir) statedir=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --user) user=$2; shift 2 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$sysconfdir" ] || { [ "$prefix" = /usr/local ] || [ "$prefix" = /usr ] && sysconfdir=/etc || sysconfdir=$prefix/etc; }
[ -n "$statedir" ] || { [ "$prefix" = /usr/local ] || [ "$prefix" = /usr ] && statedir=/var/lib || statedir=$prefix/var/lib; }
[ "$(id -u)" = 0 ] && [ -z "$user" ] && user=amexist

binary=$build/amexist
resources=$build/amexist_RegistryServer.resources/Resources
[ -x "$binary" ] || { echo "install.sh: $binary is missing: run swift build -c release --product amexist first" >&2; exit 1; }
[ -f "$resources/templates/layout.mustache" ] || { echo "install.sh: $resources is missing" >&2; exit 1; }

install -d -m 0755 "$prefix/bin" "$prefix/share/amexist" "$prefix/share/doc/amexist" \
  "$prefix/lib/systemd/system" "$prefix/share/bash-completion/completions" \
  "$prefix/share/zsh/site-functions" "$prefix/share/fish/vendor_completions.d"
install -m 0755 "$binary" "$prefix/bin/amexist"
rm -rf "$prefix/share/amexist/resources"
cp -R "$resources" "$prefix/share/amexist/resources"
chmod -R u=rwX,go=rX "$prefix/share/amexist/resources"
install -m 0644 README.md LICENSE deploy/amexist.json "$prefix/share/doc/amexist/"
"$prefix/bin/amexist" --generate-completion-script bash > "$prefix/share/bash-completion/completions/amexist"
"$prefix/bin/amexist" --generate-completion-script zsh > "$prefix/share/zsh/site-functions/_amexist"
"$prefix/bin/amexist" --generate-completion-script fish > "$prefix/share/fish/vendor_completions.d/amexist.fish"
if ls .build/plugins/GenerateManual/outputs/amexist/*.1 >/dev/null 2>&1; then
  install -d -m 0755 "$prefix/share/man/man1"
  install -m 0644 .build/plugins/GenerateManual/outputs/amexist/*.1 "$prefix/share/man/man1/"
fi

# The unit and the configuration name this install's paths.
sed -e "s#/usr/local/bin/amexist#$prefix/bin/amexist#g" \
    -e "s#/etc/amexist/amexist.json#$sysconfdir/amexist/amexist.json#g" \
    -e "s#/var/lib/amexist#$statedir/amexist#g" \
    -e "s#/usr/local/share/doc/amexist#$prefix/share/doc/amexist#g" \
    ${user:+-e "s#^User=amexist#User=$user#" -e "s#^Group=amexist#Group=$user#"} \
    deploy/amexist.service > "$prefix/lib/systemd/system/amexist.service"
chmod 0644 "$prefix/lib/systemd/system/amexist.service"

install -d -m 0755 "$sysconfdir/amexist"
if [ ! -e "$sysconfdir/amexist/amexist.json" ]; then
  sed -e "s#/var/lib/amexist#$statedir/amexist#g" deploy/amexist.json > "$sysconfdir/amexist/amexist.json"
  chmod 0640 "$sysconfdir/amexist/amexist.json"
fi

install -d -m 0750 "$statedir/amexist" "$statedir/amexist/registry"
install -d -m 0700 "$statedir/amexist/keys"
if [ -n "$user" ]; then
  id -u "$user" >/dev/null 2>&1 || useradd --system --no-create-home --home-dir "$statedir/amexist" \
    --shell /usr/sbin/nologin "$user"
  chown -R "$user:$user" "$statedir/amexist"
  chgrp "$user" "$sysconfdir/amexist/amexist.json"
fi

echo "Installed amexist in $prefix (configuration $sysconfdir/amexist/amexist.json, data $statedir/amexist)."
echo "Next: AMEXIST_CONFIG=$sysconfdir/amexist/amexist.json $prefix/bin/amexist init --issuer https://… (as ${user:-$(id -un)}),"
echo "then systemctl enable --now amexist (after linking $prefix/lib/systemd/system/amexist.service)."
