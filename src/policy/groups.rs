//! Sharing the rules out over engines of a bounded size.
//!
//! Several lookups of regorus 0.14 walk every loaded module (finding a rule's module, switching
//! the current module, resolving a `data.` reference), so one engine holding N rules spends time
//! in N² per account: seconds per account for 10,000 rules. Rules are therefore evaluated in
//! groups of at most [`RULES_PER_ENGINE`], each group in an engine of its own holding its rules
//! and the libraries they read. Rules that refer to one another's packages share a group (so
//! every reference resolves as it would with all rules loaded), and a file whose references
//! cannot be read statically (`data[x]`, all of `data.rootwarden.rules`) puts every rule in one
//! group. The bundled rules come first and stay together, sharing the library values they
//! compute.

use std::collections::{BTreeMap, HashMap};

use super::loader::{RuleFile, RULES_PREFIX};
use super::sandbox::chains;

/// The most rules one engine evaluates (a connected group of rules may exceed it).
pub const RULES_PER_ENGINE: usize = 128;

/// A file to place, with what the loader knows of it.
pub(crate) struct Placed<'a> {
    /// The file.
    pub file: &'a RuleFile,
    /// Its package.
    pub package: &'a str,
    /// Whether it is a rule (otherwise a library).
    pub rule: bool,
}

/// The engines to build: for each, the indices (into `files`) of the files it holds, the
/// libraries its rules need first.
pub(crate) fn plan(files: &[Placed<'_>]) -> Vec<Vec<usize>> {
    let refs: Vec<Refs> = files.iter().map(|f| Refs::of(f.file)).collect();
    let rules: Vec<usize> = (0..files.len()).filter(|&i| files[i].rule).collect();
    let libraries: Vec<usize> = (0..files.len()).filter(|&i| !files[i].rule).collect();
    let by_package: BTreeMap<&str, Vec<usize>> = rules.iter().fold(BTreeMap::new(), |mut m, &i| {
        m.entry(files[i].package).or_default().push(i);
        m
    });
    // The rules whose package is `prefix`, above it or below it.
    let related = |prefix: &str| -> Vec<usize> {
        let mut out = Vec::new();
        let mut p = prefix;
        loop {
            out.extend(by_package.get(p).into_iter().flatten().copied());
            match p.rfind('.') {
                Some(i) => p = &p[..i],
                None => break,
            }
        }
        let below = format!("{prefix}.");
        for (_, members) in by_package
            .range(below.as_str()..)
            .take_while(|(k, _)| k.starts_with(&below))
        {
            out.extend(members.iter().copied());
        }
        out
    };

    // Anything read dynamically, or a library that reads rule packages, ties every rule together.
    let all_together = refs.iter().any(|r| r.dynamic)
        || libraries
            .iter()
            .any(|&i| refs[i].prefixes.iter().any(|p| !related(p).is_empty()));
    let mut parent: Vec<usize> = (0..files.len()).collect();
    if all_together {
        for w in rules.windows(2) {
            union(&mut parent, w[0], w[1]);
        }
    } else {
        for &a in &rules {
            for p in &refs[a].prefixes {
                for b in related(p) {
                    union(&mut parent, a, b);
                }
            }
        }
    }

    // Connected rules in first-seen order, packed greedily into engines.
    let mut components: Vec<Vec<usize>> = Vec::new();
    let mut component_of: HashMap<usize, usize> = HashMap::new();
    for &r in &rules {
        let root = find(&mut parent, r);
        match component_of.get(&root) {
            Some(&c) => components[c].push(r),
            None => {
                component_of.insert(root, components.len());
                components.push(vec![r]);
            }
        }
    }
    let mut engines: Vec<Vec<usize>> = Vec::new();
    for members in components {
        match engines.last_mut() {
            Some(last) if last.len() + members.len() <= RULES_PER_ENGINE => last.extend(members),
            _ => engines.push(members),
        }
    }
    if engines.is_empty() {
        engines.push(Vec::new());
    }

    // Each engine gets the libraries its files read, and those these libraries read.
    let reads = |i: usize, l: usize| {
        refs[i].dynamic
            || refs[i]
                .prefixes
                .iter()
                .any(|p| covers(p, files[l].package) || covers(files[l].package, p))
    };
    for engine in &mut engines {
        let mut needed: Vec<usize> = Vec::new();
        let mut queue: Vec<usize> = engine.clone();
        while let Some(i) = queue.pop() {
            for &l in &libraries {
                if !needed.contains(&l) && reads(i, l) {
                    needed.push(l);
                    queue.push(l);
                }
            }
        }
        needed.sort_unstable();
        needed.extend(engine.iter().copied());
        *engine = needed;
    }
    engines
}

/// Whether package path `prefix` is `path` or above it.
fn covers(prefix: &str, path: &str) -> bool {
    prefix == path || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('.'))
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        parent[rb.max(ra)] = rb.min(ra);
    }
}

/// The parts of `data` a file reads, as package paths without `data.`.
struct Refs {
    prefixes: Vec<String>,
    /// It reads `data` in a way that cannot be told statically (`data[x]`, `data` itself).
    dynamic: bool,
}

impl Refs {
    fn of(f: &RuleFile) -> Refs {
        let Some(chains) = chains(&f.path, &f.text) else {
            // Unreadable: the parser reports it; keep everything together meanwhile.
            return Refs {
                prefixes: Vec::new(),
                dynamic: true,
            };
        };
        let mut prefixes = Vec::new();
        let mut dynamic = false;
        for c in chains {
            let Some(rest) = c.name.strip_prefix("data.") else {
                dynamic |= c.name == "data";
                continue;
            };
            // `data.rootwarden.rules[x]` or `data.acme[x]` reads below the prefix dynamically:
            // the prefix itself stands for all of it.
            if rest == RULES_PREFIX.trim_end_matches('.') && c.next.as_deref() == Some("[") {
                dynamic = true;
            }
            prefixes.push(rest.to_string());
        }
        Refs { prefixes, dynamic }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::outcome::RuleOrigin;

    /// Each file with its package, a rule when the package is under the rules' prefix.
    fn place<'a>(files: &'a [RuleFile], packages: &'a [String]) -> Vec<Placed<'a>> {
        files
            .iter()
            .zip(packages)
            .map(|(f, p)| Placed {
                file: f,
                package: p,
                rule: p.starts_with(RULES_PREFIX),
            })
            .collect()
    }

    fn file(path: &str, text: &str) -> RuleFile {
        RuleFile {
            path: path.into(),
            text: text.into(),
            origin: RuleOrigin::User,
        }
    }

    #[test]
    fn groups_are_bounded_and_keep_references_together() {
        let mut files = vec![
            file("lib.rego", "package acme.lib\nx := 1\n"),
            file("unused.rego", "package acme.other\ny := 1\n"),
        ];
        for i in 0..300 {
            let text = match i {
                5 => "package rootwarden.rules.r5\nimport data.acme.lib\ndeny contains 1 if lib.x\n".to_string(),
                250 => {
                    "package rootwarden.rules.r250\ndeny contains 1 if data.rootwarden.rules.r7.deny[_]\n".to_string()
                }
                _ => format!("package rootwarden.rules.r{i}\ndeny contains 1 if false\n"),
            };
            files.push(file(&format!("r{i}.rego"), &text));
        }
        let packages: Vec<String> = files
            .iter()
            .map(|f| super::super::loader::package_of(&f.text).unwrap().0)
            .collect();
        let placed = place(&files, &packages);
        let engines = plan(&placed);
        let rules_in = |e: &Vec<usize>| e.iter().filter(|&&i| placed[i].rule).count();
        assert!(engines.iter().all(|e| rules_in(e) <= RULES_PER_ENGINE));
        assert_eq!(engines.iter().map(rules_in).sum::<usize>(), 300);
        let with = |path: &str| {
            engines
                .iter()
                .position(|e| e.iter().any(|&i| files[i].path == path))
                .unwrap()
        };
        assert_eq!(with("r250.rego"), with("r7.rego"));
        // The library goes only where it is read; the unused one nowhere.
        let lib_in: Vec<usize> = (0..engines.len()).filter(|&e| engines[e].contains(&0)).collect();
        assert_eq!(lib_in, vec![with("r5.rego")]);
        assert!(engines.iter().all(|e| !e.contains(&1)));

        // A dynamic read of the rules ties them all together.
        files[10] = file(
            "r8.rego",
            "package rootwarden.rules.r8\ndeny contains p if data.rootwarden.rules[p].deny\n",
        );
        let placed = place(&files, &packages);
        assert_eq!(plan(&placed).len(), 1);
    }
}
