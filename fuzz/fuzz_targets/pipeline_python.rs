//! Mutated real Python through the per-file pipeline.
//!
//! The input does not hold Python: it says which of the repository's own
//! Python files to start from (`examples/`, `tests/fixtures/`, `tests/e2e/`)
//! and how to mutate it, line by line, so that most results are still
//! Python and reach the codemods' fix paths rather than the syntax-error
//! exit. Layout:
//!
//! - byte 0: the seed file (index modulo the number of seeds);
//! - byte 1: settings — bit 0 unsafe fixes, bit 1 alternative codemod
//!   options, bits 2-3 the path (`auditfix::invariants::PATHS`);
//! - then up to 64 mutations of 5 bytes `op, line lo, line hi, arg, column`:
//!   delete, duplicate, swap, indent or dedent a line, splice in a line of
//!   another seed, insert a snippet (`SNIPPETS`) into a line, replace a line
//!   by a snippet at the same indentation, cut a line, or change the whole
//!   file (CRLF, LF, no final newline, BOM, tabs).
//!
//! To see the Python text of an input (e.g. a crash to turn into a
//! regression file), run it with `AUDITFIX_FUZZ_DUMP=out.py`.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use auditfix::codemod::Engine;
use auditfix::driver::FixPolicy;
use auditfix::invariants;
use libfuzzer_sys::fuzz_target;

/// Fragments that trigger codemods or stress the tokenizer.
const SNIPPETS: &[&str] = &[
    "except:",
    "except Exception:",
    "except Exception as e:",
    "pass",
    "return",
    "continue",
    "try:",
    "else:",
    "finally:",
    "if x:",
    "for item in items:",
    "with open(p) as f:",
    "def f(cur):",
    "async def g(db):",
    "class C:",
    "if __name__ == \"__main__\":",
    "row = cur.fetchone()",
    "return cur.fetchone()[0]",
    "dict(cur.fetchone())",
    "(await db.fetch_one(q))[0]",
    "a, b = cur.fetchone()",
    "print(x)",
    "print(\"oops\", file=sys.stderr)",
    "logger.error(f\"failed: {e}\")",
    "logging.exception(\"x\")",
    "import logging",
    "import json",
    "import yaml",
    "import requests",
    "import subprocess",
    "import os, sys",
    "from json import loads",
    "data = json.loads(body)",
    "yaml.load(f)",
    "requests.get(url)",
    "requests.post(url, json=payload)",
    "subprocess.run(\"ls -l /tmp\", shell=True)",
    "subprocess.run([\"pg_dump\", \"-f\", out])",
    "result = subprocess.run([\"mysqldump\", db], capture_output=True)",
    "if result.returncode != 0:",
    "logger.warning(\"backup failed\")",
    "SECRET_KEY = \"changeme\"",
    "token = os.getenv(\"API_TOKEN\", \"dev\")",
    "cur.execute(f\"DELETE FROM t WHERE id = {x}\")",
    "cur.execute(\"SELECT * FROM t WHERE name = '%s'\" % name)",
    "conn.execute(\"DROP TABLE \" + name)",
    "app.add_middleware(CORSMiddleware, allow_headers=[\"*\"])",
    "port = int(os.environ[\"PORT\"])",
    "s.split(\",\")[1]",
    "f\"plain\"",
    "f'{{braces}}'",
    "rf\"\\d\"",
    "x = 1  # auditfix: ignore",
    "# nosec",
    "# -*- coding: latin-1 -*-",
    "#!/usr/bin/env python3",
    "\"\"\"",
    "'''",
    "\\",
    "(",
    ")",
    "[",
    "]",
    "{",
    ":",
    ";",
    "#",
    "'",
    "\"",
    " ",
    "\t",
    "    ",
    "\r",
    "\n",
    "\r\n",
    "\x0c",
    "\u{feff}",
    "\u{e9}",
    "\u{2028}",
    "lambda: 0",
    "@decorator",
    "match x:",
    "case _:",
    "yield",
    "global logger",
    "logger = logging.getLogger(__name__)",
];

fn seeds() -> &'static [Vec<String>] {
    static SEEDS: OnceLock<Vec<Vec<String>>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for dir in ["examples", "tests/fixtures", "tests/e2e"] {
            collect_python(&root.join(dir), &mut files);
        }
        files.sort();
        let seeds: Vec<Vec<String>> = files
            .iter()
            .filter_map(|f| std::fs::read_to_string(f).ok())
            .map(|text| text.split_inclusive('\n').map(str::to_owned).collect())
            .filter(|lines: &Vec<String>| !lines.is_empty())
            .collect();
        assert!(!seeds.is_empty(), "no seed Python files under {root:?}");
        seeds
    })
}

fn collect_python(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_python(&path, out);
        } else if path.extension().is_some_and(|e| e == "py") {
            out.push(path);
        }
    }
}

fn engines() -> &'static [Engine; 2] {
    static ENGINES: OnceLock<[Engine; 2]> = OnceLock::new();
    ENGINES.get_or_init(|| [invariants::engine(false), invariants::engine(true)])
}

/// The line ending of `line` (empty for the last line without one).
fn ending(line: &str) -> &str {
    let body = line.trim_end_matches(['\r', '\n']);
    &line[body.len()..]
}

fn indentation(line: &str) -> &str {
    let body = line.trim_start_matches([' ', '\t']);
    &line[..line.len() - body.len()]
}

/// Byte offset of the `column`-th character boundary of `line` (clamped).
fn boundary(line: &str, column: u8) -> usize {
    let body_len = line.len() - ending(line).len();
    let mut at = usize::from(column).min(body_len);
    while !line.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Apply the mutations described by `ops` to a copy of `seed`.
fn mutate(seed: &[String], ops: &[u8]) -> String {
    let seeds = seeds();
    let mut lines = seed.to_vec();
    for op in ops.chunks_exact(5).take(64) {
        let [kind, lo, hi, arg, column] = [op[0], op[1], op[2], op[3], op[4]];
        if lines.is_empty() {
            lines.push(String::new());
        }
        let n = lines.len();
        let at = usize::from(u16::from_le_bytes([lo, hi])) % n;
        match kind % 10 {
            0 => {
                lines.remove(at);
            }
            1 => {
                let copy = lines[at].clone();
                lines.insert(at, copy);
            }
            2 => {
                let other = &seeds[usize::from(arg) % seeds.len()];
                let line = other[(at * 7 + usize::from(column)) % other.len()].clone();
                lines.insert(at, line);
            }
            3 => {
                let unit = if arg % 2 == 0 { "    " } else { "\t" };
                lines[at].insert_str(0, unit);
            }
            4 => {
                let line = &mut lines[at];
                let spaces = line.len() - line.trim_start_matches(' ').len();
                let cut = if line.starts_with('\t') {
                    1
                } else {
                    spaces.min(4)
                };
                line.drain(..cut);
            }
            5 => lines.swap(at, (at + 1) % n),
            6 => {
                let snippet = SNIPPETS[usize::from(arg) % SNIPPETS.len()];
                let line = &mut lines[at];
                let offset = boundary(line, column);
                line.insert_str(offset, snippet);
            }
            7 => {
                let snippet = SNIPPETS[usize::from(arg) % SNIPPETS.len()];
                let line = &lines[at];
                let eol = if ending(line).is_empty() {
                    "\n"
                } else {
                    ending(line)
                };
                lines[at] = format!("{}{snippet}{eol}", indentation(line));
            }
            8 => {
                let line = &mut lines[at];
                let offset = boundary(line, column);
                let eol = ending(line).to_owned();
                line.truncate(offset);
                line.push_str(&eol);
            }
            _ => {
                for line in lines.iter_mut() {
                    *line = match arg % 5 {
                        0 if line.ends_with('\n') && !line.ends_with("\r\n") => {
                            format!("{}\r\n", &line[..line.len() - 1])
                        }
                        1 => line.replace("\r\n", "\n"),
                        4 => {
                            let indent = indentation(line).replace("    ", "\t");
                            format!("{indent}{}", line.trim_start_matches([' ', '\t']))
                        }
                        _ => continue,
                    };
                }
                match arg % 5 {
                    2 => {
                        if let Some(last) = lines.last_mut() {
                            let keep = last.len() - ending(last).len();
                            last.truncate(keep);
                        }
                    }
                    3 => lines[0].insert(0, '\u{feff}'),
                    _ => {}
                }
            }
        }
    }
    lines.concat()
}

/// Write `text` to `dump`, or into it (named by its hash) when it is a
/// directory: to look at the Python of a crash, or of a whole corpus.
fn dump_text(dump: &Path, text: &str) {
    use std::hash::{Hash, Hasher};
    let file = if dump.is_dir() {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut hasher);
        dump.join(format!("{:016x}.py", hasher.finish()))
    } else {
        dump.to_owned()
    };
    std::fs::write(&file, text).unwrap_or_else(|e| panic!("{file:?}: {e}"));
}

fuzz_target!(|data: &[u8]| {
    let [choice, settings, ops @ ..] = data else {
        return;
    };
    let seeds = seeds();
    let text = mutate(&seeds[usize::from(*choice) % seeds.len()], ops);
    if let Some(dump) = std::env::var_os("AUDITFIX_FUZZ_DUMP") {
        dump_text(Path::new(&dump), &text);
    }
    let policy = FixPolicy::new(settings & 1 == 1);
    let engine = &engines()[usize::from(settings >> 1 & 1)];
    let path = invariants::PATHS[usize::from(settings >> 2) % invariants::PATHS.len()];
    if let Err(violation) = invariants::check(Path::new(path), text.as_bytes(), engine, policy) {
        panic!("{path}, settings {settings:#04b}: {violation}");
    }
});
