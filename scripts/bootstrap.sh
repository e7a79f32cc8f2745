#!/usr/bin/env bash
# Set up a fresh machine for Compounder: the system libraries Qt needs, then a virtual
# environment in .venv with the project and its test tools. Safe to run again.
#   --tests   also the PostgreSQL server binaries the database tests start a throw-away server with,
#             and CUPS with its PDF printer (cups-pdf) the printing tests start a throw-away scheduler with
set -euo pipefail
cd "$(dirname "$0")/.."
for_tests=false
for argument in "$@"; do
  case "$argument" in
    --tests) for_tests=true ;;
    *) echo "bootstrap: unknown option $argument; the only option is --tests" >&2; exit 2 ;;
  esac
done

# Python 3.11 or newer (PYTHON names another interpreter), said before anything is installed.
python=${PYTHON:-python3}
command -v "$python" >/dev/null 2>&1 || { echo "bootstrap: $python not found; install Python 3.11 or newer (Debian: python3), or set PYTHON" >&2; exit 1; }
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "bootstrap: Compounder needs Python 3.11 or newer; $python is $("$python" --version 2>&1); set PYTHON to a newer one" >&2; exit 1; }

# Debian/Ubuntu packages: Qt's offscreen/xcb platforms and fonts, Xvfb and poppler for
# screenshots and looking at PDFs.
packages=(libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0
          libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
          libxcb-render-util0 libxcb-image0 fonts-dejavu-core xvfb poppler-utils)
# Debian's own Python makes a virtual environment only with python3-venv (ensurepip) installed.
if [ ! -x .venv/bin/python ] && ! "$python" -c "import ensurepip" >/dev/null 2>&1; then
  packages+=(python3-venv)
fi
if command -v dpkg >/dev/null 2>&1; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else sudo="none"; fi
    if [ "$sudo" = none ]; then
      echo "bootstrap: please install these Debian packages first: ${missing[*]}" >&2
      exit 1
    fi
    echo "bootstrap: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# The database tests start their own throw-away PostgreSQL server (tests/pgcluster.py): install
# the Debian server package when its binaries are missing. (pg_config alone proves nothing: it
# comes with libpq-dev and names the server's folder whether or not the server is installed.)
postgres_server() {
  local bindir
  bindir=$(pg_config --bindir 2>/dev/null || true)
  { [ -n "$bindir" ] && [ -x "$bindir/initdb" ]; } || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}
if $for_tests && ! postgres_server; then
  if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "bootstrap: the database tests need the PostgreSQL server; install the Debian package postgresql" >&2
    exit 1
  fi
  echo "bootstrap: installing the PostgreSQL server package for the database tests"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  postgres_server || { echo "bootstrap: the postgresql package installed no server binaries" >&2; exit 1; }
fi

# The printing tests start their own CUPS scheduler with PDF printers (tests/cupsd.py): the
# scheduler, the client commands (lp, lpadmin) and cups-pdf, with its filters and Ghostscript.
cups_for_tests() {
  [ -x /usr/sbin/cupsd ] && command -v lp >/dev/null 2>&1 && command -v lpadmin >/dev/null 2>&1 && [ -f /usr/lib/cups/backend/cups-pdf ]
}
if $for_tests && ! cups_for_tests; then
  if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "bootstrap: the printing tests need CUPS and cups-pdf; install the Debian packages cups-daemon cups-client printer-driver-cups-pdf" >&2
    exit 1
  fi
  echo "bootstrap: installing CUPS and its PDF printer for the printing tests"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends cups-daemon cups-client printer-driver-cups-pdf >/dev/null
  cups_for_tests || { echo "bootstrap: the CUPS packages installed no cupsd, lp or cups-pdf" >&2; exit 1; }
fi

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
quiet() { grep -v "^WARNING: Location" || true; }  # pip's notes about this machine's local indexes
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | quiet
.venv/bin/python -m pip install -q -e '.[test]' 2>&1 | quiet
.venv/bin/python -c "import compounder, PySide6, sqlalchemy, pint, reportlab" \
  || { echo "bootstrap: the environment in .venv is incomplete" >&2; exit 1; }
