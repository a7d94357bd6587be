#!/usr/bin/env bash
# tests/cluster/test_slurm.sh - a sharded `hta eval` through a real Slurm:
# the test starts a one-node cluster on localhost (Debian's slurm-wlm and
# munge: munged, slurmctld and slurmd as its own background processes, every
# file in a temp folder, free ports), runs tools/cluster/hta-cluster on it,
# and compares the merged result with a local run of the whole set:
#   60 Fashion-MNIST images in 3 shards on cpu, 12 in 3 shards on sim
#   (cycles included), a task that fails (named, with its log tail), a wait
#   that runs out (the job is cancelled), and hta-cluster without sbatch.
# Skipped (with the daemons' logs) only when the daemons cannot start.
# Every wait is bounded; every daemon it started is stopped on exit.
# Run from the repository root; prints PASS/FAIL lines and "N passed, N failed".
set -uo pipefail
HTA=${HTA:-build/hta}
CLUSTER=tools/cluster/hta-cluster
# absolute, as hta-cluster passes it to the nodes (the JSON names the model)
MODEL=$PWD/models/fmnist_float_int8.hta
source tests/support/check.sh

tmp=$(mktemp -d /tmp/hta-slurm-XXXXXX)
pids=()
stop_daemons() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for _ in $(seq 50); do # up to 10 s, then KILL
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.2
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  pids=()
}
trap 'stop_daemons; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

skip_all() {
  echo "SKIP slurm: $1"
  local f
  for f in "$tmp"/log/*; do
    [[ -s $f ]] && { echo "--- $f (last lines)"; tail -n 20 "$f"; }
  done
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
}

for t in munged slurmctld slurmd sbatch squeue scontrol scancel sinfo; do
  command -v "$t" >/dev/null ||
    skip_all "$t not installed (Debian's slurm-wlm and munge: make deps)"
done
[[ -x $HTA && -f $MODEL ]] || { fail "setup" "$HTA or $MODEL missing (make build/hta)"; summary; exit 1; }

# ---- a one-node Slurm on localhost ----
mkdir -p "$tmp"/{munge,state,spool,log,run}
chmod 700 "$tmp/munge"
head -c 1024 /dev/urandom >"$tmp/munge/munge.key"
chmod 400 "$tmp/munge/munge.key"
munged -F --force --socket="$tmp/munge/sock" --key-file="$tmp/munge/munge.key" \
  --pid-file="$tmp/munge/pid" --seed-file="$tmp/munge/seed" --log-file="$tmp/log/munged.log" \
  >"$tmp/log/munged.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [[ -S $tmp/munge/sock ]] && break; sleep 0.2; done
[[ -S $tmp/munge/sock ]] || skip_all "munged did not create its socket within 10 s"

# two free TCP ports for slurmctld and slurmd
read -r port_ctld port_d < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
user=$(id -un)
export SLURM_CONF=$tmp/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=htatest
SlurmctldHost=localhost
SlurmctldPort=$port_ctld
SlurmdPort=$port_d
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/sock
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/run/slurmctld.pid
SlurmdPidFile=$tmp/run/slurmd.pid
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=hta Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -f "$SLURM_CONF" >"$tmp/log/slurmctld.log" 2>&1 &
pids+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" >"$tmp/log/slurmd.log" 2>&1 &
pids+=($!)
node=
for _ in $(seq 60); do # up to 30 s for the node to come up idle
  node=$(sinfo -h -n localhost -o %T 2>/dev/null)
  [[ $node == idle ]] && break
  sleep 0.5
done
[[ $node == idle ]] ||
  skip_all "slurmctld and slurmd did not bring node localhost up within 30 s (state '${node:-none}'; running as $user)"
pass "one-node Slurm up (munged, slurmctld, slurmd on localhost, ports $port_ctld/$port_d)"

# ---- the merged result of N shards equals one local run ----
# compare DEVICE LIMIT SHARDS: every field but wall time must be equal
compare() {
  local device=$1 limit=$2 shards=$3 name="$1: $3 shards of $2 images through Slurm equal one run"
  local d=$tmp/$device
  timeout 300 "$HTA" eval --device "$device" --model "$MODEL" --dataset fashion-mnist \
    --limit "$limit" --json >"$d.local" 2>"$d.local.err"
  local st_l=$?
  timeout 600 bash "$CLUSTER" --hta "$HTA" --shards "$shards" --model "$MODEL" \
    --dataset fashion-mnist --device "$device" --eval-opt --limit --eval-opt "$limit" --json \
    --out "$d.parts" --poll-s 1 --wait-s 500 >"$d.merged" 2>"$d.err"
  local st_c=$?
  local cmp
  cmp=$(python3 - "$d.local" "$d.merged" "$limit" 2>&1 <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
skip = {"wall_s"}
ka = {k for k in a if k not in skip}
kb = {k for k in b if k not in skip}
assert ka == kb, ("fields differ", sorted(ka ^ kb))
diff = [k for k in sorted(ka) if a[k] != b[k]]
assert not diff, ["%s: local %r merged %r" % (k, a[k], b[k]) for k in diff]
assert a["n"] == int(sys.argv[3]), ("n", a["n"])
print("top-1 %d/%d%s" % (a["correct"], a["n"],
      ", %d cycles" % a["cycles"] if "cycles" in a else ""))
PY
)
  if [[ $st_l -eq 0 && $st_c -eq 0 && $cmp == top-1* ]]; then
    pass "$name ($cmp)"
  else
    fail "$name" "local exit $st_l, hta-cluster exit $st_c: $cmp $(tail -c 600 "$d.err")"
  fi
  grep -q "^hta-cluster: submitted job [0-9]*: $shards tasks" "$d.err" &&
    grep -q "^hta-cluster: job [0-9]*: .* tasks finished" "$d.err" ||
    fail "$device: hta-cluster reports submission and progress" "$(head -c 400 "$d.err")"
}
compare cpu 60 3
compare sim 12 3

# ---- a task that fails is named, with its log tail; nothing is merged ----
# (shard 1's part file cannot be written: its path is a folder)
mkdir -p "$tmp/bad/part_1.json"
timeout 300 bash "$CLUSTER" --hta "$HTA" --shards 3 --model "$MODEL" --dataset fashion-mnist \
  --device cpu --eval-opt --limit --eval-opt 30 --out "$tmp/bad" --poll-s 1 --wait-s 200 \
  >"$tmp/bad.out" 2>"$tmp/bad.err"
st=$?
if [[ $st -eq 1 ]] && grep -q "task 1 (shard 1/3, Slurm job [0-9]*_1) failed: hta eval exit" "$tmp/bad.err" &&
   grep -q "last lines of $tmp/bad/task_1.log" "$tmp/bad.err" &&
   grep -q "part_1.json" "$tmp/bad.err" && ! grep -q "task [02] " "$tmp/bad.err" &&
   grep -q "1 of 3 tasks failed; nothing merged" "$tmp/bad.err" && [[ ! -s $tmp/bad.out ]]; then
  pass "a failed task is named with its exit code and log tail, nothing merged"
else
  fail "a failed task is named" "exit $st: $(tail -c 800 "$tmp/bad.err")"
fi

# ---- the wait is bounded: past --wait-s the job is cancelled, and said so ----
# (one sim task of 60 images takes ~20 s; the wait allows 2)
timeout 120 bash "$CLUSTER" --hta "$HTA" --shards 1 --model "$MODEL" --dataset fashion-mnist \
  --device sim --eval-opt --limit --eval-opt 60 --out "$tmp/slow" --poll-s 1 --wait-s 2 \
  >/dev/null 2>"$tmp/slow.err"
st=$?
jid=$(grep -o 'submitted job [0-9]*' "$tmp/slow.err" | grep -o '[0-9]*$')
left=x
for _ in $(seq 40); do # the cancelled task leaves the queue (up to 20 s)
  left=$(squeue -h -j "${jid:-0}" -o %T 2>/dev/null)
  [[ -z $left ]] && break
  sleep 0.5
done
if [[ $st -eq 1 && -n $jid && -z $left ]] &&
   grep -q "gave up after 2 s (--wait-s): job $jid still had tasks in the queue" "$tmp/slow.err" &&
   grep -q "cancelled it" "$tmp/slow.err"; then
  pass "past --wait-s the job is cancelled and the message says so"
else
  fail "bounded wait" "exit $st, job '$jid', queue '$left': $(tail -c 400 "$tmp/slow.err")"
fi

# ---- no sbatch on PATH: a clear error before anything is submitted ----
mkdir -p "$tmp/nobin"
for c in bash dirname realpath mkdir rm mktemp cat find wc grep sed tail head seq sleep tr cut; do
  ln -sf "$(command -v "$c")" "$tmp/nobin/$c"
done
expect "without sbatch: names it and the way to get it" 1 \
  "sbatch not found: this machine is no Slurm submit host" -- \
  env PATH="$tmp/nobin" bash "$CLUSTER" --hta "$HTA" --shards 2 --model "$MODEL" \
  --dataset fashion-mnist --out "$tmp/nob"
expect "bad --shards is a usage error" 2 "--shards '0': a whole number 1..10000" -- \
  bash "$CLUSTER" --shards 0 --model "$MODEL" --dataset fashion-mnist

started=("${pids[@]}")
stop_daemons
left=
for p in "${started[@]}"; do kill -0 "$p" 2>/dev/null && left+="$p "; done
if [[ ${#started[@]} -eq 3 && -z $left ]]; then
  pass "every daemon the test started has stopped"
else
  fail "daemons stopped" "still running: $left"
fi
summary
