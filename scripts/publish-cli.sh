#!/usr/bin/env bash
# Publishes the dataguard CLI the way its linux-x64 tool package ships it (self-contained, one composite ReadyToRun image) into DIR
# and prints the path of its DLL, for the bench scripts: cli="$(bash scripts/publish-cli.sh DIR)".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Stale precompiled assemblies of another ReadyToRun mode (framework-dependent, before 2026-12-01) would be reused and
# abort at start-up next to the composite image: compile afresh.
rm -rf artifacts/obj/DataGuard.Cli/release_linux-x64/R2R
dotnet publish src/DataGuard.Cli -c Release -r linux-x64 -o "$1" --nologo "-clp:ErrorsOnly;NoSummary" -v q >&2
echo "$1/DataGuard.Cli.dll"
