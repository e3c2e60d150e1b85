//! `kb export`: one JSON object per article, the form other tools ingest.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::article::Article;

/// One line of `kb export`.
#[derive(Debug, Serialize)]
pub struct ExportRecord<'a> {
    pub path: &'a str,
    pub article_id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub service: &'a str,
    pub resource: &'a str,
    pub self_help_type: &'a str,
    pub support_topic_ids: &'a [String],
    pub product_pes_ids: &'a [String],
    pub resource_tags: &'a [String],
    pub cloud_environments: &'a [String],
    pub diagnostic_scenario: &'a str,
    /// Token names.
    pub tokens: Vec<&'a str>,
    /// Section names.
    pub sections: Vec<&'a str>,
    pub extra: &'a BTreeMap<String, String>,
    pub text: &'a str,
}

impl<'a> From<&'a Article> for ExportRecord<'a> {
    fn from(a: &'a Article) -> Self {
        ExportRecord {
            path: &a.path,
            article_id: &a.article_id,
            title: &a.title,
            description: &a.description,
            service: &a.service,
            resource: &a.resource,
            self_help_type: &a.self_help_type,
            support_topic_ids: &a.support_topic_ids,
            product_pes_ids: &a.product_pes_ids,
            resource_tags: &a.resource_tags,
            cloud_environments: &a.cloud_environments,
            diagnostic_scenario: &a.diagnostic_scenario,
            tokens: a.tokens.iter().map(|t| t.name.as_str()).collect(),
            sections: a.sections.iter().map(|s| s.name.as_str()).collect(),
            extra: &a.extra,
            text: &a.text,
        }
    }
}

/// Writes one JSON line per article.
pub fn write_jsonl(
    articles: &[Article],
    mut out: impl std::io::Write,
) -> Result<(), serde_json::Error> {
    for a in articles {
        serde_json::to_writer(&mut out, &ExportRecord::from(a))?;
        out.write_all(b"\n").map_err(serde_json::Error::io)?;
    }
    Ok(())
}
