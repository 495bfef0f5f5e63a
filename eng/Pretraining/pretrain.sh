#!/usr/bin/env bash
# Pretrains the bundled encoder samples/Models/lamda-mini-deberta-v3 in the background (see README.md here).
#   eng/Pretraining/pretrain.sh            # MINUTES=60 of training (STEPS=5000 at most) on 2 shared CPU cores
# Needs artifacts/pretraining/corpus.txt and the folder's spm.model (eng/DataPrep/build-data.sh makes both).
# Log: artifacts/pretraining/pretrain.log; process id: artifacts/pretraining/pretrain.pid.
set -euo pipefail
cd "$(dirname "$0")/../.."

steps=${STEPS:-5000}
minutes=${MINUTES:-60}
mkdir -p artifacts/pretraining
dotnet build eng/Pretraining -c Release -o artifacts/pretraining/bin
# The run uses its own copy of the binaries, so rebuilding the repository meanwhile cannot disturb it.
nohup dotnet artifacts/pretraining/bin/Pretraining.dll --steps "$steps" --minutes "$minutes" --batch-size 32 --block-length 128 --lr 1e-3 \
  --warmup 0.06 --weight-decay 0.01 --eval-every 50 --eval-blocks 128 --threads 2 --seed 42 \
  > artifacts/pretraining/pretrain.log 2>&1 &
echo $! > artifacts/pretraining/pretrain.pid
echo "pretraining started (pid $(cat artifacts/pretraining/pretrain.pid)); tail -f artifacts/pretraining/pretrain.log"
