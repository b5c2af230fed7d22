#!/usr/bin/env bash
# Search latency with one busy core: 20 questions of eval/questions.jsonl through
# `policyqa search --batch`, while one `while True: pass` process runs, for the code before the
# thread settings (commit 5295a77, OMP_NUM_THREADS unset) and for this tree (also unset).
# Usage: eval/busy_core.sh [reps]   (from the project root, after `make install-dev`)
set -euo pipefail
REPS=${1:-3}
PY=$PWD/.venv/bin/python
HERE=$PWD
T=$(mktemp -d /tmp/policyqa-busy-XXXX)
mkdir -p "$T/old" && git archive 5295a77 | tar -x -C "$T/old"
$PY -c "import json; qs=[json.loads(l)['question'] for l in open('eval/questions.jsonl')][:20]; open('$T/q.txt','w').write('\n'.join(qs)+'\n')"
run() {  # $1 = old|new, then the command's extra args
  local which=$1; shift
  if [ "$which" = old ]; then
    (cd "$T/old" && env -u OMP_NUM_THREADS PYTHONPATH="$T/old" POLICYQA_HOME="$T/home-old" \
      "$PY" -c "import sys, ui.cli; assert ui.cli.__file__.startswith('$T'); sys.exit(ui.cli.main(sys.argv[1:]))" \
      --index-dir "$T/idx-old" "$@")
  else
    (cd "$T" && env -u OMP_NUM_THREADS PYTHONPATH="$HERE" POLICYQA_HOME="$T/home-new" \
      "$PY" -m ui.cli --index-dir "$T/idx-new" "$@")
  fi
}
run old index >/dev/null 2>&1; run new index >/dev/null 2>&1
python3 -c 'while True: pass' & BUSY=$!
trap 'kill $BUSY; rm -rf "$T"' EXIT
for rep in $(seq "$REPS"); do
  for which in old new; do
    s=$(date +%s.%N); run $which search --batch "$T/q.txt" >/dev/null; e=$(date +%s.%N)
    echo "$which rep$rep: $(python3 -c "print(round($e-$s, 2))") s for 20 searches (incl. start-up)"
  done
done
