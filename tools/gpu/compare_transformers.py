#!/usr/bin/env python3
"""Our `logits --device gpu` against Hugging Face Transformers + PEFT (float32, on the GPU when
torch sees one) on every golden case of the test fixtures; also against the committed float64
goldens. Prints one line per case and exits non-zero if any differs by more than 1e-3.
Where Transformers/PEFT are not installed (the build machine), only the goldens are compared."""
import argparse, json, os, subprocess, sys

ROOT = os.path.join("tests", "src", "test", "resources", "fixtures")

def ours(jar, java, case):
    args = [java, "-jar", jar, "logits", "--model", os.path.join(ROOT, "models", case["model"]), "--device", "gpu"]
    for a in case["adapters"]:
        args += ["--adapter", os.path.join(ROOT, "adapters", a)]
    if case["weights"]:
        args += ["--weights", ",".join(str(w) for w in case["weights"])]
    if case["combination"]:
        args += ["--combination", case["combination"]]
    golden = json.load(open(os.path.join(ROOT, "goldens", case["file"])))
    args += ["--tokens", ",".join(str(t) for t in golden["tokens"])]
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "exit %d" % result.returncode)
    return json.loads(result.stdout), golden

def transformers_logits(case, tokens):
    import torch
    from transformers import AutoModelForCausalLM
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = AutoModelForCausalLM.from_pretrained(os.path.join(ROOT, "models", case["model"]), torch_dtype=torch.float32)
    if case["adapters"]:
        from peft import PeftModel
        names = ["a%d" % i for i in range(len(case["adapters"]))]
        model = PeftModel.from_pretrained(model, os.path.join(ROOT, "adapters", case["adapters"][0]), adapter_name=names[0])
        for name, a in zip(names[1:], case["adapters"][1:]):
            model.load_adapter(os.path.join(ROOT, "adapters", a), adapter_name=name)
        if len(names) > 1:
            model.add_weighted_adapter(names, [float(w) for w in case["weights"]], adapter_name="mix",
                                       combination_type=case["combination"] or "cat")
            model.set_adapter("mix")
        elif case["weights"] and float(case["weights"][0]) != 1.0:
            raise RuntimeError("single adapter with weight != 1 is not a PEFT case")
    model = model.to(device).eval()
    with torch.no_grad():
        return model(torch.tensor([tokens], device=device)).logits[0].float().cpu().tolist()

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--jar", default="chat/target/chat.jar")
    p.add_argument("--only", default="", help="regex: run only the matching golden cases")
    p.add_argument("--java", default=os.path.join(os.environ.get("JAVA_HOME", ""), "bin", "java") if os.environ.get("JAVA_HOME") else "java")
    args = p.parse_args()
    try:
        import transformers, peft  # noqa: F401
        have_hf = True
        print("transformers %s, peft %s" % (transformers.__version__, peft.__version__))
    except ImportError:
        have_hf = False
        print("transformers/peft not importable here: comparing with the float64 goldens only")
    failed = 0
    import re
    for case in json.load(open(os.path.join(ROOT, "goldens", "index.json")))["cases"]:
        if args.only and not re.search(args.only, case["case"]):
            continue
        try:
            got, golden = ours(args.jar, args.java, case)
        except RuntimeError as e:
            print("%-40s ours failed: %s" % (case["case"], e)); failed += 1; continue
        last = got["logits"]
        vs_golden = max(abs(a - b) for a, b in zip(last, golden["logits"][-1]))
        argmax_ok = got["argmax"] == golden["argmax"]
        line = "%-40s vs float64 golden %.2e argmax %s" % (case["case"], vs_golden, "ok" if argmax_ok else "DIFFERS")
        bad = vs_golden > 1e-3 or not argmax_ok
        if have_hf:
            try:
                hf = transformers_logits(case, golden["tokens"])
                vs_hf = max(abs(a - b) for a, b in zip(last, hf[-1]))
                hf_argmax = [max(range(len(row)), key=row.__getitem__) for row in hf]
                line += " | vs Transformers+PEFT %.2e argmax %s" % (vs_hf, "ok" if hf_argmax == got["argmax"] else "DIFFERS")
                bad |= vs_hf > 1e-3 or hf_argmax != got["argmax"]
            except Exception as e:  # a PEFT version that cannot load a case is reported, not hidden
                line += " | Transformers+PEFT failed: %s" % str(e).splitlines()[0][:120]
                bad = True
        print(line)
        failed += bad
    print("%d case(s) differ" % failed)
    sys.exit(1 if failed else 0)

if __name__ == "__main__":
    main()
