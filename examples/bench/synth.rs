//! `--scale N`: a synthetic corpus N times the real one, for measuring how the build and the
//! queries grow.
//!
//! Every synthetic article takes one real article as its template (so the mix of services,
//! types, tags, clouds, sizes and JSON payloads is the real one) and recombines real text:
//! a title and a description from random articles of the same service, and as many body
//! paragraphs as the template has, each drawn from the paragraphs of that service. Paths
//! (`synthetic/NNNNNN.md`), articleIds and support topic IDs are fresh; articles sharing a
//! topic in the real corpus share the fresh one within a copy, so topic sizes stay real.
//! Deterministic (a fixed seed), written only to the temp dir it is given.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rayon::prelude::*;
use selfhelp_kb::Article;

/// splitmix64: tiny, fast and good enough to pick paragraphs; no dependency for it.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A generated corpus.
#[derive(Debug, Clone)]
pub struct Synthetic {
    pub dir: PathBuf,
    pub articles: usize,
    pub bytes: u64,
}

/// A paragraph of an article body: (article, start byte, end byte).
type Paragraph = (usize, usize, usize);

/// One service's material: its articles and their paragraphs.
#[derive(Default)]
struct Service {
    articles: Vec<usize>,
    paragraphs: Vec<Paragraph>,
}

/// What the generator draws from, built once from the parsed real corpus.
pub struct Pool<'a> {
    articles: &'a [Article],
    bodies: Vec<String>,
    payloads: Vec<Option<String>>,
    by_service: HashMap<&'a str, Service>,
    paragraphs_of: Vec<usize>,
    topic_index: HashMap<&'a str, usize>,
}

impl<'a> Pool<'a> {
    pub fn new(articles: &'a [Article]) -> Pool<'a> {
        let bodies: Vec<String> = articles.par_iter().map(Article::body).collect();
        let payloads = articles
            .iter()
            .map(|a| {
                a.payload
                    .as_ref()
                    .and_then(|p| serde_json::to_string_pretty(p).ok())
            })
            .collect();
        let mut by_service: HashMap<&str, Service> = HashMap::new();
        let mut paragraphs_of = Vec::with_capacity(articles.len());
        let mut topic_index = HashMap::new();
        for (i, a) in articles.iter().enumerate() {
            let entry = by_service.entry(a.service.as_str()).or_default();
            entry.articles.push(i);
            let mut n = 0;
            let body = &bodies[i];
            let mut start = 0;
            for part in body.split("\n\n") {
                let end = start + part.len();
                if !part.trim().is_empty() {
                    entry.paragraphs.push((i, start, end));
                    n += 1;
                }
                start = end + 2;
            }
            paragraphs_of.push(n.max(1));
            for t in &a.support_topic_ids {
                let next = topic_index.len();
                topic_index.entry(t.as_str()).or_insert(next);
            }
        }
        Pool {
            articles,
            bodies,
            payloads,
            by_service,
            paragraphs_of,
            topic_index,
        }
    }

    /// Writes `copies` x the real corpus into `out/synthetic/`.
    pub fn generate(&self, copies: usize, out: &Path) -> Result<Synthetic> {
        let dir = out.join("synthetic");
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let n = self.articles.len();
        let bytes = (0..copies * n)
            .into_par_iter()
            .map(|k| -> Result<u64> {
                let text = self.article(k / n, k % n, k);
                let file = dir.join(format!("{k:06}.md"));
                std::fs::write(&file, &text)
                    .with_context(|| format!("writing {}", file.display()))?;
                Ok(text.len() as u64)
            })
            .try_reduce(|| 0, |a, b| Ok(a + b))?;
        Ok(Synthetic {
            dir: out.to_owned(),
            articles: copies * n,
            bytes,
        })
    }

    /// Synthetic article number `k`, copy `copy` of template `i`.
    fn article(&self, copy: usize, i: usize, k: usize) -> String {
        let t = &self.articles[i];
        let mut rng = Rng(0x5EED ^ (k as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
        let Service {
            articles: same,
            paragraphs,
        } = &self.by_service[t.service.as_str()];
        let pick = |rng: &mut Rng| &self.articles[same[rng.below(same.len())]];
        let title = pick(&mut rng).title.clone();
        let description = pick(&mut rng).description.clone();
        let topics: Vec<String> = t
            .support_topic_ids
            .iter()
            .map(|id| format!("9{copy:02}{:07}", self.topic_index[id.as_str()]))
            .collect();
        let mut out = String::with_capacity(self.bodies[i].len() + 1024);
        out.push_str("<properties\n");
        let mut attr = |key: &str, value: &str| {
            out.push_str(&format!("\t{key}=\"{}\"\n", escape(value)));
        };
        attr("pageTitle", &title);
        attr("description", &description);
        attr("service", &t.service);
        attr("resource", &t.resource);
        attr("articleId", &format!("synthetic-{k:06}"));
        attr("selfHelpType", &t.self_help_type);
        attr("supportTopicIds", &topics.join(","));
        attr("resourceTags", &t.resource_tags.join(","));
        attr("cloudEnvironments", &t.cloud_environments.join(","));
        attr("diagnosticScenario", &t.diagnostic_scenario);
        if let Some(order) = t.display_order {
            attr("displayOrder", &order.to_string());
        }
        out.push_str("/>\n");
        for _ in 0..self.paragraphs_of[i] {
            if paragraphs.is_empty() {
                break;
            }
            let (a, s, e) = paragraphs[rng.below(paragraphs.len())];
            out.push_str(&self.bodies[a][s..e]);
            out.push_str("\n\n");
        }
        if let Some(payload) = &self.payloads[i] {
            out.push_str("---\n");
            out.push_str(payload);
            out.push('\n');
        }
        out
    }
}

/// Escapes an XML attribute value.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
