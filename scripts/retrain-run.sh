#!/usr/bin/env bash
# One full retraining run on phantom data, the way a site runs it: a real `serve` process on PostgreSQL receives
# phantom studies over DICOM (storescu), their radiology reports arrive over HL7 v2 MLLP (ORU^R01), `./ichnode retrain
# --wait` runs the nightly job now, `./ichnode models` shows the registry; then more studies and reports arrive and a
# second run is gated against the first model.
#   scripts/retrain-run.sh [FIRST_STUDIES] [MORE_STUDIES]      (defaults 40 and 12; small 128x128 phantoms)
# Needs what ./ichnode test needs (PostgreSQL on 127.0.0.1:5432, DCMTK). Leaves nothing behind but its log folder.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
first="${1:-40}"; more="${2:-12}"
work="$(mktemp -d /tmp/ichnode-retrain-XXXXXX)"
db="ichnode_retrain_$$"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
dicom=$(free_port); http=$(free_port); hl7=$(free_port)
psql -q -h 127.0.0.1 -U postgres -d test -c "CREATE DATABASE $db" >/dev/null
url="jdbc:postgresql://127.0.0.1:5432/$db?user=postgres"
sets=(--set "db.url=$url" --set "storage.dir=$work/storage" --set "dicom.port=$dicom" --set "http.port=$http"
      --set "hl7.port=$hl7" --set "series.stableSeconds=2" --set "selection.minSlices=8" --set "model.dir=baseline"
      --set "model.threads=1" --set "retrain.cron=0 0 2 1 1 ? 2099" --set "retrain.gate.minStudies=20"
      --set "retrain.inputSize=128" --set "retrain.classifierSteps=${CLASSIFIER_STEPS:-400}"
      --set "retrain.unetSteps=${UNET_STEPS:-400}" --set "retrain.validationData=phantom:small"
      --set "retrain.validationStudies=12" --set "node.id=retrain-run")
node_pid=""
cleanup() {
  [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null || true
  psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
}
trap cleanup EXIT
say() { echo "retrain-run: $*"; }

./ichnode phantom --out "$work/phantoms" --seed 21 --studies $((first + more)) --small > "$work/phantom.log"
./ichnode serve "${sets[@]}" > "$work/serve.log" 2>&1 &
node_pid=$!
for _ in $(seq 120); do curl -sf "127.0.0.1:$http/status" >/dev/null && break; sleep 1; done

# send one study and its report: storescu, then an ORU^R01 over MLLP once the series is in
send() { # study_dir label(0/1)
  local dir="$1" label="$2" f uid pid text
  TCP_NODELAY=1 storescu -aec ICHNODE 127.0.0.1 "$dicom" "$dir"/dicom/* >/dev/null
  f=$(ls "$dir"/dicom/* | head -n1)
  uid=$(dcmdump +P StudyInstanceUID "$f" | sed -E 's/.*\[(.*)\].*/\1/')
  pid=$(dcmdump +P PatientID "$f" | sed -E 's/.*\[(.*)\].*/\1/')
  if [ "$label" = 1 ]; then text="IMPRESSION: Acute intraparenchymal hemorrhage."; else text="IMPRESSION: No acute intracranial hemorrhage."; fi
  python3 - "$hl7" "$uid" "$pid" "$text" <<'PY'
import socket, sys, uuid
port, uid, pid, text = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
msg = "\r".join([
    "MSH|^~\\&|RIS|HOSP|ICHNODE|NEURO|20261201120000||ORU^R01^ORU_R01|" + uuid.uuid4().hex[:20] + "|P|2.5.1",
    "PID|1||" + pid + "^^^HOSP^MR",
    "OBR|1|||CTHEAD^CT HEAD^L|||20261201110000|||||||||||||||20261201120000||CT|F",
    "ZDS|" + uid + "^^Application^DICOM",
    "OBX|1|TX|CTHEAD^REPORT^L|1|" + text + "||||||F"]) + "\r"
s = socket.create_connection(("127.0.0.1", port), timeout=20)
s.sendall(b"\x0b" + msg.encode() + b"\x1c\x0d")
ack = s.recv(4096).decode(errors="replace")
if "MSA|AA" not in ack: sys.exit("report not accepted: " + ack)
PY
}
send_range() { # from to (1-based rows of labels-study.csv)
  tail -n +2 "$work/phantoms/labels-study.csv" | sed -n "$1,$2p" | while IFS=, read -r _ id label; do
    send "$work/phantoms/$id" "$label"
  done
}
wait_processed() { # count: series done or ignored
  for _ in $(seq 600); do
    n=$(curl -s "127.0.0.1:$http/status" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s.get("series",{}).get("done",0))' 2>/dev/null || echo 0)
    [ "${n:-0}" -ge "$1" ] && return 0; sleep 1
  done
  say "timed out waiting for $1 processed series"; return 1
}

say "sending $first studies and their reports ($(tail -n +2 "$work/phantoms/labels-study.csv" | head -n "$first" | grep -c ',1$') with hemorrhage)"
send_range 1 "$first"
wait_processed "$first" || true
start=$(date +%s)
./ichnode retrain --wait "${sets[@]}"
say "first run took $(( $(date +%s) - start )) s"
./ichnode models "${sets[@]}"

say "sending $more more studies and reports"
send_range $((first + 1)) $((first + more))
wait_processed $((first + more)) || true
start=$(date +%s)
./ichnode retrain --wait "${sets[@]}"
say "second run took $(( $(date +%s) - start )) s"
./ichnode models "${sets[@]}"
say "logs in $work (serve.log)"
