#!/usr/bin/env bash
# Put a built bundle's launcher and icons where a Linux desktop finds them (for this user).
#   bash packaging/install-desktop-entry.sh [BUNDLE_DIR]   (default: dist/compounder)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bundle=$(cd "${1:-$here/../dist/compounder}" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
mkdir -p "$data/applications"
sed "s#^Exec=compounder#Exec=$bundle/compounder#" "$here/compounder.desktop" > "$data/applications/compounder.desktop"
for size in 16 24 32 48 64 128 256 512; do
  mkdir -p "$data/icons/hicolor/${size}x${size}/apps"
  cp "$here/../compounder/icons/compounder-$size.png" "$data/icons/hicolor/${size}x${size}/apps/compounder.png"
done
mkdir -p "$data/icons/hicolor/scalable/apps"
cp "$here/../compounder/icons/compounder.svg" "$data/icons/hicolor/scalable/apps/compounder.svg"
echo "installed $data/applications/compounder.desktop -> $bundle/compounder"
