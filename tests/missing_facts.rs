//! No deletion or nulling of any fact can turn an outcome into a pass.
//!
//! For every fixture (with its requirements), each node of the snapshot in turn — every leaf,
//! every object and every array — is set to `null`, then, when it is a member of an object,
//! deleted. Each mutant is read by the snapshot reader exactly as a file would be; one the reader
//! accepts is evaluated, and no outcome that was not `pass` on the fixture may be `pass` on the
//! mutant. A mutant the reader or the engine refuses is no pass either: the run stops with an
//! error naming the place.
//!
//! An element of an array is nulled but not removed: a list with an element fewer (a trail, an
//! error, a region fewer) is a well-formed statement of a different account, which no snapshot
//! format can tell from the real one. What the model guarantees is that no field has a missing
//! form that means something; a list itself can be neither deleted nor nulled.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rootwarden::input;
use rootwarden::policy::{loader, Policy, Status};
use rootwarden::requirements::Requirements;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Index(usize),
}

fn show(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// Every node below the document root, with whether it is a leaf.
fn nodes(v: &Value, prefix: &mut Vec<Seg>, out: &mut Vec<(Vec<Seg>, bool)>) {
    let children: Vec<(Seg, &Value)> = match v {
        Value::Object(o) => o.iter().map(|(k, v)| (Seg::Key(k.clone()), v)).collect(),
        Value::Array(a) => a.iter().enumerate().map(|(i, v)| (Seg::Index(i), v)).collect(),
        _ => return,
    };
    for (seg, child) in children {
        prefix.push(seg);
        out.push((prefix.clone(), !matches!(child, Value::Object(_) | Value::Array(_))));
        nodes(child, prefix, out);
        prefix.pop();
    }
}

#[derive(Clone, Copy, Debug)]
enum Mutation {
    Null,
    Delete,
}

fn mutate(doc: &Value, path: &[Seg], m: Mutation) -> Value {
    let mut out = doc.clone();
    let (last, parents) = path.split_last().expect("below the root");
    let mut parent = &mut out;
    for seg in parents {
        parent = match seg {
            Seg::Key(k) => &mut parent[k.as_str()],
            Seg::Index(i) => &mut parent[*i],
        };
    }
    match (m, last, parent) {
        (Mutation::Null, Seg::Key(k), Value::Object(o)) => {
            o.insert(k.clone(), Value::Null);
        }
        (Mutation::Null, Seg::Index(i), Value::Array(a)) => a[*i] = Value::Null,
        (Mutation::Delete, Seg::Key(k), Value::Object(o)) => {
            o.shift_remove(k);
        }
        (Mutation::Delete, Seg::Index(i), Value::Array(a)) => {
            a.remove(*i);
        }
        (_, seg, parent) => panic!("{seg:?} does not address a child of {parent}"),
    }
    out
}

type Table = BTreeMap<(String, String), Status>;

fn table(policy: &mut Policy, snapshot: &rootwarden::snapshot::Snapshot) -> Result<Table, String> {
    let eval = policy.evaluate(snapshot).map_err(|e| e.to_string())?;
    Ok(eval
        .outcomes
        .iter()
        .map(|o| ((o.account_id.clone(), o.rule_id.clone()), o.status))
        .collect())
}

struct Fixture {
    name: String,
    snapshot: PathBuf,
    requirements: Requirements,
}

fn fixtures() -> Vec<Fixture> {
    let mut specs: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures/expected"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    specs.sort();
    specs
        .iter()
        .map(|p| {
            let spec: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
            let requirements = spec["requirements"]
                .as_str()
                .map(|r| input::load_requirements(&root().join(r)).unwrap())
                .unwrap_or_default();
            Fixture {
                name: p.file_stem().unwrap().to_string_lossy().into_owned(),
                snapshot: root().join(spec["snapshot"].as_str().unwrap()),
                requirements,
            }
        })
        .collect()
}

#[derive(Default)]
struct Tally {
    leaves: usize,
    inner: usize,
    mutants: usize,
    duplicates: usize,
    rejected_by_reader: usize,
    refused_by_engine: usize,
    evaluated: usize,
    new_passes: Vec<String>,
    uncovered_leaves: Vec<String>,
}

fn check_fixture(f: &Fixture, tally: &Mutex<Tally>) {
    let text = std::fs::read_to_string(&f.snapshot).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let original = input::parse_snapshot(&f.snapshot, &text).unwrap();
    let mut policy = Policy::load(&loader::bundled(), &f.requirements).unwrap();
    let baseline = table(&mut policy, &original).unwrap();

    let mut all = Vec::new();
    nodes(&doc, &mut Vec::new(), &mut all);
    let mut seen: HashSet<String> = HashSet::new();
    let mut t = Tally::default();
    let mut mutated_leaves = HashSet::new();
    for (path, leaf) in &all {
        if *leaf {
            t.leaves += 1;
        } else {
            t.inner += 1;
        }
        let in_object = matches!(path.last(), Some(Seg::Key(_)));
        for m in [Mutation::Null, Mutation::Delete] {
            if matches!(m, Mutation::Delete) && !in_object {
                continue;
            }
            t.mutants += 1;
            if *leaf {
                mutated_leaves.insert(show(path));
            }
            let mutant = mutate(&doc, path, m);
            let mutant_text = mutant.to_string();
            let snapshot = match input::parse_snapshot(Path::new("mutant.json"), &mutant_text) {
                Ok(s) => s,
                Err(_) => {
                    t.rejected_by_reader += 1;
                    continue;
                }
            };
            // Deleting an optional member reads the same as nulling it: evaluate each distinct
            // snapshot once.
            if !seen.insert(serde_json::to_string(&snapshot).unwrap()) {
                t.duplicates += 1;
                continue;
            }
            let outcomes = match table(&mut policy, &snapshot) {
                Ok(o) => o,
                Err(_) => {
                    t.refused_by_engine += 1;
                    continue;
                }
            };
            t.evaluated += 1;
            for ((account, rule), status) in &outcomes {
                let before = baseline.get(&(account.clone(), rule.clone()));
                if *status == Status::Pass && before.is_some_and(|b| *b != Status::Pass) {
                    t.new_passes.push(format!(
                        "{}: {:?} {} turns {account} {rule} from {} into pass",
                        f.name,
                        m,
                        show(path),
                        before.unwrap().as_str()
                    ));
                }
            }
        }
    }
    for (path, leaf) in &all {
        if *leaf && !mutated_leaves.contains(&show(path)) {
            t.uncovered_leaves.push(format!("{}: {}", f.name, show(path)));
        }
    }
    let mut total = tally.lock().unwrap();
    total.leaves += t.leaves;
    total.inner += t.inner;
    total.mutants += t.mutants;
    total.duplicates += t.duplicates;
    total.rejected_by_reader += t.rejected_by_reader;
    total.refused_by_engine += t.refused_by_engine;
    total.evaluated += t.evaluated;
    total.new_passes.extend(t.new_passes);
    total.uncovered_leaves.extend(t.uncovered_leaves);
}

#[test]
fn no_deletion_or_nulling_of_a_fact_turns_an_outcome_into_a_pass() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 20, "the full fixture set, found {}", fixtures.len());
    let tally = Mutex::new(Tally::default());
    let next = Mutex::new(0usize);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).max(2);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap();
                    *n += 1;
                    *n - 1
                };
                let Some(f) = fixtures.get(i) else { break };
                check_fixture(f, &tally);
            });
        }
    });
    let t = tally.into_inner().unwrap();
    eprintln!(
        "missing facts: {} fixtures, {} nodes ({} leaves, {} objects and arrays), {} mutants (each node nulled, each \
         object member deleted): {} rejected by the snapshot reader, {} refused by the engine, {} the same as another, \
         {} evaluated; {} new passes",
        fixtures.len(),
        t.leaves + t.inner,
        t.leaves,
        t.inner,
        t.mutants,
        t.rejected_by_reader,
        t.refused_by_engine,
        t.duplicates,
        t.evaluated,
        t.new_passes.len()
    );
    assert!(
        t.uncovered_leaves.is_empty(),
        "leaves never mutated: {:?}",
        t.uncovered_leaves
    );
    assert!(t.mutants >= t.leaves + t.inner, "every node nulled");
    assert!(
        t.new_passes.is_empty(),
        "{} mutants turn a non-pass outcome into pass:\n{}",
        t.new_passes.len(),
        t.new_passes.join("\n")
    );
}
