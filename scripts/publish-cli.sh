#!/usr/bin/env bash
# Publishes the dataguard CLI the way its linux-x64 tool package ships it (native code: Native AOT) into DIR and prints
# the path of the executable, for the bench scripts: cli="$(bash scripts/publish-cli.sh DIR)"; "$cli" --version.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dotnet publish src/DataGuard.Cli -c Release -r linux-x64 -o "$1" --nologo "-clp:ErrorsOnly;NoSummary" -v q >&2
echo "$1/DataGuard.Cli"
