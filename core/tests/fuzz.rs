//! The fuzz targets of `fuzz/` on stable Rust, as part of `cargo test`: every seed of
//! `fuzz/seeds/<target>/` is replayed, then a fixed number of inputs mutated from the seeds
//! with a fixed random seed, so a run is the same on every machine. A watchdog thread reports
//! an input that runs far too long (a hang) and stops the process.
//!
//! A failing input is written to `target/tmp/fuzz-failures/` and printed; replay it with
//! `KRO_FUZZ_INPUT=<file> cargo test -p kro-core --test fuzz <target>` (or with
//! `cargo fuzz run <target> <file>`). Explore further with another seed or more iterations:
//! `KRO_FUZZ_SEED=7 KRO_FUZZ_ITERS=20000 cargo test --release -p kro-core --test fuzz`.

#[path = "../../fuzz/src/targets.rs"]
mod targets;

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use targets::{TARGETS, Target};

/// The random seed of the mutation run unless `KRO_FUZZ_SEED` says otherwise.
const DEFAULT_SEED: u64 = 0x6b72_6f2d_7273;
/// How long one input may run before the watchdog calls it a hang (debug build, busy
/// machine: the slowest seed takes well under a second).
const HANG_AFTER: Duration = Duration::from_secs(60);

#[test]
fn yaml() {
    fuzz("yaml", 8_000);
}

#[test]
fn schema() {
    fuzz("schema", 6_000);
}

#[test]
fn extract() {
    fuzz("extract", 20_000);
}

#[test]
fn cel() {
    fuzz("cel", 6_000);
}

#[test]
fn compile() {
    fuzz("compile", 3_000);
}

#[test]
fn every_target_has_seeds_and_a_test() {
    let names: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
    assert_eq!(names, ["yaml", "schema", "extract", "cel", "compile"]);
    for name in names {
        assert!(
            seeds(name).len() >= 20,
            "fuzz/seeds/{name} has fewer than 20 seeds"
        );
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("../fuzz/fuzz_targets/{name}.rs"))
                .is_file(),
            "no libFuzzer target for {name}"
        );
    }
}

#[test]
fn mutation_is_reproducible_from_its_seed() {
    let corpus = vec![b"a: ${x}".to_vec(), b"[1, 2]".to_vec()];
    let run = |seed| {
        let mut rng = Rng(seed);
        (0..50)
            .map(|_| mutate(&mut rng, &corpus, 1024))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
    assert!(run(3).iter().all(|input| input.len() <= 1024));
}

fn fuzz(name: &str, default_iterations: u64) {
    let target = TARGETS.iter().find(|t| t.name == name).expect("target");
    let watchdog = Watchdog::start(name);

    if let Some(path) = std::env::var_os("KRO_FUZZ_INPUT") {
        let path = PathBuf::from(path);
        let data = std::fs::read(&path).expect("KRO_FUZZ_INPUT is readable");
        run_one(
            target,
            &watchdog,
            &format!("input {}", path.display()),
            &data,
        );
        return;
    }

    let corpus = seeds(name);
    for (path, data) in &corpus {
        run_one(target, &watchdog, &format!("seed {}", path.display()), data);
    }

    let seed = env_u64("KRO_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
    let iterations = env_u64("KRO_FUZZ_ITERS").unwrap_or(default_iterations);
    let corpus: Vec<Vec<u8>> = corpus.into_iter().map(|(_, data)| data).collect();
    let mut rng = Rng(seed ^ fnv(name.as_bytes()));
    for i in 0..iterations {
        let data = mutate(&mut rng, &corpus, target.max_len);
        run_one(
            target,
            &watchdog,
            &format!("mutation {i} of KRO_FUZZ_SEED={seed}"),
            &data,
        );
    }
}

/// Runs one input; on a panic, saves it and fails with where it is and how to replay it.
fn run_one(target: &Target, watchdog: &Watchdog, what: &str, data: &[u8]) {
    watchdog.arm(what, data);
    let result = panic::catch_unwind(AssertUnwindSafe(|| targets::run_bytes(target, data)));
    watchdog.disarm();
    if result.is_err() {
        let saved = save_failure(target.name, data);
        panic!(
            "fuzz target `{}` failed on {what}, saved as {}\n  input: {:?}\n  replay: \
             KRO_FUZZ_INPUT={} cargo test -p kro-core --test fuzz {}",
            target.name,
            saved.display(),
            String::from_utf8_lossy(data),
            saved.display(),
            target.name,
        );
    }
}

fn save_failure(name: &str, data: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{name}-{:016x}", fnv(data)));
    let _ = std::fs::write(&path, data);
    path
}

/// The seeds of a target, in file-name order.
fn seeds(name: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/seeds")
        .join(name);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let data = std::fs::read(&p).expect("seed is readable");
            (p, data)
        })
        .collect()
}

fn env_u64(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value} is not a number")),
    )
}

/// The input being run: since when, what it is, its bytes.
type Running = (Instant, String, Vec<u8>);

/// Reports an input that runs longer than [`HANG_AFTER`] and ends the process: a hung input
/// cannot be interrupted from another thread.
struct Watchdog {
    current: Arc<Mutex<Option<Running>>>,
    stop: Arc<AtomicBool>,
}

impl Watchdog {
    fn start(name: &str) -> Watchdog {
        let current: Arc<Mutex<Option<Running>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (watched, stopped, name) = (current.clone(), stop.clone(), name.to_owned());
        thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                thread::sleep(Duration::from_millis(200));
                let guard = watched.lock().unwrap_or_else(|e| e.into_inner());
                if let Some((started, what, data)) = guard.as_ref()
                    && started.elapsed() > HANG_AFTER
                {
                    let saved = save_failure(&name, data);
                    eprintln!(
                        "fuzz target `{name}` hangs on {what} (over {HANG_AFTER:?}), saved as \
                         {}\n  input: {:?}",
                        saved.display(),
                        String::from_utf8_lossy(data)
                    );
                    std::process::exit(101);
                }
            }
        });
        Watchdog { current, stop }
    }

    fn arm(&self, what: &str, data: &[u8]) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), what.to_owned(), data.to_vec()));
    }

    fn disarm(&self) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// splitmix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Tokens of YAML, SimpleSchema and CEL that byte flips rarely produce.
const TOKENS: &[&str] = &[
    "${",
    "}",
    "${schema.spec.name}",
    "${deployment.status.availableReplicas}",
    "{",
    "[",
    "]",
    "'",
    "\"",
    "\\",
    "\\u00e9",
    "\n",
    "\n  ",
    "\n- ",
    ": ",
    "- ",
    "&a ",
    "*a",
    "<<: *a",
    "!!str ",
    "---\n",
    "...\n",
    "|\n  ",
    ">-\n  ",
    "# ",
    "\t",
    "? ",
    "%YAML 1.2\n",
    "\u{feff}",
    "é",
    "😀",
    "\u{0}",
    "\r\n",
    "\u{2028}",
    " | ",
    "required=true",
    "default=",
    "enum=\"a,b\"",
    "pattern=\"^a\\\\d$\"",
    "minimum=-1",
    "description=\"x\"",
    "[]",
    "map[string]",
    "integer",
    "string",
    "object",
    ".map(x, ",
    ".filter(x, ",
    ".all(x, ",
    ".exists_one(x, ",
    ".transformMap(k, v, ",
    "has(",
    " ? ",
    " : ",
    " && ",
    " || ",
    " == ",
    " + ",
    "size(",
    "int(",
    "string(",
    "'''",
    "r'",
    "b'",
    "1e308",
    "9223372036854775807",
    "-9223372036854775808",
    "0x",
    "u",
    ".split(",
    ".join(",
    "lists.range(",
    "cel.bind(",
    "optional.of(",
    ".?",
    "[?",
    "dyn(",
    "timestamp(",
    "duration(",
    "omit()",
    "null",
    "true",
    "resources:",
    "- id: ",
    "template:",
    "readyWhen:",
    "includeWhen:",
    "forEach:",
    "externalRef:",
    "schema:",
    "status:",
    "types:",
    "spec:",
];

/// Bytes worth trying in place of another.
const INTERESTING: &[u8] = b"${}[]'\"\\:-&*!|>#?%@`,\n\t\r 0aZ\xff\x80\xc3";

/// One input derived from the corpus by a few random edits, at most `max_len` bytes long.
fn mutate(rng: &mut Rng, corpus: &[Vec<u8>], max_len: usize) -> Vec<u8> {
    let mut data = corpus[rng.below(corpus.len())].clone();
    let most = if rng.below(4) == 0 { 16 } else { 4 };
    let edits = 1 + rng.below(most);
    for _ in 0..edits {
        let at = rng.below(data.len() + 1);
        match rng.below(10) {
            0 if !data.is_empty() => {
                let i = at.min(data.len() - 1);
                data[i] ^= 1 << rng.below(8);
            }
            1 if !data.is_empty() => {
                let i = at.min(data.len() - 1);
                data[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 => data.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
            3 | 4 => {
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                data.splice(at..at, token.iter().copied());
            }
            5 if !data.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(data.len());
                data.drain(at.min(end)..end);
            }
            6 if !data.is_empty() => {
                // Repeat a short piece: deep nesting, long runs.
                let start = at.min(data.len() - 1);
                let end = (start + 1 + rng.below(8)).min(data.len());
                let piece = data[start..end].to_vec();
                let times = 1 + rng.below(64);
                let repeated: Vec<u8> = piece
                    .iter()
                    .copied()
                    .cycle()
                    .take(piece.len() * times)
                    .collect();
                data.splice(start..start, repeated);
            }
            7 => {
                // Splice in a piece of another seed.
                let other = &corpus[rng.below(corpus.len())];
                if !other.is_empty() {
                    let start = rng.below(other.len());
                    let end = (start + 1 + rng.below(64)).min(other.len());
                    data.splice(at..at, other[start..end].iter().copied());
                }
            }
            8 if !data.is_empty() => {
                // Move a piece elsewhere.
                let start = at.min(data.len() - 1);
                let end = (start + 1 + rng.below(32)).min(data.len());
                let piece: Vec<u8> = data.drain(start..end).collect();
                let to = rng.below(data.len() + 1);
                data.splice(to..to, piece);
            }
            _ => {
                // Cut the input short: unterminated everything.
                data.truncate(at);
            }
        }
        data.truncate(max_len);
    }
    data
}
