//! Running the built binary, and a small JSON Schema validator for the subset of keywords
//! `schema.json` uses (an unknown keyword is a test failure, so the schema cannot silently
//! outgrow the validator).
#![allow(dead_code)]

use serde_json::Value;
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_uring-check");

/// The binary with a clean colour environment.
pub fn cmd(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args).env_remove("NO_COLOR");
    c
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn finish(o: Output) -> Run {
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

pub fn run(args: &[&str]) -> Run {
    finish(cmd(args).output().expect("spawn uring-check"))
}

/// `--json` output, parsed.
pub fn run_json(args: &[&str]) -> (Run, Value) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let r = run(&all);
    let v: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr: {}", r.stdout, r.stderr));
    (r, v)
}

pub fn schema() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.json"))
        .expect("read schema.json");
    serde_json::from_str(&text).expect("schema.json is JSON")
}

/// Validates `v` against `schema`; returns every violation (empty when valid).
pub fn validate(schema: &Value, v: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    check(schema, v, "$", &mut errors);
    errors
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64(),
        other => panic!("schema uses unknown type {other}"),
    }
}

fn check(schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    let s = schema
        .as_object()
        .unwrap_or_else(|| panic!("schema at {at} is not an object"));
    for (key, rule) in s {
        match key.as_str() {
            "$schema" | "$id" | "title" | "description" => {}
            "type" => {
                let ok = match rule {
                    Value::String(t) => type_matches(t, v),
                    Value::Array(ts) => ts.iter().any(|t| type_matches(t.as_str().unwrap(), v)),
                    _ => panic!("bad type at {at}"),
                };
                if !ok {
                    errors.push(format!("{at}: {v} is not of type {rule}"));
                }
            }
            "const" => {
                if v != rule {
                    errors.push(format!("{at}: {v} != {rule}"));
                }
            }
            "enum" => {
                if !rule.as_array().unwrap().contains(v) {
                    errors.push(format!("{at}: {v} not in {rule}"));
                }
            }
            "minimum" => {
                if let (Some(x), Some(min)) = (v.as_f64(), rule.as_f64()) {
                    if x < min {
                        errors.push(format!("{at}: {x} < {min}"));
                    }
                }
            }
            "minLength" => {
                if let Some(st) = v.as_str() {
                    if (st.chars().count() as u64) < rule.as_u64().unwrap() {
                        errors.push(format!("{at}: string shorter than {rule}"));
                    }
                }
            }
            "required" => {
                if let Some(o) = v.as_object() {
                    for r in rule.as_array().unwrap() {
                        let r = r.as_str().unwrap();
                        if !o.contains_key(r) {
                            errors.push(format!("{at}: missing required '{r}'"));
                        }
                    }
                }
            }
            "properties" => {
                if let Some(o) = v.as_object() {
                    for (k, sub) in rule.as_object().unwrap() {
                        if let Some(x) = o.get(k) {
                            check(sub, x, &format!("{at}.{k}"), errors);
                        }
                    }
                }
            }
            "additionalProperties" => {
                if let Some(o) = v.as_object() {
                    let props = s.get("properties").and_then(Value::as_object);
                    for (k, x) in o {
                        if props.is_some_and(|p| p.contains_key(k)) {
                            continue;
                        }
                        match rule {
                            Value::Bool(false) => {
                                errors.push(format!("{at}: unexpected property '{k}'"))
                            }
                            Value::Bool(true) => {}
                            sub => check(sub, x, &format!("{at}.{k}"), errors),
                        }
                    }
                }
            }
            "items" => {
                if let Some(a) = v.as_array() {
                    for (i, x) in a.iter().enumerate() {
                        check(rule, x, &format!("{at}[{i}]"), errors);
                    }
                }
            }
            other => {
                panic!("schema keyword '{other}' at {at} is not supported by the test validator")
            }
        }
    }
}

/// The text table's rows: (check name, verdict in lower case).
pub fn text_rows(text: &str) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    let mut in_table = false;
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.first() == Some(&"CHECK") && words.get(1) == Some(&"VERDICT") {
            in_table = true;
            continue;
        }
        if !in_table || words.is_empty() {
            if in_table && words.is_empty() {
                break;
            }
            continue;
        }
        // A row starts in column 2 with the name; figure lines are indented further.
        if line.starts_with("  ") && !line.starts_with("   ") && words.len() >= 2 {
            rows.push((words[0].to_owned(), words[1].to_lowercase()));
        }
    }
    rows
}

/// Removes ANSI SGR sequences (`ESC [ ... m`).
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A liburing release, `(major, minor)`.
pub type Release = (u32, u32);

/// The release actually linked, from the library file's name (`liburing.so.2.1.0` is 2.1,
/// `liburing.so.1.0.7` is 0.7: the 0.x releases had soname 1), since the pkg-config file of
/// some releases names the one before (2.1's says 2.0); else the build version.
pub fn linked_release() -> Option<Release> {
    let lib = std::fs::canonicalize(system_liburing::sys::LIBURING_LIBRARY).ok();
    let from_name = lib
        .as_ref()
        .and_then(|p| {
            p.file_name()?
                .to_str()?
                .strip_prefix("liburing.so.")
                .map(str::to_owned)
        })
        .and_then(|v| {
            let mut it = v.split('.').map(|p| p.parse::<u32>().ok());
            match (it.next()??, it.next()??, it.next()) {
                (1, 0, Some(Some(minor))) => Some((0, minor)),
                (major, minor, _) if major >= 2 => Some((major, minor)),
                _ => None,
            }
        });
    from_name.or_else(|| {
        let mut it = system_liburing::LIBURING_BUILD_VERSION
            .split('.')
            .map(|p| p.parse::<u32>().ok());
        Some((it.next()??, it.next()??))
    })
}
