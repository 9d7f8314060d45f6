//! End to end: after `insecure-default-secret`, a missing secret stops
//! start-up.
//!
//! `tests/e2e/app_settings.py` falls back to hard-coded secrets. Before the
//! fix it imports with nothing set; after `auditfix fix --unsafe-fixes
//! --write` importing it raises `ValueError` naming the variable when a
//! secret is unset or still set to the old placeholder, and imports fine
//! with real values. Test files are left alone unless `exclude-tests =
//! false`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

const SECRETS: [(&str, &str); 3] = [
    ("APP_SECRET_KEY", "dev-secret"),
    ("APP_DB_PASSWORD", "postgres"),
    ("APP_API_TOKEN", "changeme-token"),
];

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Import the settings module with exactly `env` set (of the `APP_*`
/// variables); `Ok(printed secrets)` or `Err(exception line)`.
fn import(dir: &Path, env: &[(&str, &str)]) -> Result<String, String> {
    let mut command = std::process::Command::new("python3");
    command
        .current_dir(dir)
        .args([
            "-c",
            "import app_settings as s; print(s.SECRET_KEY, s.DB_PASSWORD, s.API_TOKEN)",
        ])
        .env("PYTHONDONTWRITEBYTECODE", "1");
    for (name, _) in SECRETS {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("python3 must be installed");
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        Err(stderr.lines().last().unwrap_or("").to_owned())
    }
}

fn auditfix(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::cargo_bin("auditfix")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn a_missing_or_placeholder_secret_stops_start_up() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let module = dir.join("app_settings.py");
    std::fs::copy(manifest_dir().join("tests/e2e/app_settings.py"), &module).unwrap();

    // Before: the placeholders are used silently.
    assert_eq!(
        import(dir, &[]),
        Ok("dev-secret postgres changeme-token".to_owned())
    );

    let (code, _) = auditfix(
        dir,
        &[
            "fix",
            "--select",
            "insecure-default-secret",
            "--unsafe-fixes",
            "--write",
        ],
    );
    assert_eq!(code, Some(0));
    let fixed = std::fs::read_to_string(&module).unwrap();
    assert!(
        fixed.contains(r#"API_TOKEN = os.environ.get("APP_API_TOKEN")"#),
        "the module's prefix is used:\n{fixed}"
    );
    assert!(
        !fixed.contains(r#""APP_DEBUG")"#),
        "DEBUG is no secret:\n{fixed}"
    );

    let real = [
        ("APP_SECRET_KEY", "k3Jd9sLq0vTz"),
        ("APP_DB_PASSWORD", "pw-from-vault"),
        ("APP_API_TOKEN", "tok-from-vault"),
    ];
    assert_eq!(
        import(dir, &real),
        Ok("k3Jd9sLq0vTz pw-from-vault tok-from-vault".to_owned())
    );
    for (index, (name, placeholder)) in SECRETS.iter().enumerate() {
        // Unset: stops, naming the variable and how to make a value.
        let mut env: Vec<(&str, &str)> = real.to_vec();
        env.remove(index);
        let error = import(dir, &env).unwrap_err();
        assert!(error.starts_with("ValueError"), "{name}: {error}");
        assert!(error.contains(name), "{name}: {error}");
        // A key the app makes up says how to generate one; a token or API
        // key issued elsewhere says to use the issued credential.
        let issued = ["TOKEN", "API"].iter().any(|w| name.contains(w));
        let hint = if issued {
            "issuing service"
        } else {
            "secrets.token_urlsafe"
        };
        assert!(error.contains(hint), "{error}");
        // Set to the old placeholder: stops too.
        let mut env: Vec<(&str, &str)> = real.to_vec();
        env[index] = (name, placeholder);
        let error = import(dir, &env).unwrap_err();
        assert!(error.starts_with("ValueError"), "{name}: {error}");
        assert!(error.contains(name), "{name}: {error}");
        // Set to the empty string: stops.
        let mut env: Vec<(&str, &str)> = real.to_vec();
        env[index] = (name, "");
        assert!(import(dir, &env).is_err(), "{name} empty");
    }

    // Idempotent: nothing left to fix.
    let (code, stdout) = auditfix(dir, &["check", "--select", "insecure-default-secret"]);
    assert_eq!((code, stdout.as_str()), (Some(0), ""));
}

#[test]
fn test_files_keep_their_dummy_secrets_unless_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::create_dir_all(dir.join("app")).unwrap();
    let dummy = "import os\n\nSECRET_KEY = \"test-secret\"\nos.environ.setdefault(\"API_TOKEN\", \"test-token\")\n";
    for path in ["tests/settings.py", "app/test_views.py", "conftest.py"] {
        std::fs::write(dir.join(path), dummy).unwrap();
    }
    std::fs::write(dir.join("app/settings.py"), dummy).unwrap();

    let (code, stdout) = auditfix(dir, &["check", "--select", "insecure-default-secret"]);
    assert_eq!(code, Some(1));
    let files: Vec<&str> = stdout.lines().filter_map(|l| l.split(':').next()).collect();
    assert_eq!(files, ["app/settings.py", "app/settings.py"], "{stdout}");

    std::fs::write(
        dir.join("pyproject.toml"),
        "[tool.auditfix.insecure-default-secret]\nexclude-tests = false\n",
    )
    .unwrap();
    let (code, stdout) = auditfix(dir, &["check", "--select", "insecure-default-secret"]);
    assert_eq!(code, Some(1));
    assert_eq!(stdout.lines().count(), 8, "{stdout}");
}
