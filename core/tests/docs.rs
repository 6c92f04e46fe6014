//! `docs/diagnostics.md` lists every diagnostic code with its meaning; this test keeps it in
//! step with the code table. Run with `UPDATE_DOCS=1` to rewrite it.

use kro_core::diagnostic::Code;

fn render() -> String {
    let mut out = String::from(
        "# Diagnostics\n\nEvery problem kro-rs reports has a stable code. The CLI prints \
         `path:line:col: severity[code]: message`; the language server shows the same code and \
         message. This page is generated from the code table in `core/src/diagnostic.rs` \
         (`UPDATE_DOCS=1 cargo test -p kro-core --test docs`).\n\n| code | severity | meaning |\n|---|---|---|\n",
    );
    for code in Code::ALL {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            code.as_str(),
            code.severity().as_str(),
            code.doc().replace('|', "\\|")
        ));
    }
    out
}

#[test]
fn diagnostics_page_lists_every_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/diagnostics.md");
    let expected = render();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(path, &expected).unwrap();
        return;
    }
    let actual = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/diagnostics.md is out of date; run UPDATE_DOCS=1 cargo test -p kro-core --test docs"
    );
}
