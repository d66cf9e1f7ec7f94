#!/usr/bin/env bash
# The LoRI demonstration of docs/TRAINING.md: LoRA vs LoRI-D vs LoRI-S on three small tasks, each
# task's accuracy alone and after merging (cat, linear), and one continual-learning run.
#   tools/training-demo/run_demo.sh OUT_DIR [EPOCHS] [LR]
# Needs chat/target/chat.jar (./mvnw -q package -DskipTests) and Debian's /usr/bin/python3 with torch.
set -euo pipefail
out=${1:?usage: run_demo.sh OUT_DIR [EPOCHS] [LR]}; epochs=${2:-4}; lr=${3:-1e-2}
root=$(cd "$(dirname "$0")/../.." && pwd)
jar="java -jar $root/chat/target/chat.jar"
/usr/bin/python3 "$root/tools/training-demo/make_demo.py" "$out"
cd "$out"
tasks=(animals compare colors); declare -A kind=([animals]=boolq [compare]=piqa [colors]=winogrande)
common=(--model base --rank 16 --alpha 32 --batch-size 16 --epochs "$epochs" --checkpoint-every 0 --threads 2)
for t in "${tasks[@]}"; do
  $jar train "${common[@]}" --data tasks/$t/train.json --out out/lora/$t --lr "$lr" --train-a
  $jar train "${common[@]}" --data tasks/$t/train.json --out out/lori_d/$t --lr "$lr"
  $jar adapter mask out/lori_d/$t --model base --sparsity 0.9 --out out/masks/$t.safetensors
  $jar train "${common[@]}" --data tasks/$t/train.json --out out/lori_s/$t --lr "$lr" --mask out/masks/$t.safetensors
done
acc() { $jar eval --model base --task "${kind[$1]}" --data tasks/$1/test.json --max-tokens 8 "${@:2}" 2>/dev/null | awk '{print $2}'; }
echo "| method | merge | ${tasks[*]} |" | sed 's/ /\t/g' > results.tsv
echo -e "base\t-\t$(acc animals)\t$(acc compare)\t$(acc colors)" >> results.tsv
for m in lora lori_d lori_s; do
  w=$([ $m = lori_s ] && echo 0.4 || echo 0.5)   # LoRI's merge weights for three tasks: 0.5 (D), 0.4 (S)
  row="$m\talone"; for t in "${tasks[@]}"; do row="$row\t$(acc $t --adapter out/$m/$t)"; done; echo -e "$row" >> results.tsv
  for c in cat linear; do
    row="$m\t$c"
    for t in "${tasks[@]}"; do row="$row\t$(acc $t --adapter out/$m/animals --adapter out/$m/compare --adapter out/$m/colors --weights $w,$w,$w --combination $c)"; done
    echo -e "$row" >> results.tsv
  done
done
# continual learning: task 1 (animals), then task 2 (compare) starting from it
$jar train "${common[@]}" --data tasks/compare/train.json --out out/continual/lora --lr "$lr" --train-a --init-adapter out/lora/animals
$jar train "${common[@]}" --data tasks/compare/train.json --out out/continual/lori_s --lr "$lr" --init-adapter out/lori_s/animals --mask out/masks/compare.safetensors
for m in lora lori_s; do
  echo -e "continual $m\tanimals then compare\t$(acc animals --adapter out/continual/$m)\t$(acc compare --adapter out/continual/$m)\t-" >> results.tsv
done
column -t -s $'\t' results.tsv
