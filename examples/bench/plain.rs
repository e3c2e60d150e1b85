//! The second ranking baseline: tantivy as a new user sets it up. The same four text fields
//! as ours (title, description, headings, body), tantivy's default tokenizer, a default
//! `QueryParser` over them (OR, BM25, no boosts, no typos, no synonyms), top 10 paths.
//! It shows what our ranking adds over the engine it is built on.

use std::path::Path;

use anyhow::Result;
use selfhelp_kb::Article;
use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::{Field, STORED, STRING, Schema, TEXT, Value};
use tantivy::{Index, IndexReader, TantivyDocument};

pub struct Plain {
    reader: IndexReader,
    parser: QueryParser,
    path: Field,
}

impl Plain {
    /// Builds the index under `dir` from parsed articles.
    pub fn build(articles: &[Article], dir: &Path) -> Result<Plain> {
        let mut b = Schema::builder();
        let path = b.add_text_field("path", STRING | STORED);
        let title = b.add_text_field("title", TEXT);
        let description = b.add_text_field("description", TEXT);
        let headings = b.add_text_field("headings", TEXT);
        let body = b.add_text_field("body", TEXT);
        std::fs::create_dir_all(dir)?;
        let index = Index::create_in_dir(dir, b.build())?;
        let mut writer: tantivy::IndexWriter = index.writer(128_000_000)?;
        for a in articles {
            let mut doc = TantivyDocument::new();
            doc.add_text(path, &a.path);
            doc.add_text(title, &a.title);
            doc.add_text(description, &a.description);
            let h: Vec<&str> = a.headings.iter().map(|h| h.text.as_str()).collect();
            doc.add_text(headings, h.join("\n"));
            doc.add_text(body, &a.text);
            writer.add_document(doc)?;
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        let parser = QueryParser::for_index(&index, vec![title, description, headings, body]);
        Ok(Plain {
            reader: index.reader()?,
            parser,
            path,
        })
    }

    /// The top 10 paths for `q`, read leniently as a search box would.
    pub fn paths(&self, q: &str) -> Result<Vec<String>> {
        let (query, _errors) = self.parser.parse_query_lenient(q);
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(10).order_by_score())?;
        let mut out = Vec::with_capacity(top.len());
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            if let Some(p) = doc.get_first(self.path).and_then(|v| v.as_str()) {
                out.push(p.to_owned());
            }
        }
        Ok(out)
    }
}
