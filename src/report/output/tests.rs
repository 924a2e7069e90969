use super::*;

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_write_that_fails_midway_rolls_back_every_temporary_file_and_directory() {
    let d = tempfile::tempdir().unwrap();
    let kept = d.path().join("kept.json");
    std::fs::write(&kept, "before").unwrap();
    let mut plan = OutputPlan::new();
    plan.add(1, "-o json", Some(&kept)).unwrap();
    plan.add(2, "-o sarif", Some(&d.path().join("new/one.sarif"))).unwrap();
    plan.add(3, "-o junit", Some(&d.path().join("blocked/two.xml")))
        .unwrap();
    // Something takes the directory's name between the check and the write.
    std::fs::write(d.path().join("blocked"), "a file").unwrap();
    let err = plan.commit(|n| format!("body {n}")).unwrap_err();
    assert!(err.to_string().contains("-o junit"), "{err}");
    assert_eq!(names(d.path()), ["blocked", "kept.json"]);
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), "before");
}

#[test]
fn outputs_are_published_together() {
    let d = tempfile::tempdir().unwrap();
    let mut plan = OutputPlan::new();
    plan.add("a", "-o json", Some(&d.path().join("x/a.json"))).unwrap();
    plan.add("b", "-o sarif", Some(&d.path().join("b.sarif"))).unwrap();
    assert!(!d.path().join("x").exists(), "checking creates nothing");
    plan.commit(|s| s.to_string()).unwrap();
    assert_eq!(names(d.path()), ["b.sarif", "x"]);
    assert_eq!(std::fs::read_to_string(d.path().join("x/a.json")).unwrap(), "a");
}

#[test]
fn new_paths_name_one_place_however_written() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("sub")).unwrap();
    let mut plan = OutputPlan::new();
    plan.add(1, "-o json", Some(&d.path().join("new/x.json"))).unwrap();
    let err = plan
        .add(2, "-o sarif", Some(&d.path().join("sub/../new/./x.json")))
        .unwrap_err();
    assert!(
        err.to_string().starts_with("-o json and -o sarif both write to"),
        "{err}"
    );
    let err = plan
        .add(3, "-o text", Some(&d.path().join("nowhere/../x.json")))
        .unwrap_err();
    assert!(
        err.to_string().contains("`..` after a directory that does not exist"),
        "{err}"
    );
}
