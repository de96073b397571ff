#!/usr/bin/env bash
# Set up everything the app and its tests need, on a fresh machine or an old one.
#
#   scripts/bootstrap.sh [--browser] [--redis] [--nginx] [REQUIREMENTS_FILE]
#
#   REQUIREMENTS_FILE  requirements.txt (default, to run the app) or
#                      requirements-dev.txt (to run the tests)
#   --browser          also make sure Debian's Chromium is there (browser tests)
#   --redis            also make sure redis-server is there (the shared rate-limit test)
#   --nginx            also make sure nginx is there (the scale-out test, tests/test_scale_out.py)
#   PYTHON=/path/to/python3.X  use that interpreter to create .venv (default: python3)
#
# `make run` and `make test` call this every time, so a run where everything is
# already in place must do nothing and take well under a second: each step first
# checks cheaply, and only then acts.
#
# System packages are installed with apt-get when we are root on Debian/Ubuntu
# (a fresh container, CI); anyone else gets a message saying what to install,
# because asking for a sudo password from inside `make` is a bad surprise.
set -euo pipefail

# Work from the repository root, wherever we are called from.
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=.venv
MIN_PYTHON=3.11  # keep in step with python_ok below

die() {  # die FIRST_LINE [MORE_LINES...]
    printf '\nbootstrap: %s\n' "$1" >&2
    shift
    (($#)) && printf '    %s\n' "$@" >&2
    exit 1
}

say() {
    printf 'bootstrap: %s\n' "$*"
}

# ---- arguments -----------------------------------------------------------

want_browser=no
want_redis=no
want_nginx=no
requirements=requirements.txt
for arg in "$@"; do
    case "$arg" in
        --browser) want_browser=yes ;;
        --redis) want_redis=yes ;;
        --nginx) want_nginx=yes ;;
        -h | --help) sed -n '3,11s/^# \{0,1\}//p' "$0"; exit 0 ;;
        -*) die "unknown option: $arg (see scripts/bootstrap.sh --help)" ;;
        *) requirements=$arg ;;
    esac
done
[[ -f $requirements ]] || die "no such requirements file: $requirements"

# ---- Python --------------------------------------------------------------

python=${PYTHON:-python3}
command -v "$python" >/dev/null 2>&1 ||
    die "no '$python' found: this project needs Python >= $MIN_PYTHON." \
        "Install it (Debian/Ubuntu: sudo apt-get install python3 python3-venv;" \
        "Fedora: sudo dnf install python3; macOS: brew install python)," \
        "or point PYTHON at one: PYTHON=/path/to/python3.12 make test"

# Ask the interpreter itself: its name says nothing reliable about its version.
python_ok() {
    "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}
python_ok "$python" ||
    die "$("$python" --version 2>&1) at $(command -v "$python") is too old: need Python >= $MIN_PYTHON." \
        "Install a newer one, or point PYTHON at one: PYTHON=/path/to/python3.12 make test"

# ---- system packages (collected first, so apt-get runs at most once) -------

am_root() { [[ $(id -u) -eq 0 ]]; }
have() { command -v "$1" >/dev/null 2>&1; }

apt_packages=()   # what apt-get would install
manual_steps=()   # what to tell a user we cannot install for

need() {  # need DEBIAN_PACKAGE "how to install it elsewhere"
    apt_packages+=("$1")
    manual_steps+=("$2")
}

# A .venv needs the `venv` module to bring pip along. Debian and Ubuntu ship
# that part (ensurepip) in a separate package, python3.X-venv, and without it
# `python3 -m venv` fails halfway, leaving a .venv with no pip inside.
venv_ready() { [[ -x $VENV/bin/python && -x $VENV/bin/pip ]] && python_ok "$VENV/bin/python"; }
if ! venv_ready && ! "$python" -c 'import ensurepip' 2>/dev/null; then
    pyver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    need "python$pyver-venv" \
        "Python's venv module with ensurepip (Debian/Ubuntu: sudo apt-get install python$pyver-venv)"
fi

# Graphviz's `dot` program lays out and draws every diagram; the Python package
# `graphviz` is only a wrapper that runs it.
if ! have dot; then
    need graphviz \
        "Graphviz's dot program (Debian/Ubuntu: sudo apt-get install graphviz; Fedora: sudo dnf install graphviz; macOS: brew install graphviz)"
fi

# dot sizes each node by measuring its label in a real font. With no usable
# font the sizes are guesses, and diagrams come out different from machine to
# machine. DejaVu Sans (Debian's default) or Liberation Sans will do.
has_sans_font() {
    if have fc-list; then
        # Not `grep -q`: it stops reading at the first match, fc-list then dies of
        # SIGPIPE, and pipefail turns that into "no font".
        fc-list 2>/dev/null | grep -iE 'dejavu ?sans|liberation ?sans' >/dev/null
    else  # fontconfig's tools are not installed yet: look at the files
        compgen -G '/usr/share/fonts/truetype/dejavu/DejaVuSans*' >/dev/null ||
            compgen -G '/usr/share/fonts/truetype/liberation*/LiberationSans*' >/dev/null
    fi
}
if ! has_sans_font; then
    need fonts-dejavu-core \
        "a sans-serif font for dot (Debian/Ubuntu: sudo apt-get install fonts-dejavu-core; Fedora: sudo dnf install dejavu-sans-fonts; macOS: brew install --cask font-dejavu)"
fi

# Hangul for the Korean page (lang=ko): without a Korean font the browser and dot draw boxes.
# fonts-nanum is Korean only (a 10 MB download, 33 MB installed); fonts-noto-cjk would also
# bring Chinese and Japanese (57 MB, 91 MB installed) that nothing here draws. Any font that
# fontconfig says covers Korean will do. (Not `grep -q`: see has_sans_font.)
if ! fc-list :lang=ko 2>/dev/null | grep . >/dev/null && ! compgen -G '/usr/share/fonts/truetype/nanum/*' >/dev/null; then
    need fonts-nanum \
        "a Korean font for the Korean page (Debian/Ubuntu: sudo apt-get install fonts-nanum; Fedora: sudo dnf install naver-nanum-gothic-fonts; macOS: brew install --cask font-nanum-gothic)"
fi

# Browser tests drive Debian's Chromium; only wanted with --browser.
if [[ $want_browser == yes ]] && ! have chromium; then
    need chromium \
        "Chromium for the browser tests (Debian: sudo apt-get install chromium; Ubuntu's chromium is a snap: use Debian's, or set the tests' browser path)"
fi

# The rate limit's shared storage is tested against a real Redis; only wanted with --redis.
if [[ $want_redis == yes ]] && ! have redis-server; then
    need redis-server \
        "Redis for the shared rate-limit test (Debian/Ubuntu: sudo apt-get install redis-server; Fedora: sudo dnf install redis; macOS: brew install redis)"
fi

# The scale-out test puts deploy/nginx.conf in front of two app instances; only wanted with
# --nginx. Debian's nginx-light has every module that file uses. It lives in /usr/sbin.
# The test runs its own, unprivileged, on a free port (where the system allows services,
# installing the package also starts Debian's, on port 80: unused here).
if [[ $want_nginx == yes ]] && ! have nginx && [[ ! -x /usr/sbin/nginx ]]; then
    need nginx-light \
        "nginx for the scale-out test (Debian/Ubuntu: sudo apt-get install nginx-light; Fedora: sudo dnf install nginx; macOS: brew install nginx)"
fi

if ((${#apt_packages[@]})); then
    if am_root && have apt-get; then
        say "installing system packages: ${apt_packages[*]}"
        # noninteractive + -y: CI has no terminal and nobody to answer questions.
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # Use-Pty=0 keeps dpkg's progress bar out of CI logs.
        apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 "${apt_packages[@]}"
    else
        why="you are not root"
        am_root && why="there is no apt-get here"
        msg=("missing system packages, which this script installs only as root on Debian/Ubuntu ($why)." "Please install:")
        for step in "${manual_steps[@]}"; do msg+=("  - $step"); done
        msg+=("On Debian/Ubuntu, all at once: sudo apt-get install ${apt_packages[*]}" "then run this again.")
        die "${msg[@]}"
    fi
fi

# ---- the virtual environment ----------------------------------------------

if ! venv_ready; then
    # Missing, or left half-made or stale (e.g. its Python was removed): start over.
    rm -rf "$VENV"
    say "creating $VENV with $("$python" --version 2>&1)"
    if ! "$python" -m venv "$VENV"; then
        rm -rf "$VENV"
        die "'$python -m venv $VENV' failed (see above)."
    fi
fi

# ---- Python packages --------------------------------------------------------

# Install only when the requirements changed since the last successful install.
# The stamp holds the text of the file and of every file it includes with
# `-r`, so bumping a pin in requirements.txt also refreshes requirements-dev.txt.
requirements_text() {
    local file=$1 dir included
    dir=$(dirname "$file")
    cat "$file"
    sed -n 's/^[[:space:]]*-r[[:space:]]*//p' "$file" | while read -r included; do
        requirements_text "$dir/$included"
    done
}
stamp="$VENV/.installed-$(basename "$requirements")"
if ! requirements_text "$requirements" | cmp -s - "$stamp"; then
    say "installing $requirements into $VENV"
    # The stamp is written only once pip succeeded, so a failed or interrupted
    # install is retried next time.
    rm -f "$stamp"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q \
        -r "$requirements"
    requirements_text "$requirements" >"$stamp"
fi
