#!/usr/bin/env bash
# Install the Debian packages zonemap needs, if missing:
#   venv    -> python3-venv (Debian splits ensurepip out of python3)
#   browser -> chromium (headless browser tests) and a CJK font for screenshots
# Uses apt-get as root, or sudo when available; otherwise says what to install.
set -euo pipefail

need=()
case "${1:-}" in
  venv)
    python3 -c "import ensurepip, venv" 2>/dev/null || need+=(python3-venv)
    ;;
  browser)
    command -v chromium >/dev/null 2>&1 || need+=(chromium)
    fc-list 2>/dev/null | grep -qiE "wqy|noto sans cjk|droid sans fallback" || need+=(fonts-wqy-zenhei)
    ;;
  *) echo "usage: $0 venv|browser" >&2; exit 2 ;;
esac
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "缺少系统软件包：${need[*]}。请以 root 身份运行：apt-get install -y ${need[*]}" >&2
  echo "Missing Debian packages: ${need[*]} (run as root: apt-get install -y ${need[*]})" >&2
  exit 1
fi
echo "Installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
