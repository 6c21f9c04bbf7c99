//! A missing liburing stops the build with one actionable message.
#[path = "../build/find.rs"]
#[allow(dead_code)]
mod find;

use std::collections::HashMap;

fn run(vars: &[(&str, &str)]) -> Result<find::Found, find::NotFound> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    find::find(&|k| vars.get(k).cloned(), &|_| {
        Err("Package liburing was not found in the pkg-config search path".into())
    })
}

#[test]
fn missing_liburing_names_the_package_and_the_env_vars() {
    let empty = std::env::temp_dir().join(format!("no-liburing-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let dir = empty.to_str().unwrap();
    let err = run(&[("LIBURING_INCLUDE_DIR", dir), ("LIBURING_LIB_DIR", dir)]).unwrap_err();
    let msg = err.to_string();
    for needle in [
        "apt-get install liburing-dev",
        "dnf install liburing-devel",
        "LIBURING_INCLUDE_DIR",
        "LIBURING_LIB_DIR",
        "LIBURING_STATIC",
        "LIBURING_NO_PKG_CONFIG",
        "no liburing.h",
        "no liburing.so",
        dir,
    ] {
        assert!(msg.contains(needle), "message lacks {needle:?}:\n{msg}");
    }
    std::fs::remove_dir_all(&empty).unwrap();
}

#[test]
fn static_override_looks_for_the_archive() {
    let empty = std::env::temp_dir().join(format!("no-liburing-a-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let dir = empty.to_str().unwrap();
    let msg = run(&[("LIBURING_LIB_DIR", dir), ("LIBURING_STATIC", "1")])
        .unwrap_err()
        .to_string();
    assert!(msg.contains("no liburing.a"), "{msg}");
    std::fs::remove_dir_all(&empty).unwrap();
}

#[test]
fn pkg_config_failure_is_reported_where_it_looked() {
    match run(&[]) {
        // A system liburing.h exists: found in the default directories without pkg-config.
        Ok(found) => assert_eq!(found.source, "default system directories"),
        Err(e) => assert!(e.to_string().contains("pkg-config liburing"), "{e}"),
    }
}

#[test]
fn no_pkg_config_is_honoured() {
    let r = run(&[("LIBURING_NO_PKG_CONFIG", "1")]);
    let text = match r {
        Ok(f) => format!("{f:?}"),
        Err(e) => e.to_string(),
    };
    assert!(
        !text.contains("not found in the pkg-config search path"),
        "{text}"
    );
}
