//! The tantivy schema: every field named once, in [`Fields`], with the analyzers it uses.

use tantivy::Index;

use super::facet::ByFacet;
use super::stem::CachedStemmer;
use tantivy::schema::{
    FAST, FacetOptions, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RawTokenizer, RemoveLongFilter, TextAnalyzer,
};

use super::tokenize::{MAX_TOKEN_BYTES, WordTokenizer};

/// Full text: words and identifiers ([`super::tokenize`]), lower-cased, accents folded,
/// English stems.
pub const TEXT_ANALYZER: &str = "kb_text";
/// Words as written, lower-cased and folded but not stemmed: typo and prefix matching compare
/// what people type with what authors wrote (`hotps` is one edit from `https`, but two from
/// its stem).
pub const WORDS_ANALYZER: &str = "kb_words";
/// Identifiers whole, as [`TEXT_ANALYZER`] has them but without their parts.
pub const CODES_ANALYZER: &str = "kb_codes";
/// Exact match: the whole value as one lower-cased token.
pub const EXACT_ANALYZER: &str = "kb_exact";

/// Field names as stored in the index; [`Fields`] holds their handles.
pub mod names {
    pub const PATH: &str = "path";
    pub const HASH: &str = "hash";
    pub const ARTICLE_ID: &str = "article_id";
    pub const TOPIC: &str = "topic";
    pub const PES: &str = "pes";
    pub const TITLE: &str = "title";
    pub const TITLE_EXACT: &str = "title_exact";
    pub const TITLE_SORT: &str = "title_sort";
    pub const TITLE_VERBATIM: &str = "title_verbatim";
    pub const TITLE_WORDS: &str = "title_words";
    pub const DESCRIPTION: &str = "description";
    pub const HEADINGS: &str = "headings";
    pub const HEADING_EXACT: &str = "heading_exact";
    pub const DESCRIPTION_EXACT: &str = "description_exact";
    pub const CODES: &str = "codes";
    pub const DEFINES: &str = "defines";
    pub const OUTLINE: &str = "outline";
    pub const BODY: &str = "body";
    pub const DISPLAY_ORDER: &str = "display_order";
    pub const UPDATED: &str = "updated";
    pub const META: &str = "meta";
    pub const SOURCE: &str = "source";
}

/// Handles of every field of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Relative path with `.md`: the document's key. Exact, case kept.
    pub path: Field,
    /// blake3 of the file's bytes, hex, with the last change ([`stamp`](super::stamp)): what
    /// incremental indexing compares.
    pub hash: Field,
    pub article_id: Field,
    /// Support topic IDs, one exact term each.
    pub topic: Field,
    pub pes: Field,
    pub title: Field,
    /// The normalized whole title, for the exact-title boost.
    pub title_exact: Field,
    /// Lower-cased title as a fast column, for browse order.
    pub title_sort: Field,
    /// The title exactly as written (spaces collapsed): typing it so is the most exact match.
    pub title_verbatim: Field,
    /// The title's words unstemmed, for typo and prefix matching.
    pub title_words: Field,
    pub description: Field,
    pub headings: Field,
    /// Each heading's normalized text (as [`title_key`] makes it), one exact term each: the
    /// query that is a whole heading finds its article.
    pub heading_exact: Field,
    /// The normalized description, for the query that is a whole description.
    pub description_exact: Field,
    /// Identifiers of the article's file that its plain text does not show (in properties,
    /// link targets, attributes, custom elements, the JSON payload): an exact string of the
    /// article always finds it.
    pub codes: Field,
    /// Acronyms the article defines (`virtual machine (VM)`), one raw term
    /// `short\u{1f}long form` each, read back as synonyms at query time.
    pub defines: Field,
    /// The body's headings with their anchors and where their sections start in `body`
    /// (JSON), for section-level hits.
    pub outline: Field,
    /// The body's plain text, stored for snippets.
    pub body: Field,
    /// One facet field per [`Facet`](super::Facet), named by [`Facet::name`](super::Facet::name): `/service`,
    /// `/service/resource`, `/tag`, ...
    pub facets: ByFacet<Field>,
    pub display_order: Field,
    /// When the article last changed, unix seconds: its last commit, else its file's
    /// modification time (see [`History::changed`](crate::history::History::changed)).
    pub updated: Field,
    /// The parsed properties as JSON, for result lists without re-parsing.
    pub meta: Field,
    /// The article's text as read (raw Markdown), for article pages.
    pub source: Field,
}

impl Fields {
    /// Builds the schema and the handles into it.
    pub fn build() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let text = |stored: bool| {
            let indexing = TextFieldIndexing::default()
                .set_tokenizer(TEXT_ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions);
            let opts = TextOptions::default().set_indexing_options(indexing);
            if stored { opts.set_stored() } else { opts }
        };
        let exact = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(EXACT_ANALYZER)
                .set_index_option(IndexRecordOption::Basic)
                .set_fieldnorms(false),
        );
        let fields = Fields {
            path: b.add_text_field(names::PATH, STRING | STORED | FAST),
            // A column only: read in bulk to find changed files, never searched.
            hash: b.add_text_field(names::HASH, FAST),
            article_id: b.add_text_field(names::ARTICLE_ID, exact.clone()),
            topic: b.add_text_field(names::TOPIC, exact.clone()),
            pes: b.add_text_field(names::PES, exact.clone()),
            title: b.add_text_field(names::TITLE, text(true)),
            title_exact: b.add_text_field(names::TITLE_EXACT, exact.clone()),
            title_sort: b.add_text_field(names::TITLE_SORT, FAST),
            title_verbatim: b.add_text_field(names::TITLE_VERBATIM, STRING),
            title_words: b.add_text_field(
                names::TITLE_WORDS,
                TextOptions::default().set_indexing_options(
                    TextFieldIndexing::default()
                        .set_tokenizer(WORDS_ANALYZER)
                        .set_index_option(IndexRecordOption::Basic)
                        .set_fieldnorms(false),
                ),
            ),
            description: b.add_text_field(names::DESCRIPTION, text(false)),
            headings: b.add_text_field(names::HEADINGS, text(false)),
            heading_exact: b.add_text_field(names::HEADING_EXACT, exact.clone()),
            description_exact: b.add_text_field(names::DESCRIPTION_EXACT, exact),
            codes: b.add_text_field(
                names::CODES,
                TextOptions::default().set_indexing_options(
                    TextFieldIndexing::default()
                        .set_tokenizer(CODES_ANALYZER)
                        .set_index_option(IndexRecordOption::WithFreqsAndPositions),
                ),
            ),
            defines: b.add_text_field(names::DEFINES, STRING),
            // The JSON fields are stored as text, not bytes: tantivy 0.27 reads a stored
            // bytes value back one byte at a time, text in one copy.
            outline: b.add_text_field(names::OUTLINE, STORED),
            body: b.add_text_field(names::BODY, text(true)),
            facets: ByFacet::from_fn(|f| b.add_facet_field(f.name(), FacetOptions::default())),
            display_order: b.add_i64_field(names::DISPLAY_ORDER, FAST),
            updated: b.add_i64_field(names::UPDATED, FAST),
            meta: b.add_text_field(names::META, STORED),
            source: b.add_text_field(names::SOURCE, STORED),
        };
        (b.build(), fields)
    }

    /// The handles of an opened index's schema; `None` when a field is missing (an index
    /// written by another version).
    pub fn from_schema(schema: &Schema) -> Option<Fields> {
        let f = |name: &str| schema.get_field(name).ok();
        Some(Fields {
            path: f(names::PATH)?,
            hash: f(names::HASH)?,
            article_id: f(names::ARTICLE_ID)?,
            topic: f(names::TOPIC)?,
            pes: f(names::PES)?,
            title: f(names::TITLE)?,
            title_exact: f(names::TITLE_EXACT)?,
            title_sort: f(names::TITLE_SORT)?,
            title_verbatim: f(names::TITLE_VERBATIM)?,
            title_words: f(names::TITLE_WORDS)?,
            description: f(names::DESCRIPTION)?,
            headings: f(names::HEADINGS)?,
            heading_exact: f(names::HEADING_EXACT)?,
            description_exact: f(names::DESCRIPTION_EXACT)?,
            codes: f(names::CODES)?,
            defines: f(names::DEFINES)?,
            outline: f(names::OUTLINE)?,
            body: f(names::BODY)?,
            facets: ByFacet::try_from_fn(|facet| f(facet.name()))?,
            display_order: f(names::DISPLAY_ORDER)?,
            updated: f(names::UPDATED)?,
            meta: f(names::META)?,
            source: f(names::SOURCE)?,
        })
    }
}

/// Words as the index keeps them: cut at [`MAX_TOKEN_BYTES`], lower-cased, folded to
/// ASCII, and stemmed when `stem`. Every word analyzer is this one with another tokenizer
/// or without the stemmer, so that a query word is always read as the field it searches.
fn word_analyzer(tokenizer: WordTokenizer, stem: bool) -> TextAnalyzer {
    let folded = TextAnalyzer::builder(tokenizer)
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES + 1))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter);
    if stem {
        folded.filter(CachedStemmer).build()
    } else {
        folded.build()
    }
}

/// The full-text analyzer, also used to analyze query words the same way.
pub fn text_analyzer() -> TextAnalyzer {
    word_analyzer(WordTokenizer::default(), true)
}

/// The analyzer of [`Fields::codes`]: the full-text one without identifiers' parts, so that
/// the typed reading of an identifier finds it there, and nothing else does.
pub fn codes_analyzer() -> TextAnalyzer {
    word_analyzer(WordTokenizer::whole_only(), true)
}

/// The unstemmed-words analyzer.
pub fn words_analyzer() -> TextAnalyzer {
    word_analyzer(WordTokenizer::default(), false)
}

/// The exact-match analyzer.
pub fn exact_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default())
        .filter(LowerCaser)
        .build()
}

/// Registers the analyzers the schema names; needed on every opened index.
pub fn register_analyzers(index: &Index) {
    let tokenizers = index.tokenizers();
    tokenizers.register(TEXT_ANALYZER, text_analyzer());
    tokenizers.register(EXACT_ANALYZER, exact_analyzer());
    tokenizers.register(WORDS_ANALYZER, words_analyzer());
    tokenizers.register(CODES_ANALYZER, codes_analyzer());
}

/// The whole-title key compared for the exact-title boost: lower-case words joined by one
/// space, punctuation dropped, so `"VM: boot fails!"` and `vm boot fails` agree.
pub fn title_key(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    for word in title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}
