//! Coverage as lcov's tracefile format (what `genhtml`, Codecov and editors read): a
//! record per source file, with functions (`FN`, `FNDA`), lines (`DA`) and totals.

use std::fmt::Write;

use super::report::CodeReport;

/// `reports` as an lcov tracefile: a test name per code (its contract's name), a record
/// per source file.
pub fn render(reports: &[CodeReport]) -> String {
    let mut out = String::new();
    for report in reports {
        for file in &report.files {
            // Test names are word characters only.
            let test: String = report
                .name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            let _ = writeln!(out, "TN:{test}");
            let _ = writeln!(out, "SF:{}", file.path);
            for function in &file.functions {
                let _ = writeln!(out, "FN:{},{}", function.line, function.name);
            }
            for function in &file.functions {
                let _ = writeln!(out, "FNDA:{},{}", function.hits, function.name);
            }
            let functions_hit = file.functions.iter().filter(|f| f.hits > 0).count();
            let _ = writeln!(out, "FNF:{}", file.functions.len());
            let _ = writeln!(out, "FNH:{functions_hit}");
            for (line, hits) in &file.lines {
                let _ = writeln!(out, "DA:{line},{hits}");
            }
            let lines_hit = file.lines.values().filter(|hits| **hits > 0).count();
            let _ = writeln!(out, "LF:{}", file.lines.len());
            let _ = writeln!(out, "LH:{lines_hit}");
            out.push_str("end_of_record\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::coverage::report::{FileReport, FunctionReport};

    #[test]
    fn a_record_per_file_with_functions_lines_and_totals() {
        let report = CodeReport {
            code_hash: [0; 32],
            name: "my-flipper".into(),
            files: vec![FileReport {
                path: "/src/lib.rs".into(),
                functions: vec![FunctionReport {
                    name: "flip".into(),
                    line: 3,
                    hits: 2,
                }],
                lines: BTreeMap::from([(3, 2), (4, 0)]),
            }],
        };
        assert_eq!(
            render(&[report]),
            "TN:my_flipper\nSF:/src/lib.rs\nFN:3,flip\nFNDA:2,flip\nFNF:1\nFNH:1\n\
             DA:3,2\nDA:4,0\nLF:2\nLH:1\nend_of_record\n"
        );
    }
}
