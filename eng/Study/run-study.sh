#!/usr/bin/env bash
# The LaMDA settings study in one command, from the repository root:
#   eng/Study/run-study.sh [screen|seeds|relative|longer|final] [more options of Lamda.Study]
# Each finished run is appended to eng/Study/results/results.csv; runs already there are skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
plan="${1:-screen}"
shift || true
dotnet run -c Release --project eng/Study/Study.csproj -- --plan "$plan" "$@"
