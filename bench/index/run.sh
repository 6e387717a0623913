#!/usr/bin/env bash
# Benchmark: Sandcrate's sparse index against nginx serving the same index files, both on loopback, in one run.
# Imports ~300 crates of the Debian corpus into a fresh data dir, saves each crate's index file from Sandcrate into a
# folder nginx serves, then runs `wrk -t2 -c64 -d15s` against both servers, interleaved, two rounds each, for:
# plain GETs spread over the files, 304 revalidation (If-None-Match), config.json, and the same against an
# --auth-required Sandcrate with a read token (nginx, which checks no token, is the same baseline there).
# Writes bench/index/report.md; its last line is `RESULT ratio=<sandcrate/nginx req/s, plain GET> p99_ms=<...>`.
#
#   bench/index/run.sh [WORK_DIR]        (CRATES=300 DURATION=15s CONNECTIONS=64 to change the load)
#
# Needs nginx and wrk from Debian (installed here with apt-get when missing; not part of CI's setup).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
[[ "${1:-}" == -h || "${1:-}" == --help ]] && { sed -n 2,11p "$0"; exit 0; }
crates_wanted=${CRATES:-300}
duration=${DURATION:-15s}
connections=${CONNECTIONS:-64}
work=${1:-$(mktemp -d /tmp/sandcrate-index-bench.XXXXXX)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
report="$here/bench/index/report.md"
say() { echo "bench/index: $*" >&2; }

if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
  say "installing nginx and wrk (apt-get)"
  SUDO=; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx-light wrk >&2
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

"$here/sandcrate" --version >/dev/null   # builds the jar first if the sources changed
source "$here/scripts/env.sh"
java_sc=("$JAVA_HOME/bin/java" --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED -jar "$here/registry/target/sandcrate.jar")
sc() { "${java_sc[@]}" "$@"; }

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

# --- data: the first $crates_wanted crate folders of the Debian corpus (by name), imported once
src=$("$here/scripts/debian-corpus.sh")
data="$work/data"
rm -rf "$data" "$work/corpus"
mkdir -p "$work/corpus"
find "$src" -mindepth 1 -maxdepth 1 -type d | sort | awk -v n="$crates_wanted" 'NR <= n' | while read -r d; do
  cp -al "$d" "$work/corpus/" 2>/dev/null || cp -r "$d" "$work/corpus/" # the importer does not follow symlinked folders
done
say "importing $crates_wanted crate folders"
sc import --quiet --as bench --data-dir "$data" "$work/corpus" > "$work/import.txt" 2>"$work/import.log" || true
sc user add reader --data-dir "$data" >/dev/null 2>>"$work/import.log" || true
sc token create --user reader --name bench --scopes read --data-dir "$data" > "$work/token" 2>>"$work/import.log"
token=$(cat "$work/token")

start_sandcrate() { # $@: extra serve options; sets sc_url
  "${java_sc[@]}" serve --host 127.0.0.1 --port 0 --precompile-workers 0 --data-dir "$data" "$@" > "$work/serve.log" 2>&1 &
  sc_pid=$!
  pids+=("$sc_pid")
  sc_url=
  for _ in $(seq 1 240); do
    sc_url=$(sed -n 's/^sandcrate: serving \(http[^ ]*\) .*/\1/p' "$work/serve.log")
    [[ -n "$sc_url" ]] && break
    kill -0 "$sc_pid" 2>/dev/null || break
    sleep 0.5
  done
  [[ -n "$sc_url" ]] || { cat "$work/serve.log" >&2; say "sandcrate did not start"; exit 1; }
}
stop_sandcrate() { kill "$sc_pid" 2>/dev/null || true; wait "$sc_pid" 2>/dev/null || true; }

# index path of a crate name, as cargo asks for it
index_path() {
  local n=${1,,}
  case ${#n} in
    1) echo "1/$n" ;;
    2) echo "2/$n" ;;
    3) echo "3/${n:0:1}/$n" ;;
    *) echo "${n:0:2}/${n:2:2}/$n" ;;
  esac
}

start_sandcrate
# the crate names: the search API lists every crate for an empty query
: > "$work/names"
for page in $(seq 1 100); do
  got=$(curl -sf "$sc_url/api/v1/crates?q=&per_page=100&page=$page" | python3 -c 'import json,sys; [print(c["name"]) for c in json.load(sys.stdin)["crates"]]')
  [[ -z "$got" ]] && break
  echo "$got" >> "$work/names"
done
files=$(wc -l < "$work/names")
(( files > 0 )) || { say "no crates were imported; see $work/import.log"; exit 1; }

# nginx's copy: each index file fetched once from Sandcrate
root="$work/nginx/root"
rm -rf "$root" && mkdir -p "$root/index" "$work/nginx/logs"
curl -sf "$sc_url/index/config.json" -o "$root/index/config.json"
while read -r name; do
  p=$(index_path "$name")
  mkdir -p "$root/index/$(dirname "$p")"
  curl -sf "$sc_url/index/$p" -o "$root/index/$p"
done < "$work/names"
nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type text/plain;
  client_body_temp_path $work/nginx/tmp;
  proxy_temp_path $work/nginx/tmp;
  fastcgi_temp_path $work/nginx/tmp;
  uwsgi_temp_path $work/nginx/tmp;
  scgi_temp_path $work/nginx/tmp;
  server {
    listen 127.0.0.1:$nginx_port;
    root $root;
  }
}
CONF
mkdir -p "$work/nginx/tmp"
# nginx's workers drop to an unprivileged user when started as root: let them reach the files (mktemp -d is 0700)
chmod a+x "$work" "$work/nginx" && chmod -R a+rX "$root"
"$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' 2>>"$work/nginx/logs/error.log" &
pids+=($!)
ng_url="http://127.0.0.1:$nginx_port"
for _ in $(seq 1 40); do curl -sf "$ng_url/index/config.json" >/dev/null && break; sleep 0.25; done

# "path etag" lists, per server (their ETags differ)
etag_list() { # $1 base URL, $2 output, $3 auth header or empty
  : > "$2"
  while read -r name; do
    p="/index/$(index_path "$name")"
    e=$(curl -sfI ${3:+-H "Authorization: $3"} "$1$p" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
    echo "$p $e" >> "$2"
  done < "$work/names"
}
etag_list "$ng_url" "$work/nginx.list" ""

# wrk, parsed: prints "req_s p99_ms errors"
bench() { # $1 URL, $2 list, $3 mode (get|revalidate), $4 token or empty
  local out
  out=$(wrk -t2 -c"$connections" -d"$duration" --latency -s "$here/bench/index/spread.lua" "$1" -- "$2" "$3" "${4:-}")
  echo "$out" >> "$work/wrk.log"
  python3 - "$out" <<'PY'
import re, sys
out = sys.argv[1]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
err = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
sock = re.search(r"Socket errors:.*", out)
print(f"{rps:.0f} {p99:.2f} {int(err.group(1)) if err else 0}{' (' + sock.group(0) + ')' if sock else ''}")
PY
}
single_list() { echo "$1" > "$2"; }
single_list "/index/config.json" "$work/config.list"

rows=()
run_case() { # $1 label, $2 sandcrate list, $3 nginx list, $4 mode, $5 token or empty
  local r s n
  for r in 1 2; do
    s=$(bench "$sc_url" "$2" "$4" "${5:-}")
    n=$(bench "$ng_url" "$3" "$4" "")
    say "$1 round $r: sandcrate $s | nginx $n"
    rows+=("$1|$r|$s|$n")
  done
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# warm-up: the JVM's JIT and the index cache (not measured)
wrk -t2 -c"$connections" -d20s -s "$here/bench/index/spread.lua" "$sc_url" -- "$work/nginx.list" get "" >/dev/null
etag_list "$sc_url" "$work/sandcrate.list" ""
run_case "plain GET" "$work/sandcrate.list" "$work/nginx.list" get
run_case "304 revalidation" "$work/sandcrate.list" "$work/nginx.list" revalidate
run_case "config.json" "$work/config.list" "$work/config.list" get
stop_sandcrate

start_sandcrate --auth-required
wrk -t2 -c"$connections" -d20s -s "$here/bench/index/spread.lua" "$sc_url" -- "$work/nginx.list" get "$token" >/dev/null
run_case "auth-required GET" "$work/sandcrate.list" "$work/nginx.list" get "$token"
run_case "auth-required 304" "$work/sandcrate.list" "$work/nginx.list" revalidate "$token"
run_case "auth-required config.json" "$work/config.list" "$work/config.list" get "$token"
stop_sandcrate
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$report" "$files" "$duration" "$connections" "$load_before" "$load_after" "$(nproc)" "${rows[@]}" <<'PY'
import sys, statistics
report, files, duration, conns, load_before, load_after, cpus = sys.argv[1:8]
rows = [r.split("|") for r in sys.argv[8:]]
cases = {}
for label, rnd, s, n in rows:
    sp, np_ = s.split(" ", 2), n.split(" ", 2)
    cases.setdefault(label, []).append((rnd, float(sp[0]), float(sp[1]), sp[2], float(np_[0]), float(np_[1]), np_[2]))
lines = ["# Sparse index: Sandcrate against nginx", "",
         f"{files} index files of the Debian corpus, `wrk -t2 -c{conns} -d{duration}` on loopback, the two servers "
         f"interleaved, two rounds each, on {cpus} CPUs shared with wrk. Load average before {load_before}, after {load_after}.",
         "nginx (Debian's, `worker_processes auto`, access log off) serves copies of the same files fetched from Sandcrate; "
         "it checks no token, so it is the same baseline for the auth-required rows.", "",
         "Command: `bench/index/run.sh`", "",
         "| case | round | Sandcrate req/s | Sandcrate p99 ms | nginx req/s | nginx p99 ms | ratio | non-2xx/3xx (Sandcrate / nginx) |",
         "|---|---|---|---|---|---|---|---|"]
for label, rs in cases.items():
    for rnd, sr, sp, se, nr, npp, ne in rs:
        lines.append(f"| {label} | {rnd} | {sr:.0f} | {sp:.2f} | {nr:.0f} | {npp:.2f} | {sr / nr:.2f} | {se} / {ne} |")
lines.append("")
for label, rs in cases.items():
    ratio = statistics.mean(r[1] for r in rs) / statistics.mean(r[4] for r in rs)
    p99 = max(r[2] for r in rs)
    lines.append(f"- {label}: ratio {ratio:.2f} (mean of the rounds), Sandcrate p99 {p99:.2f} ms (worst round)")
plain = cases["plain GET"]
ratio = statistics.mean(r[1] for r in plain) / statistics.mean(r[4] for r in plain)
p99 = max(r[2] for r in plain)
lines += ["", f"RESULT ratio={ratio:.2f} p99_ms={p99:.2f}"]
open(report, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
say "work dir: $work"
