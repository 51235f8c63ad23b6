#!/usr/bin/env bash
# Installs what the app (`setup.sh app`) or the tests (`setup.sh test`) need on a
# fresh Debian machine, and nothing when it is already there. Called by
# `npm start` and `npm test`, so those two commands are all the set-up there is.
set -euo pipefail
mode="${1:-app}"
cd "$(dirname "$0")/.."

need_node_major=20
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt "$need_node_major" ]; then
  echo "setup: Node.js $need_node_major.19 or newer is needed (this is $(node --version))" >&2
  exit 1
fi

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ "$mode" = "test" ] && [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM_PATH:-}" ]; then
  echo "setup: installing Debian's chromium for the browser tests" >&2
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
fi

# The evaluation's independent references (tests/datasets/metrics_reference.py): Debian's scikit-learn and SciPy.
if [ "$mode" = "test" ] && ! /usr/bin/python3 -c 'import sklearn, scipy' 2>/dev/null; then
  echo "setup: installing Debian's python3-sklearn and python3-scipy for the metric checks" >&2
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3-sklearn python3-scipy >/dev/null
fi

# A one-node SLURM cluster for scripts/slurm/test-local-cluster.sh (configured in a temporary folder there).
if [ "$mode" = "test" ] && ! { command -v slurmctld && command -v slurmd && command -v munged && command -v sbatch; } >/dev/null; then
  echo "setup: installing Debian's slurmctld, slurmd, slurm-client and munge for the SLURM test" >&2
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq slurmctld slurmd slurm-client munge >/dev/null
fi

# npm ci when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages (npm ci)" >&2
  # onnxruntime-node's CPU build ships in its package; its install script would fetch GPU binaries from
  # GitHub, which this machine (and CI) cannot reach. --device cuda says what to do where they are wanted.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
fi
