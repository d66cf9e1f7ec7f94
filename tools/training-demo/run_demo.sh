#!/usr/bin/env bash
# The LoRI demonstration of docs/TRAINING.md: LoRA vs LoRI-D vs LoRI-S on three small tasks, each
# task's accuracy alone and after merging (cat, linear), and one continual-learning run.
#   tools/training-demo/run_demo.sh OUT_DIR [EPOCHS] [LR]
# Needs chat/target/chat.jar (or CHAT_JAR) (./mvnw -q package -DskipTests) and Debian's /usr/bin/python3 with torch.
# Prints a Markdown table (also in OUT_DIR/results.md); the adapters stay in OUT_DIR/out.
set -euo pipefail
out=${1:?usage: run_demo.sh OUT_DIR [EPOCHS] [LR]}; epochs=${2:-6}; lr=${3:-1e-2}
root=$(cd "$(dirname "$0")/../.." && pwd)
jar="java -jar ${CHAT_JAR:-$root/chat/target/chat.jar}"   # CHAT_JAR: a copy, so that a rebuild cannot change it mid-run
/usr/bin/python3 "$root/tools/training-demo/make_demo.py" "$out"
cd "$out"
mkdir -p out/masks   # adapter mask writes into an existing folder only
tasks=(animals compare colors); declare -A kind=([animals]=boolq [compare]=piqa [colors]=winogrande)
# --template default: the prompt LoRI uses for tasks/<name> files and eval scores (16 spaces);
# under the 20-space commonsense prompt a model this small answers nothing at eval time
common=(--model base --template default --rank 16 --alpha 32 --batch-size 16 --epochs "$epochs" --lr "$lr" --checkpoint-every 0 --threads 2)
for t in "${tasks[@]}"; do
  $jar train "${common[@]}" --data tasks/$t/train.json --out out/lora/$t --train-a
  $jar train "${common[@]}" --data tasks/$t/train.json --out out/lori_d/$t
  $jar adapter mask out/lori_d/$t --model base --sparsity 0.9 --out out/masks/$t.safetensors
  $jar train "${common[@]}" --data tasks/$t/train.json --out out/lori_s/$t --mask out/masks/$t.safetensors
done
acc() { $jar eval --model base --task "${kind[$1]}" --data tasks/$1/test.json --max-tokens 8 "${@:2}" 2>/dev/null | awk '{print $2}'; }
row() { local r="| $1 | $2 |"; shift 2; for a in "$@"; do r="$r $a |"; done; echo "$r" >> results.md; }
echo "| method | adapters | ${tasks[0]} (boolq words) | ${tasks[1]} (piqa words) | ${tasks[2]} (winogrande words) |" > results.md
echo "| --- | --- | --- | --- | --- |" >> results.md
row base none "$(acc animals)" "$(acc compare)" "$(acc colors)"
for m in lora lori_d lori_s; do
  w=$([ $m = lori_s ] && echo 0.4 || echo 0.5)   # LoRI's merge weights for three tasks: 0.5 (D), 0.4 (S)
  row $m "own task's alone" "$(acc animals --adapter out/$m/animals)" "$(acc compare --adapter out/$m/compare)" "$(acc colors --adapter out/$m/colors)"
  for c in cat linear; do
    all=(--adapter out/$m/animals --adapter out/$m/compare --adapter out/$m/colors --weights $w,$w,$w --combination $c)
    row $m "all three, $c $w" "$(acc animals "${all[@]}")" "$(acc compare "${all[@]}")" "$(acc colors "${all[@]}")"
  done
done
# continual learning: task 1 (animals), then task 2 (compare) starting from it
$jar train "${common[@]}" --data tasks/compare/train.json --out out/continual/lora --train-a --init-adapter out/lora/animals
$jar train "${common[@]}" --data tasks/compare/train.json --out out/continual/lori_s --init-adapter out/lori_s/animals --mask out/masks/compare.safetensors
for m in lora lori_s; do
  row "continual $m" "animals, then compare" "$(acc animals --adapter out/continual/$m)" "$(acc compare --adapter out/continual/$m)" -
done
cat results.md
