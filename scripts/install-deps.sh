#!/usr/bin/env bash
# Installs every build and test dependency of Samsa. This is the one place dependencies are listed.
# Idempotent: packages already present are skipped, so `make run` / `make test` stay fast once set up.
set -euo pipefail

APT_PACKAGES=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config clang-14 libclang-rt-14-dev clang-format
  # libraries
  libasio-dev libssl-dev libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev libuv1-dev
  librdkafka-dev prometheus-cpp-dev libcivetweb-dev
  # SASL/GSSAPI: Cyrus SASL with its MIT Kerberos plugin, libkrb5 for the default realm
  libsasl2-dev libsasl2-modules-gssapi-mit libkrb5-dev
  # OAUTHBEARER: fetching the identity provider's JWKS over HTTPS
  libcurl4-openssl-dev ca-certificates
  # systemd: sd_notify (READY, STATUS, WATCHDOG) and systemd-analyze for the unit tests
  libsystemd-dev systemd
  # the Debian package (`make deb`, tests/integration/test_package.py): dpkg-shlibdeps for
  # CPack's dependency list, help2man for the man pages, lintian and man to check the result
  dpkg-dev help2man lintian man-db
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  kcat python3 python3-kafka python3-confluent-kafka nodejs npm
  python3-pytest python3-snappy python3-lz4 python3-zstandard python3-jsonschema python3-yaml
  python3-cryptography
  prometheus
  # the GSSAPI tests' throw-away MIT KDC (krb5kdc, kdb5_util, kadmin.local, kinit)
  krb5-kdc krb5-admin-server krb5-user
)
# cowsql/raft 0.22 from bookworm-backports (Debian main's 0.15 has a Raft safety bug).
BACKPORTS_PACKAGES=(libraft-dev)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${APT_PACKAGES[@]}" "${BACKPORTS_PACKAGES[@]}"; do
  # npm comes with nodesource's nodejs on some machines; accept either.
  if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
  if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then continue; fi
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

raft_ok() {
  dpkg-query -W -f='${Version}' libraft-dev 2>/dev/null | grep -q '^0\.2[2-9]'
}

if [ ${#missing[@]} -gt 0 ] || ! raft_ok; then
  . /etc/os-release
  if [ "${VERSION_CODENAME:-}" = bookworm ] &&
     ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "deb http://deb.debian.org/debian bookworm-backports main" |
      $SUDO tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
  fi
  $SUDO apt-get update -qq
  apt_main=()
  for p in "${missing[@]}"; do
    case " ${BACKPORTS_PACKAGES[*]} " in *" $p "*) ;; *) apt_main+=("$p") ;; esac
  done
  if [ ${#apt_main[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${apt_main[@]}"
  fi
  if ! raft_ok; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      -t bookworm-backports "${BACKPORTS_PACKAGES[@]}"
  fi
fi

# npm packages used by the integration tests (kafkajs), pinned by tests/integration/js/package-lock.json.
if [ -f tests/integration/js/package.json ] && [ ! -d tests/integration/js/node_modules/kafkajs ]; then
  (cd tests/integration/js && npm ci --no-audit --no-fund --silent)
fi
