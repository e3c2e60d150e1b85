//! The one table the benchmark prints: a row per figure with this project's value, the FTS5
//! baseline's, the ratio between them, the target and whether it is met.

/// One line of the table; a line with only `metric` set is a section heading.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub metric: String,
    pub ours: String,
    pub fts5: String,
    pub ratio: String,
    pub target: String,
    pub ok: Option<bool>,
    pub heading: bool,
}

impl Row {
    pub fn section(title: &str) -> Row {
        Row {
            metric: title.to_owned(),
            heading: true,
            ..Row::default()
        }
    }

    pub fn new(metric: &str, ours: String, fts5: String, ratio: String) -> Row {
        Row {
            metric: format!("  {metric}"),
            ours,
            fts5,
            ratio,
            ..Row::default()
        }
    }

    pub fn target(mut self, target: &str, ok: bool) -> Row {
        self.target = target.to_owned();
        self.ok = Some(ok);
        self
    }
}

const HEADERS: [&str; 6] = [
    "metric",
    "kb (this project)",
    "SQLite FTS5",
    "kb better by",
    "target",
    "ok",
];

/// Renders rows as a Markdown table (readable in a terminal, pasteable into the README).
pub fn render(rows: &[Row]) -> String {
    let cells = |r: &Row| -> [String; 6] {
        let mark = match r.ok {
            Some(true) => "pass",
            Some(false) => "FAIL",
            None => "",
        };
        [
            if r.heading {
                format!("**{}**", r.metric)
            } else {
                r.metric.clone()
            },
            r.ours.clone(),
            r.fts5.clone(),
            r.ratio.clone(),
            r.target.clone(),
            mark.to_owned(),
        ]
    };
    let mut widths = HEADERS.map(|h| h.chars().count());
    for r in rows {
        for (w, c) in widths.iter_mut().zip(cells(r)) {
            *w = (*w).max(c.chars().count());
        }
    }
    // A `|` inside a cell would end the cell in Markdown.
    let cells = |r: &Row| cells(r).map(|c| c.replace('|', "\\|"));
    let line = |cols: [String; 6]| -> String {
        let padded: Vec<String> = cols
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect();
        format!("| {} |\n", padded.join(" | "))
    };
    let mut out = line(HEADERS.map(str::to_owned));
    out.push_str(&line(widths.map(|w| "-".repeat(w))));
    for r in rows {
        out.push_str(&line(cells(r)));
    }
    out
}

/// `a / b / c` in ms.
pub fn ms3(p50: f64, p95: f64, p99: f64) -> String {
    format!("{} / {} / {}", ms(p50), ms(p95), ms(p99))
}

/// A duration in ms with sensible precision.
pub fn ms(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.2}")
    } else if v < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

/// How many times better `ours` is than `theirs` when lower is better.
pub fn lower_better(ours: f64, theirs: f64) -> String {
    if ours <= 0.0 || theirs <= 0.0 {
        return "–".to_owned();
    }
    format!("{:.2}×", theirs / ours)
}

/// How many times better `ours` is than `theirs` when higher is better.
pub fn higher_better(ours: f64, theirs: f64) -> String {
    lower_better(theirs, ours)
}
