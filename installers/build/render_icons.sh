#!/bin/sh
# Renders the app icons electron-builder takes from this folder (its buildResources) from
# icon.svg: icons/NxN.png for Linux, icon.png, and icon.ico for Windows (NSIS and the exe).
# Needs rsvg-convert (Debian: librsvg2-bin) and ImageMagick (imagemagick). The outputs are
# committed; run this again after changing icon.svg.
set -eu
cd "$(dirname "$0")"
for size in 16 24 32 48 64 128 256 512; do
  rsvg-convert --width "$size" --height "$size" --output "icons/${size}x${size}.png" icon.svg
done
cp icons/512x512.png icon.png
/usr/bin/convert icons/16x16.png icons/24x24.png icons/32x32.png icons/48x48.png icons/64x64.png \
  icons/128x128.png icons/256x256.png -strip icon.ico
