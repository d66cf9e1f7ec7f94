// Generates the Llama 3 tokenizer conformance corpus: about 1.2 MB of deliberately awkward text
// (many scripts, emoji sequences, combining marks, odd whitespace, contractions, digits, code,
// JSON, special-token strings, random code points), one JSON record {"text": ...} per line.
//
// Deterministic: a fixed seed drives a small PRNG, so the same file comes out every time.
// Usage: node generate-corpus.mjs OUT.jsonl [targetBytes]
import { writeFileSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const out = process.argv[2] ?? "corpus.jsonl";
const targetBytes = Number(process.argv[3] ?? 1_250_000);

// mulberry32: tiny, well-known, and identical on every Node version.
let seed = 0x11a3a3;
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
const pick = (xs) => xs[Math.floor(random() * xs.length)];
const chance = (p) => random() < p;
const repeat = (n, f) => Array.from({ length: n }, f).join("");

// --- seed material: a few sentences per script, recombined at random -----------------------
const PROSE = {
  en: "The quick brown fox jumps over the lazy dog. It's raining again, isn't it? We'll see what they've done by noon. I'm sure you'd agree that the results weren't what we'd hoped for. Mr. O'Neil paid $1,234.56 on 2024-03-17 at 09:45. Don't panic: the towel is in the left drawer.",
  de: "Zwölf Boxkämpfer jagen Viktor quer über den großen Sylter Deich. Die Straße heißt Fußgängerzone, und das Wetter ist übermäßig schön. Können Sie mir bitte sagen, wo der Bahnhof ist?",
  fr: "Le cœur déçu mais l'âme plutôt naïve, Louÿs rêva de crapaüter en canoë au delà des îles. Qu'est-ce que c'est ? « Bonjour », dit-il, l'air étonné.",
  es: "El pingüino Wenceslao hizo kilómetros bajo exhaustiva lluvia y frío; añoraba a su querido cachorro. ¿Dónde está la biblioteca? ¡Qué sorpresa!",
  pt: "À noite, vovô Kowalsky vê o ímã cair no pé do pinguim queixoso e vovó põe açúcar no chá de tâmaras do jabuti feliz.",
  pl: "Zażółć gęślą jaźń. Pchnąć w tę łódź jeża lub ośm skrzyń fig. Źdźbło trawy drży na wietrze.",
  tr: "Pijamalı hasta yağız şoföre çabucak güvendi. İstanbul'da ılık bir akşam, ığdır'dan gelen dostlar.",
  vi: "Tiếng Việt có sáu thanh điệu; người ta nói rằng học nó không dễ. Hà Nội mùa thu đẹp lắm.",
  ru: "Съешь же ещё этих мягких французских булок, да выпей чаю. В чащах юга жил бы цитрус? Да, но фальшивый экземпляр!",
  uk: "Чуєш їх, доцю, га? Кумедна ж ти, прощайся без ґольфів! Їжак з'їв ґудзик.",
  el: "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία. Τάχιστη αλώπηξ βαφής ψημένη γη, δρασκελίζει υπέρ νωθρού κυνός. Ἐν ἀρχῇ ἦν ὁ λόγος.",
  ar: "نص حكيم له سر قاطع وذو شأن عظيم مكتوب على ثوب أخضر ومغلف بجلد أزرق. مرحبًا بالعالم! كيف حالك اليوم؟ ٱلْعَرَبِيَّة لُغَةٌ جَمِيلَةٌ.",
  he: "דג סקרן שט בים מאוכזב ולפתע מצא חברה. שָׁלוֹם עֲלֵיכֶם! מה שלומך היום?",
  fa: "به نام خداوند جان و خرد، کزین برتر اندیشه برنگذرد. زبان فارسی ۱۲۳۴ سال تاریخ دارد.",
  hi: "ऋषियों को सताने वाले दुष्ट राक्षसों के राजा रावण का सर्वनाश करने वाले विष्णुवतार भगवान श्रीराम। नमस्ते दुनिया! आप कैसे हैं? संख्या १२३४५ है।",
  bn: "আমি বাংলায় গান গাই। ঢাকা বাংলাদেশের রাজধানী, জনসংখ্যা ২১০০০০০০।",
  ta: "யாமறிந்த மொழிகளிலே தமிழ்மொழி போல் இனிதாவது எங்கும் காணோம்.",
  th: "เป็นมนุษย์สุดประเสริฐเลิศคุณค่า กว่าบรรดาฝูงสัตว์เดรัจฉาน สวัสดีครับ วันนี้อากาศดีมาก ๑๒๓",
  zh: "我能吞下玻璃而不伤身体。敏捷的棕色狐狸跳过了懒狗。今天天气很好，我们去公园散步吧！人工智能正在改变世界。",
  ja: "いろはにほへと ちりぬるを わかよたれそ つねならむ。東京タワーは３３３メートルです。カタカナとひらがなと漢字。ｶﾀｶﾅ半角もある。",
  ko: "키스의 고유조건은 입술끼리 만나야 하고 특별한 기술은 필요치 않다. 안녕하세요, 세계! 오늘은 2024년 5월 1일입니다.",
  ka: "ქართული ენა ერთ-ერთი უძველესი ენაა. გამარჯობა, მსოფლიო!",
  hy: "Բարեւ աշխարհ։ Հայերենն ունի իր այբուբենը։",
  am: "ሰላም ለዓለም። አማርኛ በኢትዮጵያ ይነገራል።",
  my: "မင်္ဂလာပါ ကမ္ဘာလောက။ မြန်မာဘာသာစကား။",
  km: "សួស្តី​ពិភពលោក។ ភាសាខ្មែរ​មាន​អក្សរ​ស្រស់ស្អាត។",
};

const WORDS = Object.fromEntries(
  Object.entries(PROSE).map(([k, v]) => [k, v.split(/(?<=\s)/u)])
);

const CODE = [
  `public static int gcd(int a, int b) {\n    while (b != 0) {\n        int t = a % b;\n        a = b;\n        b = t;\n    }\n    return a;\n}\n`,
  `def fib(n: int) -> int:\n\tif n < 2:\n\t\treturn n\n\treturn fib(n - 1) + fib(n - 2)\n\nprint([fib(i) for i in range(30)])\n`,
  `const xs = [1, 2, 3].map((x) => x ** 2).filter(Boolean);\nconsole.log(\`sum=\${xs.reduce((a, b) => a + b, 0)}\`);\n`,
  `#include <stdio.h>\nint main(void) {\n  for (int i = 0; i < 10; ++i) printf("%d\\n", i * i);\n  return 0;\n}\n`,
  `SELECT u.id, COUNT(*) AS n FROM users u JOIN orders o ON o.user_id = u.id WHERE o.total >= 100.00 GROUP BY u.id HAVING n > 3;\n`,
  `fn main() {\n    let v: Vec<u64> = (1..=10).map(|x| x * x).collect();\n    println!("{:?}", v);\n}\n`,
  `<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Test &amp; more</title></head>\n<body><p class='x'>Hello&nbsp;world</p></body>\n</html>\n`,
  `#!/usr/bin/env bash\nset -euo pipefail\nfor f in *.txt; do\n  wc -l "$f" | awk '{print $1}' >> counts.log\ndone\n`,
  `package main\n\nimport "fmt"\n\nfunc main() {\n\tch := make(chan int, 3)\n\tgo func() { ch <- 42 }()\n\tfmt.Println(<-ch)\n}\n`,
  `\\begin{equation}\n  E = mc^2 \\quad \\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}\n\\end{equation}\n`,
  `diff --git a/x.py b/x.py\n@@ -1,3 +1,4 @@\n-import os\n+import os, sys\n+\n x = 1\n`,
];

const SPECIALS = [
  "<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
  "<|eot_id|>", "<|eom_id|>", "<|python_tag|>", "<|finetune_right_pad_id|>",
  "<|reserved_special_token_0|>", "<|reserved_special_token_17|>", "<|reserved_special_token_247|>",
];
const NEAR_SPECIALS = [
  "<|eot_id", "<|eot_id|", "eot_id|>", "<|EOT_ID|>", "<|reserved_special_token_248|>",
  "<|unknown|>", "< |eot_id|>", "<||>", "<|", "|>", "<|<|eot_id|>|>",
];

const EMOJI = [
  "😀", "😂", "🥲", "🤖", "🦙", "🔥", "✨", "❤️", "👍🏽", "👋🏿", "🧑🏻‍💻", "👨‍👩‍👧‍👦", "👩🏾‍🚀",
  "🏳️‍🌈", "🏴‍☠️", "🇩🇪", "🇯🇵", "🇺🇸", "#️⃣", "1️⃣", "©️", "™", "🫠", "🪿", "🧬", "☕", "⌚",
  "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "💁‍♀️", "🤷🏼‍♂️", "👁️‍🗨️",
];
const COMBINING = [
  "e\u0301", "a\u0308", "n\u0303", "o\u0302\u0323", "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324",
  "\u05e9\u05c1\u05b8", "\u0628\u0650\u0633\u0652\u0645\u0650", "\u0915\u094d\u0937", "\u0e01\u0e34\u0e48",
  "\u1100\u1161\u11a8", "x\u20dd", "q\u0327\u0301",
];
const SPACES = [" ", "  ", "\t", "\n", "\r\n", "\r", "\u00a0", "\u2028", "\u2029", "\u3000", "\u2003",
  "\u202f", "\u205f", "\u1680", "\u000b", "\u000c", "\u200b", "\u2060", " \n", "\n\n\n", "\t\t", "    "];
const DIGITS = ["0123456789", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "०१२३४५६७८९", "０１２３４５６７８９", "²³¹⁴", "½¼¾⅓",
  "ⅠⅡⅢⅣⅫ", "①②③", "𝟎𝟏𝟐𝟗", "๐๑๒๓"];
const CONTRACTION_BASES = ["don", "can", "it", "we", "they", "I", "you", "she", "wouldn", "O", "rock", "l"];
const CONTRACTION_TAILS = ["s", "t", "re", "ve", "m", "ll", "d", "S", "T", "RE", "Re", "rE", "VE", "vE", "M", "LL", "Ll", "lL", "D", "x", "", "sT", "dd"];

// Code-point ranges for random text: blocks whose characters and categories have been stable
// for many Unicode versions, so that JS, Java and Rust agree on \p{L}, \p{N} and \s.
const RANGES = [
  [0x20, 0x7e], [0xa0, 0x24f], [0x250, 0x36f], [0x370, 0x3ff], [0x400, 0x52f], [0x590, 0x5ff],
  [0x600, 0x6ff], [0x900, 0x97f], [0xe00, 0xe7f], [0x1100, 0x11ff], [0x1e00, 0x1fff],
  [0x2000, 0x206f], [0x2070, 0x209f], [0x20a0, 0x20bf], [0x2100, 0x214f], [0x2150, 0x218b],
  [0x2190, 0x23ff], [0x2460, 0x24ff], [0x2500, 0x27bf], [0x3000, 0x303f], [0x3040, 0x30ff],
  [0x4e00, 0x9fa5], [0xac00, 0xd7a3], [0xf900, 0xfa2d], [0xfb00, 0xfb4f], [0xfe30, 0xfe4f],
  [0xff01, 0xffee], [0x10000, 0x100fa], [0x10300, 0x1034a], [0x10400, 0x1044f], [0x12000, 0x1236e],
  [0x13000, 0x1342e], [0x1d400, 0x1d7ff], [0x1f300, 0x1f64f], [0x1f680, 0x1f6d2], [0x20000, 0x2a6d6],
  [0x2f800, 0x2fa1d], [0xe0020, 0xe007f], [0x0, 0x1f], [0x7f, 0x9f],
];
const unassigned = /\p{Cn}|\p{Cs}/u;
// JavaScript's \s differs from Unicode White_Space (what the Rust reference uses) on exactly these
// two: U+0085 is White_Space but not JS \s, U+FEFF the other way round. The JS peers would record
// non-reference ids, so they stay out of the corpus; the Java tests cover them separately.
const JS_WHITESPACE_MISMATCH = new Set(["\u0085", "\ufeff"]);
function randomCodePoint() {
  for (;;) {
    const [lo, hi] = pick(RANGES);
    const c = String.fromCodePoint(int(lo, hi));
    if (!unassigned.test(c) && !JS_WHITESPACE_MISMATCH.has(c)) return c;
  }
}

// --- record kinds ---------------------------------------------------------------------------
function sentenceMix() {
  const langs = Object.keys(WORDS);
  let s = "";
  const n = int(1, 4);
  for (let i = 0; i < n; i++) {
    const words = WORDS[pick(langs)];
    const start = int(0, words.length - 1);
    s += words.slice(start, start + int(3, 30)).join("");
    if (chance(0.3)) s += pick(SPACES);
  }
  return s;
}
function prose() {
  const paras = int(1, 6);
  let s = "";
  for (let i = 0; i < paras; i++) {
    const lang = pick(Object.keys(PROSE));
    s += PROSE[lang];
    if (chance(0.5)) s += " " + sentenceMix();
    s += pick(["\n\n", "\n", "\r\n\r\n", " ", "\n \n"]);
  }
  return s;
}
function code() {
  let s = pick(CODE);
  if (chance(0.5)) s = s.replace(/    /g, "\t");
  if (chance(0.3)) s = s.replace(/\n/g, "\r\n");
  if (chance(0.3)) s += `// ${sentenceMix()}\n`;
  if (chance(0.3)) s = s.replace(/[a-z]+/, (w) => w + "_" + int(0, 99999));
  return s;
}
function jsonValue(depth) {
  if (depth > 3 || chance(0.3)) {
    return pick([
      () => int(-1e6, 1e6),
      () => Math.round(random() * 1e6) / 1000,
      () => Array.from(sentenceMix()).slice(0, 40).join(""),
      () => pick(EMOJI) + pick(Object.keys(PROSE)),
      () => chance(0.5),
      () => null,
    ])();
  }
  if (chance(0.5)) return Array.from({ length: int(0, 5) }, () => jsonValue(depth + 1));
  const o = {};
  for (let i = 0; i < int(1, 5); i++) o[pick(["id", "name", "tags", "Ünïcode", "値", "data", "x_y", "$ref"]) + i] = jsonValue(depth + 1);
  return o;
}
function json() {
  const v = jsonValue(0);
  return pick([JSON.stringify(v), JSON.stringify(v, null, 2), JSON.stringify(v, null, "\t"), JSON.stringify(v).replace(/[\u0080-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"))]);
}
function whitespace() {
  return repeat(int(5, 60), () => chance(0.5) ? pick(SPACES).repeat(int(1, 12)) : pick([pick(WORDS.en), "x", "1", "!", ".", "\u00e9", "\u4e2d", pick(EMOJI), "'s", "'T"]));
}
function numbers() {
  return repeat(int(5, 40), () => pick([
    () => String(int(0, 9)).repeat(int(1, 40)),
    () => String(int(0, 1e9)) + pick(["", ".", ",", "e", "x", "%", " "]) + String(int(0, 1e5)),
    () => Array.from(pick(DIGITS)).slice(0, int(1, 10)).join(""),
    () => "v" + int(0, 9) + "." + int(0, 99) + "." + int(0, 999),
    () => "0x" + int(0, 2 ** 31).toString(16).toUpperCase(),
    () => pick(SPACES),
  ])());
}
function contractions() {
  return repeat(int(5, 40), () => {
    const base = pick(CONTRACTION_BASES);
    const word = chance(0.3) ? base.toUpperCase() : base;
    return word + pick(["'", "'", "'", "’", "''"]) + pick(CONTRACTION_TAILS) + pick([" ", " ", "", "\n", ".", "s", "ing "]);
  });
}
function emoji() {
  return repeat(int(5, 50), () => pick([() => pick(EMOJI), () => pick(EMOJI) + pick(EMOJI), () => " ", () => pick(WORDS.en), () => pick(COMBINING), () => "\u200d", () => "\ufe0f"])());
}
function combining() {
  return repeat(int(5, 50), () => pick(COMBINING) + (chance(0.4) ? pick(SPACES) : "") + (chance(0.3) ? pick(WORDS[pick(Object.keys(WORDS))]) : ""));
}
function specials() {
  return repeat(int(3, 20), () => pick([
    () => pick(SPECIALS), () => pick(NEAR_SPECIALS), () => sentenceMix(), () => pick(SPACES), () => pick(SPECIALS) + pick(SPECIALS),
    () => "<|start_header_id|>user<|end_header_id|>\n\n" + sentenceMix() + "<|eot_id|>",
  ])());
}
function randomUnicode() {
  return repeat(int(5, 200), () => chance(0.15) ? pick(SPACES) : randomCodePoint());
}
function longRuns() {
  return pick([" ", "\n", "\t", "0", "7", "a", "é", "中", "!", "-", "=", "\r\n", " \n", "😀", "\u00a0"]).repeat(int(10, 3000)) + pick(["", "x", " y", "\n", "1"]);
}

const KINDS = [
  [prose, 20], [code, 10], [json, 8], [whitespace, 8], [numbers, 8], [contractions, 8],
  [emoji, 8], [combining, 6], [specials, 8], [randomUnicode, 12], [longRuns, 2],
];
const totalWeight = KINDS.reduce((a, [, w]) => a + w, 0);
function randomKind() {
  let r = random() * totalWeight;
  for (const [f, w] of KINDS) if ((r -= w) < 0) return f;
  return KINDS[0][0];
}

const lines = [];
// Fixed edge cases first, then random records.
const fixed = [
  "", " ", "\n", "a", "'s", "'S", "DON'T", "we'Ll", "I'M", "it'd", "<|eot_id|>", "Hello world", " Hello", "  Hello",
  "hello  \n\n  world", "1234567", "\u00a0\u00a0x", "x\u2028y", "\ud83d\udc4d\ud83c\udffd", "\r\n\r\n", "a\tb\t\tc",
  readFileSync(fileURLToPath(import.meta.url), "utf8"),
];
for (const t of fixed) lines.push(JSON.stringify({ text: t }));
let bytes = 0;
while (bytes < targetBytes) {
  let text = randomKind()();
  if (chance(0.1)) text = randomKind()() + text;
  bytes += Buffer.byteLength(text, "utf8");
  lines.push(JSON.stringify({ text }));
}
writeFileSync(out, lines.join("\n") + "\n");
console.error(`wrote ${lines.length} records, ${bytes} bytes of text, to ${out}`);
