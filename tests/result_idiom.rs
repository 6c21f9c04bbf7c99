//! Examples and doc examples unpack results one way (src/lib.rs, "Results"): `?` for the
//! ring, then take the output apart, then `?` for the kernel's result —
//! `let (n, file, buf) = ring.wait_for(t)?; let n = n?;` — never `wait_for(t)?.0?`, which
//! drops what came back without a word. (`??` stays for ops that own nothing: their output
//! is the bare result.)

fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs" || x == "md") {
            out.push(p);
        }
    }
}

#[test]
fn no_example_takes_the_result_alone() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = vec![root.join("README.md")];
    for d in ["src", "examples", "docs"] {
        files(&root.join(d), &mut all);
    }
    let mut found = Vec::new();
    for p in all {
        let text = std::fs::read_to_string(&p).unwrap();
        for (i, line) in text.lines().enumerate() {
            if line.contains(")?.0?") || line.contains(".await?.0?") {
                found.push(format!(
                    "{}:{}: {}",
                    p.strip_prefix(root).unwrap().display(),
                    i + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "take the output apart, then `?` the result (`let (n, file, buf) = ring.wait_for(t)?; let n = n?;`):\n{}",
        found.join("\n")
    );
}
