#!/usr/bin/env bash
# Rebuilds the bundled sample data (samples/data), the pretraining corpus and the SentencePiece vocabulary
# of the embedded encoder from the English package descriptions of the Debian archive. Every input is text
# any Debian (or Debian-based) machine has after 'apt-get update'; nothing else is downloaded.
#
#   eng/DataPrep/build-data.sh            # needs root (or sudo) for apt-get; writes:
#     samples/data/debian-sections.{train,validation,test}.tsv      Section <- Description
#     samples/data/debian-similarity.{train,validation,test}.tsv    Sentence1, Sentence2, Score (0..5)
#     artifacts/pretraining/corpus.txt                              one training-split description a line (not committed)
#     samples/Models/lamda-mini-deberta-v3/spm.model               unigram SentencePiece vocabulary
#
# Environment: CORPUS (corpus path), VOCAB_SIZE (default 8000), MODEL_DIR (where spm.model goes).
set -euo pipefail
cd "$(dirname "$0")/../.."

corpus=${CORPUS:-artifacts/pretraining/corpus.txt}
vocab_size=${VOCAB_SIZE:-8000}
model_dir=${MODEL_DIR:-samples/Models/lamda-mini-deberta-v3}
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi

# 1. Download the archive indexes with the English descriptions. Docker images of Debian set
#    Acquire::Languages "none" (/etc/apt/apt.conf.d/docker-no-languages), so ask for "en" explicitly:
#    the Packages indexes hold only Description-md5; the Translation-en indexes map it to the text.
$sudo apt-get update -o Acquire::Languages=en

# 2. Record which indexes and which release the data comes from (apt may store them lz4/xz/gz-compressed;
#    DataPrep reads them through '/usr/lib/apt/apt-helper cat-file', which decompresses any of these).
apt-get indextargets -o Acquire::Languages=en \
  --format '$(IDENTIFIER) $(LANGUAGE) $(SUITE) $(CODENAME) $(COMPONENT) $(FILENAME)' | grep -E '^(Packages|Translations) '
for release in /var/lib/apt/lists/*_InRelease; do
  echo "$release"; grep -E '^(Origin|Suite|Codename|Version|Date):' "$release"
done

# 3. SentencePiece's command-line trainer (Debian package 'sentencepiece').
command -v spm_train >/dev/null || $sudo apt-get install -y sentencepiece

# 4. Parse the indexes, de-duplicate, split by source package, write the data sets and the corpus.
dotnet run --project eng/DataPrep -c Release -- --output samples/data --corpus "$corpus"

# 5. Train the vocabulary on the corpus (training split only). Unigram model, DeBERTa-v3 special-token ids:
#    [PAD]=0, [CLS]=1 (bos), [SEP]=2 (eos), [UNK]=3, and [MASK]=4 as a user-defined symbol (the real
#    DeBERTa-v3 adds [MASK] after the vocabulary as id 128000; ours keeps it inside the model).
#    8000 pieces suit a 20 MB corpus and keep the masked-LM output layer cheap on a CPU. One thread: the
#    EM scores depend on the thread count, and one thread makes them reproducible.
#    The model records its --model_prefix, so a fixed relative prefix keeps the file byte-identical per corpus.
work=artifacts/pretraining
mkdir -p "$work"
spm_train --input="$corpus" --model_prefix="$work/spm" --model_type=unigram --vocab_size="$vocab_size" \
  --character_coverage=0.9995 --max_sentence_length=8192 --num_threads=1 --random_seed=20240601 \
  --pad_id=0 --pad_piece='[PAD]' --bos_id=1 --bos_piece='[CLS]' --eos_id=2 --eos_piece='[SEP]' \
  --unk_id=3 --unk_piece='[UNK]' --user_defined_symbols='[MASK]' > "$work/spm_train.log" 2>&1 \
  || { cat "$work/spm_train.log"; exit 1; }
mkdir -p "$model_dir"
cp "$work/spm.model" "$model_dir/spm.model"
echo "wrote $model_dir/spm.model ($vocab_size pieces)"
wc -l samples/data/*.tsv "$corpus"
