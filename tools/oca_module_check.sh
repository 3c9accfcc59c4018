#!/usr/bin/env bash
# Run the OCA module checks on this add-on.  They look for the module's
# __manifest__.py below the repository root, but here the root *is* the
# module, so check a copy of the tracked files named after the module.
set -euo pipefail
root=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/service_entitlement"
(cd "$root" && git ls-files -z --cached --others --exclude-standard \
    | xargs -0 -I{} cp --parents {} "$work/service_entitlement/" 2>/dev/null || true)
cd "$work"
# README.md is what our users and the wheel read.
oca-checks-odoo-module --disable=prefer-readme-rst "$@" service_entitlement/__manifest__.py
