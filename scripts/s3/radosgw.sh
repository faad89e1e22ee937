#!/usr/bin/env bash
# Starts and stops a throwaway single-node Ceph cluster (mon, mgr, one memstore OSD, radosgw) on loopback,
# an S3 endpoint for the integration tests. Test use only: cephx keys are fresh per run, data lives in memory.
#
#   scripts/s3/radosgw.sh start      installs what is missing (install.sh), starts everything in a new temp
#                                    dir, prints `dir=`, `endpoint=`, `access_key_id=`, `secret_access_key=`
#                                    lines on stdout (progress goes to stderr) and exits; the daemons keep
#                                    running until `stop`, or until the owner process exits (a watchdog:
#                                    env RADOSGW_OWNER_PID, default the caller of this script).
#   scripts/s3/radosgw.sh stop DIR   kills the daemons of that run (SIGKILL) and removes DIR.
#
# env RADOSGW_START_TIMEOUT_S (default 120): each wait longer than this fails with the daemon's log tail.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TIMEOUT_S="${RADOSGW_START_TIMEOUT_S:-120}"

log() { echo "radosgw.sh: $*" >&2; }

# True while the process exists and is not a zombie: the daemons are re-parented when this script exits, and
# a zombie still answers `kill -0` until whoever adopted it reaps it.
is_running() {
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# Waits up to $1 tenths of a second for every pid in the rest of the arguments to be gone.
wait_gone() {
  local tenths="$1" pid alive
  shift
  for _ in $(seq "$tenths"); do
    alive=0
    for pid in "$@"; do is_running "$pid" && alive=1; done
    [ "$alive" -eq 0 ] && return 0
    sleep 0.1
  done
  return 1
}

stop_dir() {
  local dir="$1" pid pids=()
  for f in "$dir"/run/*.pid; do
    [ -f "$f" ] || continue
    pid="$(cat "$f")"
    # Only our daemons: a pid file left from long ago may name a recycled pid.
    if [ -n "$pid" ] && is_running "$pid" && grep -qE '^(ceph-|radosgw)' "/proc/$pid/cmdline" 2>/dev/null; then
      pids+=("$pid")
    fi
  done
  # SIGKILL straight away: the cluster keeps nothing worth flushing (memstore, temp dir), and radosgw
  # takes about 10 s to exit on SIGTERM. Then wait until the daemons are really gone, so that their
  # ports are free when stop returns.
  if [ "${#pids[@]}" -gt 0 ]; then
    kill -KILL "${pids[@]}" 2>/dev/null || true
    wait_gone 100 "${pids[@]}" || log "some daemons of $dir survived SIGKILL: ${pids[*]}"
  fi
  rm -rf "$dir"
}

if [ "${1:-}" = "stop" ]; then
  [ -n "${2:-}" ] || { echo "usage: $0 stop DIR" >&2; exit 2; }
  # stop removes DIR: refuse anything that is not a directory this script made.
  case "$(basename "$2")" in
    tally-radosgw.*) ;;
    *) echo "radosgw.sh: refusing to stop $2 (not a tally-radosgw.* directory)" >&2; exit 2 ;;
  esac
  stop_dir "$2"
  exit 0
fi
if [ "${1:-}" != "start" ]; then
  echo "usage: $0 start | stop DIR" >&2
  exit 2
fi

bash "$HERE/install.sh"

OWNER_PID="${RADOSGW_OWNER_PID:-$PPID}"
DIR="$(mktemp -d "${TMPDIR:-/tmp}/tally-radosgw.XXXXXX")"
mkdir -p "$DIR"/{run,log,mon,mgr,osd/ceph-0,crash}
export CEPH_CONF="$DIR/ceph.conf"
KEYRING="$DIR/keyring"
STARTED_AT=$SECONDS

# Anything failing before the end takes the half-started cluster down with it.
trap 'status=$?; if [ "$status" -ne 0 ]; then stop_dir "$DIR"; fi' EXIT

# Fails loudly: what did not come up, then the tail of the daemon's log and of its stdout/stderr.
fail() {
  local what="$1" name="${2:-}" f
  log "FAILED: $what (after $((SECONDS - STARTED_AT)) s)"
  if [ -n "$name" ]; then
    for f in "$DIR/log/$name.log" "$DIR/log/$name.out"; do
      [ -s "$f" ] || continue
      log "last lines of $f:"
      tail -n 40 "$f" >&2
    done
  fi
  exit 1
}

# Polls `cmd` every 0.25 s until it succeeds, while the daemon `name` runs; fails with the log tail when the
# daemon exits or after TIMEOUT_S.
wait_for() {
  local what="$1" name="$2"
  shift 2
  local deadline=$((SECONDS + TIMEOUT_S))
  until "$@" >/dev/null 2>&1; do
    is_running "$(cat "$DIR/run/$name.pid")" || fail "$name exited while waiting for $what" "$name"
    [ "$SECONDS" -lt "$deadline" ] || fail "$what not within ${TIMEOUT_S} s" "$name"
    sleep 0.25
  done
}

# The ceph CLI waits minutes for an unreachable mon by default.
ceph_cli() { timeout 30 ceph --connect-timeout 10 "$@"; }

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Runs a daemon in the foreground of its own session (so a Ctrl-C in the caller's terminal leaves it to
# stop/the watchdog), output to its log, and records its pid for stop.
start_daemon() {
  local name="$1"
  shift
  setsid "$@" -f </dev/null >>"$DIR/log/$name.out" 2>&1 &
  echo $! >"$DIR/run/$name.pid"
  disown $!  # no "Killed" job notices from bash when stop kills it
}

alive_or_fail() {
  is_running "$(cat "$DIR/run/$1.pid")" || fail "$1 exited" "$1"
}

MON_PORT="$(free_port)"
RGW_PORT="$(free_port)"
while [ "$RGW_PORT" = "$MON_PORT" ]; do RGW_PORT="$(free_port)"; done
FSID="$(uuidgen)"
OSD_UUID="$(uuidgen)"
ACCESS_KEY="tally$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
SECRET_KEY="$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')"

# ceph expands $name, $id and $cluster itself, hence the quoted heredoc and the sed for our own values.
sed -e "s|@DIR@|$DIR|g" -e "s|@FSID@|$FSID|g" -e "s|@MON_PORT@|$MON_PORT|g" -e "s|@RGW_PORT@|$RGW_PORT|g" \
  >"$CEPH_CONF" <<'EOF'
[global]
fsid = @FSID@
mon host = v2:127.0.0.1:@MON_PORT@
public network = 127.0.0.0/8
ms bind ipv6 = false
# cephx: with `auth ... = none` radosgw cannot authenticate to the mon and hangs.
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = @DIR@/keyring
run dir = @DIR@/run
admin socket = @DIR@/run/$name.asok
log file = @DIR@/log/$name.log
crash dir = @DIR@/crash
mon data = @DIR@/mon/$cluster-$id
mgr data = @DIR@/mgr/$cluster-$id
osd data = @DIR@/osd/$cluster-$id
# One OSD: pools of size 1, placement on OSDs rather than hosts, a few PGs each, no autoscaler.
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
osd pool default pg autoscale mode = off
osd pool default pg num = 8
osd pool default pgp num = 8
# In memory: nothing to clean up on disk, 1 GiB at most.
osd objectstore = memstore
memstore device bytes = 1073741824
# A nearly full /tmp must not stop a throwaway mon.
mon data avail warn = 1
mon data avail crit = 0
# Commit mon map changes at once instead of every second: radosgw creates its pools one by one at its
# first start, each waiting for a new OSD map (13 s to ready with the defaults, 4 s with these).
paxos propose interval = 0.1
paxos min wait = 0.01

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:@RGW_PORT@
rgw data = @DIR@/rgw
EOF

log "starting in $DIR (mon :$MON_PORT, rgw :$RGW_PORT)"

# Watchdog: takes the cluster down when the owner (the test process) dies without calling stop. It exits by
# itself once stop has removed DIR.
setsid bash -c '
  while kill -0 "$1" 2>/dev/null && [ -d "$2" ]; do sleep 1; done
  [ -d "$2" ] && exec bash "$3" stop "$2"
' radosgw-watchdog "$OWNER_PID" "$DIR" "$HERE/radosgw.sh" </dev/null >/dev/null 2>&1 &

# Every key goes into one keyring that the mon imports at mkfs, so no `auth add` round trips are needed.
ceph-authtool --create-keyring "$KEYRING" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$KEYRING" --gen-key -n client.admin \
  --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' --cap mds 'allow *' >/dev/null
ceph-authtool "$KEYRING" --gen-key -n mgr.a --cap mon 'allow profile mgr' --cap osd 'allow *' --cap mds 'allow *' >/dev/null
ceph-authtool "$KEYRING" --gen-key -n osd.0 --cap mon 'allow profile osd' --cap mgr 'allow profile osd' --cap osd 'allow *' >/dev/null
ceph-authtool "$KEYRING" --gen-key -n client.rgw.a --cap mon 'allow rw' --cap osd 'allow rwx' --cap mgr 'allow rw' >/dev/null

monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$DIR/monmap" >/dev/null
ceph-mon --mkfs -i a --monmap "$DIR/monmap" --keyring "$KEYRING" >>"$DIR/log/mon.a.out" 2>&1 ||
  fail "ceph-mon --mkfs" mon.a
start_daemon mon.a ceph-mon -i a
wait_for "the mon answering" mon.a timeout 5 ceph --connect-timeout 2 mon stat
log "mon up after $((SECONDS - STARTED_AT)) s"

start_daemon mgr.a ceph-mgr -i a

OSD_ID="$(ceph_cli osd create "$OSD_UUID")"
[ "$OSD_ID" = 0 ] || fail "expected osd id 0, got $OSD_ID"
ceph-osd -i 0 --mkfs --osd-uuid "$OSD_UUID" >>"$DIR/log/osd.0.out" 2>&1 || fail "ceph-osd --mkfs" osd.0
start_daemon osd.0 ceph-osd -i 0
osd_up() { ceph_cli osd stat --format json | grep -q '"num_up_osds":1'; }
wait_for "the OSD coming up" osd.0 osd_up
log "osd up after $((SECONDS - STARTED_AT)) s"

start_daemon client.rgw.a radosgw -n client.rgw.a
wait_for "radosgw listening on :$RGW_PORT" client.rgw.a port_open "$RGW_PORT"
alive_or_fail mgr.a
timeout 60 radosgw-admin user create --uid=tally-test --display-name="tally test" \
  --access-key="$ACCESS_KEY" --secret="$SECRET_KEY" >/dev/null 2>>"$DIR/log/radosgw-admin.out" ||
  fail "radosgw-admin user create" radosgw-admin
log "radosgw ready after $((SECONDS - STARTED_AT)) s"

echo "dir=$DIR"
echo "endpoint=http://127.0.0.1:$RGW_PORT"
echo "access_key_id=$ACCESS_KEY"
echo "secret_access_key=$SECRET_KEY"
