#!/usr/bin/env bash
# The test corpus of issue 7: every crate Debian packages as librust-*-dev (about 1950 packages, about 1500 crate
# folders), downloaded with `apt-get download` and unpacked into one folder of crate folders, ready for
# `sandcrate import`. Cached under ${SANDCRATE_CACHE:-~/.cache/sandcrate}/debian: a second run with the same apt lists
# downloads and unpacks nothing. Prints the folder on stdout; progress goes to stderr.
#
#   scripts/debian-corpus.sh            ensure the corpus, print its folder
set -euo pipefail
cache="${SANDCRATE_CACHE:-$HOME/.cache/sandcrate}/debian"
debs="$cache/debs"
out="$cache/registry"
mkdir -p "$debs"
exec 9>"$cache/.lock"
flock 9
say() { echo "sandcrate debian corpus: $*" >&2; }
SUDO=; [[ $(id -u) -eq 0 ]] || SUDO=sudo

# "package filename" for the candidate version of every librust-*-dev package in the local apt lists
wanted() {
  apt-cache pkgnames librust- | grep -- '-dev$' | sort | xargs -r apt-cache show --no-all-versions 2>/dev/null \
    | awk '/^Package: /{p=$2} /^Filename: /{n=split($2, a, "/"); print p, a[n]}' | sort -u
}
list=$(wanted)
if [[ -z "$list" ]]; then
  say "no librust-*-dev packages in the apt lists; running apt-get update"
  $SUDO apt-get update -qq
  list=$(wanted)
fi
[[ -n "$list" ]] || { say "apt knows no librust-*-dev packages (is this Debian bookworm with main enabled?)"; exit 1; }

download_missing() {
  local missing
  missing=$(while read -r pkg file; do [[ -f "$debs/$file" ]] || echo "$pkg"; done <<< "$list")
  [[ -z "$missing" ]] && return 0
  say "downloading $(wc -l <<< "$missing") of $(wc -l <<< "$list") packages with apt-get download"
  # root downloads into a folder the _apt sandbox user cannot write: say so instead of warning per file
  (cd "$debs" && xargs -n 200 $SUDO apt-get download -qq -o APT::Sandbox::User=root <<< "$missing" >&2)
}
if ! download_missing; then
  say "a download failed (apt lists older than the mirror?); running apt-get update and trying again"
  $SUDO apt-get update -qq
  list=$(wanted)
  download_missing || { say "apt-get download failed; see the messages above"; exit 1; }
fi

# forget .debs of versions the apt lists no longer name
keep=$(cut -d' ' -f2 <<< "$list" | sort)
(cd "$debs" && comm -23 <(ls | grep '\.deb$' | sort) <(echo "$keep") | xargs -r rm -f)

stamp=$(sha256sum <<< "$keep" | cut -c1-64)
if [[ -f "$out/.stamp" && "$(cat "$out/.stamp")" == "$stamp" ]]; then
  echo "$out"
  exit 0
fi
say "unpacking $(wc -l <<< "$keep") packages"
work=$(mktemp -d "$cache/unpack.XXXXXX")
trap 'rm -rf "$work"' EXIT
for f in "$debs"/*.deb; do dpkg-deb -x "$f" "$work/root"; done
mkdir -p "$work/registry"
# one folder per crate with a Cargo.toml; Debian links some files across packages, so copy links as their targets,
# and drops some files that crates link to (criterion's sub-crate licences), so forget links that lead nowhere
find "$work/root/usr/share/cargo/registry" -xtype l -delete
for c in "$work/root/usr/share/cargo/registry"/*; do
  if [[ -f "$c/Cargo.toml" ]]; then cp -rL "$c" "$work/registry/"; fi
done
echo "$stamp" > "$work/registry/.stamp"
rm -rf "$out"
mv "$work/registry" "$out"
say "$(find "$out" -mindepth 1 -maxdepth 1 -type d | wc -l) crate folders in $out"
echo "$out"
