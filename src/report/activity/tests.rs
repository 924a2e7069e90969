use std::path::PathBuf;

use super::*;

#[test]
fn output_specs() {
    let o: ActivityOutput = "html=out/a.html".parse().unwrap();
    assert_eq!(o.format, ActivityFormat::Html);
    assert_eq!(o.path, Some(PathBuf::from("out/a.html")));
    assert!("sarif"
        .parse::<ActivityOutput>()
        .unwrap_err()
        .contains("text, json or html"));
    assert!("json=".parse::<ActivityOutput>().is_err());
}

#[test]
fn html_escapes_everything_from_logs() {
    assert_eq!(
        esc("<script>\"x\" & 'y'</script>"),
        "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
    );
}
