"""Optional cross-check against the Rust reference, Hugging Face `tokenizers` (pip package).

The committed corpus holds ids from JS peers, whose regex engine differs from the reference on
U+0085 and U+FEFF. This script feeds 30,000 short random strings built from the awkward
characters (those two included, long s after an apostrophe, special-token strings, astral
letters and digits) to both the reference and `chat.jar tokenize --jsonl`, and reports any
difference. Needs Python with `tokenizers`, a JDK 25 and a built chat.jar.

Usage: python check-against-hf-tokenizers.py TOKENIZER_JSON CHAT_JAR
"""
import json
import random
import subprocess
import sys

from tokenizers import Tokenizer

POOL = [" ", " ", "\t", "\n", "\r", "\x0b", "\x0c", "\x85", "\xa0", "\u2028", "\u3000", "\u200b", "\ufeff",
        "\x1c", "\x1f", "'", "'", "s", "S", "t", "r", "e", "E", "v", "m", "l", "L", "d", "x", "\u017f", "\u212a",
        "a", "Z", "0", "7", "\u0663", "\xbd", "\u2167", "!", ".", "-", "<", "|", "\u0301", "\u094d", "\u0939",
        "\u4e2d", "\U0001F600", "\U0001F3FD", "\u200d", "\U0001D7CE", "\U00020000", "\xe9", "<|eot_id|>",
        "<|begin_of_text|>", "<|eot_id", "\u1680", "\u2000", "\u205f", "\u180e", "\u2060", "\ue000"]


def main(tokenizer_json, chat_jar):
    reference = Tokenizer.from_file(tokenizer_json)
    rng = random.Random(7)
    texts = ["".join(rng.choice(POOL) for _ in range(rng.randint(0, 24))) for _ in range(30000)]
    expected = [reference.encode(t, add_special_tokens=False).ids for t in texts]
    stdin = "".join(json.dumps({"text": t}) + "\n" for t in texts)
    run = subprocess.run(["java", "-jar", chat_jar, "tokenize", "--tokenizer", tokenizer_json, "--jsonl"],
                         input=stdin.encode("utf-8"), capture_output=True, check=True)
    actual = [json.loads(line)["ids"] for line in run.stdout.decode("utf-8").splitlines()]
    differ = [i for i in range(len(texts)) if expected[i] != actual[i]]
    for i in differ[:10]:
        print(json.dumps(texts[i]), "reference", expected[i], "lorillama", actual[i])
    print(f"{len(texts) - len(differ)} passed, {len(differ)} failed")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
