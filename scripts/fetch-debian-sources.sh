#!/usr/bin/env bash
# fetch-debian-sources.sh DEST - fetches the Debian source packages that the WebAssembly build compiles
# (utf8proc, cJSON, SQLite, zlib) with `apt-get source`, pinned to exact versions and checked against SHA-256 sums,
# and unpacks them with dpkg-source (Debian's patches applied) into DEST/<package>/.
#
# A private apt configuration under DEST/apt holds the deb-src lists, so the system's apt setup is
# not touched. The .dsc files are pinned here; dpkg-source checks every tarball against its .dsc.
# When Debian replaces a pinned version (security updates do), this fails with a message naming the
# pin to update.
set -euo pipefail
dest=${1:?usage: fetch-debian-sources.sh DEST}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

# package  version  sha256-of-dsc
PINS=(
  "utf8proc 2.8.0-1 6ce2b0ab12fe7d0c3fd0a40d4eb886ae82bf6ea356e4db1a0a9f76582947625c"
  "cjson 1.7.15-1+deb12u4 764c2de141d680f4fb4cada30c526dacaa30ead061b9b9c34f2b81e2df0f8439"
  "sqlite3 3.40.1-2+deb12u2 ee3459ae9d00939741c7708fc1b8ce1bde12d8c3fb1dfa005bbbc8651d884e23"
  "zlib 1:1.2.13.dfsg-1 3fa1e6b2fc525062aa88207dda52fed8e045373c809d362fe8a2bfbf7cf515a8"
)

need=0
for pin in "${PINS[@]}"; do
  read -r pkg ver _ <<<"$pin"
  [ -f "$dest/$pkg/.brass-$ver" ] || need=1
done
[ "$need" = 0 ] && exit 0

apt_dir="$dest/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$dest/download"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$apt_dir/sources.list" <<SRC
deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm main
deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm-updates main
deb-src [signed-by=$keyring] http://deb.debian.org/debian-security bookworm-security main
SRC
APT_OPTS=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
  -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
  -o "APT::Sandbox::User=root" -q)
apt-get "${APT_OPTS[@]}" update >/dev/null

for pin in "${PINS[@]}"; do
  read -r pkg ver sum <<<"$pin"
  [ -f "$dest/$pkg/.brass-$ver" ] && continue
  dl="$dest/download/$pkg"
  rm -rf "$dl" "$dest/$pkg"
  mkdir -p "$dl"
  if ! (cd "$dl" && apt-get "${APT_OPTS[@]}" source --download-only "$pkg=$ver" >/dev/null); then
    echo "fetch-debian-sources: $pkg $ver is not available from Debian any more;" \
      "update its pin in scripts/fetch-debian-sources.sh" >&2
    exit 1
  fi
  dsc="$dl/${pkg}_${ver#*:}.dsc"
  got=$(sha256sum "$dsc" | cut -d' ' -f1)
  if [ "$got" != "$sum" ]; then
    echo "fetch-debian-sources: $dsc: SHA-256 $got, expected $sum" >&2
    exit 1
  fi
  # dpkg-source verifies the tarballs against the checksums in the .dsc
  # (the maintainers' signing keys are not installed, so it warns about the signature: the pinned
  # .dsc hash above stands in for it)
  if ! (cd "$dl" && dpkg-source -q --require-strong-checksums -x "$(basename "$dsc")" "$dest/$pkg" \
    >"$dl/dpkg-source.log" 2>&1); then
    cat "$dl/dpkg-source.log" >&2
    echo "fetch-debian-sources: unpacking $pkg $ver failed" >&2
    exit 1
  fi
  touch "$dest/$pkg/.brass-$ver"
  echo "fetch-debian-sources: $pkg $ver ok"
done
