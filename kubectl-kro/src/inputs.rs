//! Reading RGD files: paths, directories (every `.yaml`/`.yml` below, sorted) and `-` for
//! standard input.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// A file's path as the user should see it, and its text.
pub struct Input {
    /// The path as given or found (`-` reads as `<stdin>`).
    pub path: String,
    /// The file's contents.
    pub text: String,
    /// Whether the user named this file (rather than it being found in a directory).
    pub explicit: bool,
}

/// Reads every input named on the command line.
pub fn read_all(paths: &[PathBuf]) -> Result<Vec<Input>> {
    let mut inputs = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading standard input")?;
            inputs.push(Input {
                path: "<stdin>".to_owned(),
                text,
                explicit: true,
            });
        } else if path.is_dir() {
            let mut found = Vec::new();
            collect_yaml(path, &mut found)?;
            found.sort();
            if found.is_empty() {
                bail!("{} holds no .yaml or .yml files", path.display());
            }
            for file in found {
                inputs.push(read(&file, false)?);
            }
        } else {
            inputs.push(read(path, true)?);
        }
    }
    Ok(inputs)
}

/// Reads exactly one file (or standard input).
pub fn read_one(path: &Path) -> Result<Input> {
    let mut inputs = read_all(&[path.to_path_buf()])?;
    match inputs.len() {
        1 => Ok(inputs.remove(0)),
        _ => bail!("{} is a directory; name one file", path.display()),
    }
}

fn read(path: &Path, explicit: bool) -> Result<Input> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let text = String::from_utf8(bytes)
        .with_context(|| format!("{} is not UTF-8 text", path.display()))?;
    Ok(Input {
        path: path.display().to_string(),
        text,
        explicit,
    })
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read directory {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            collect_yaml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    Ok(())
}
