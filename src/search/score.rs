//! One scorer for the text of a query: every posting list it needs is read once, and each
//! document is scored from what matched it, word by word and field by field.
//!
//! tantivy's `BooleanQuery` can only add scores up. Ranking the way agents search needs more
//! than sums: how much of the query a document covers, weighing each word by how informative
//! it is (so that `customer`, `help` or `since` cannot outrank `RDP`), where the best match of
//! each word is (title, heading, body), and whether the query is a whole title, heading or
//! description. So the query's matchers (term and phrase queries per word, reading and field;
//! typo and prefix expansions; identifier fields; whole-field terms) are labelled with what
//! they stand for, and [`TextScorer`] walks their union document by document, collecting per
//! word and field what matched before it computes the score (see [`Scoring`]).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

use crate::index::Fields;

/// The text fields a word is looked for in, in the order of [`FieldSlot`].
pub const TEXT_FIELDS: usize = 5;

/// A text field's slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum FieldSlot {
    Title = 0,
    Description = 1,
    Headings = 2,
    Body = 3,
    /// Identifiers of the raw body that the plain text does not show.
    Codes = 4,
}

impl FieldSlot {
    pub const ALL: [FieldSlot; TEXT_FIELDS] = [
        FieldSlot::Title,
        FieldSlot::Description,
        FieldSlot::Headings,
        FieldSlot::Body,
        FieldSlot::Codes,
    ];

    pub fn field(self, f: &Fields) -> tantivy::schema::Field {
        match self {
            FieldSlot::Title => f.title,
            FieldSlot::Description => f.description,
            FieldSlot::Headings => f.headings,
            FieldSlot::Body => f.body,
            FieldSlot::Codes => f.codes,
        }
    }
}

/// Whole-field and proximity signals, one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Extra {
    /// The query is the whole title (case and punctuation aside).
    TitleExact = 0,
    /// The query is the title to the letter.
    TitleVerbatim = 1,
    /// The query is one of the article's headings.
    HeadingExact = 2,
    /// The query is the article's description.
    DescriptionExact = 3,
    /// The query's words close together in the title (BM25 of the sloppy phrase).
    NearInTitle = 4,
    /// The query's words close together in the body.
    NearInBody = 5,
}

/// What a matcher stands for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// A reading of word `unit` in a text field; `factor` says how good a reading it is
    /// (the word as typed 1, its parts or a synonym less).
    Text {
        unit: usize,
        field: FieldSlot,
        factor: f32,
        /// An identifier as typed: the same in any field (the field factor does not apply).
        anywhere: bool,
    },
    /// Word `unit` with a typo or as a prefix, in the title or elsewhere.
    Loose {
        unit: usize,
        title: bool,
    },
    /// Word `unit` is a support topic ID, productPesId or articleId of the document.
    Id {
        unit: usize,
    },
    Extra(Extra),
}

/// What a word weighs and must do.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnitMeta {
    /// Informativeness, the mean over a query's words being 1.
    pub weight: f32,
    /// A quoted phrase: matched even when the other words need not be.
    pub required: bool,
}

/// The constants of the score. A document's score is, from the strongest signal down:
///
/// - `id` for each word that is one of its identifiers;
/// - `coverage` times the weighted share of the query's words it covers, each word counted by
///   its best match (`field_factor` of the field times the reading's factor; a typo or prefix
///   match `loose_title` or `loose_other`). A whole-field match makes every word count as a
///   title word;
/// - `title_word` for each word (weighted) in the title, and `title_fit` times the share of the
///   title's words the query covers;
/// - the whole-field bonuses;
/// - BM25 per word and field, times `bm25_boost`, and the proximity phrases.
#[derive(Debug, Clone, PartialEq)]
pub struct Scoring {
    pub id: f32,
    pub coverage: f32,
    /// For each identifier (weighted) found as typed.
    pub identifier: f32,
    pub field_factor: [f32; TEXT_FIELDS],
    pub loose_title: f32,
    pub loose_other: f32,
    pub title_word: f32,
    pub title_fit: f32,
    /// For each two words typed one after the other that are both in the title.
    pub title_pair: f32,
    pub title_exact: f32,
    pub title_verbatim: f32,
    pub heading_exact: f32,
    pub description_exact: f32,
    pub bm25_boost: [f32; TEXT_FIELDS],
}

impl Default for Scoring {
    /// Tuned by coordinate ascent on generated query sets (seed 1, 500 a kind) and checked on
    /// another seed; see the README's evaluation section.
    fn default() -> Scoring {
        Scoring {
            id: 1_000_000.0,
            coverage: 3_000.0,
            identifier: 15_000.0,
            field_factor: [1.0, 0.8, 0.8, 0.25, 0.25],
            loose_title: 0.6,
            loose_other: 0.3,
            title_word: 6_000.0,
            title_fit: 24_000.0,
            title_pair: 6_000.0,
            title_exact: 5_000.0,
            title_verbatim: 500.0,
            heading_exact: 4_000.0,
            description_exact: 4_000.0,
            bm25_boost: [4.0, 2.0, 1.5, 1.0, 0.5],
        }
    }
}

/// The text part of a search as one query.
pub struct TextQuery {
    pub matchers: Vec<(Box<dyn Query>, Target)>,
    pub units: Vec<UnitMeta>,
    /// Terms of each unit's first reading (for the title-fit share).
    pub unit_terms: Vec<usize>,
    /// Every word must match (else any word will do; required units always).
    pub require_all: bool,
    pub scoring: Scoring,
    pub title: tantivy::schema::Field,
}

impl std::fmt::Debug for TextQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextQuery")
            .field("matchers", &self.matchers.len())
            .field("units", &self.units)
            .field("require_all", &self.require_all)
            .finish()
    }
}

impl Clone for TextQuery {
    fn clone(&self) -> TextQuery {
        TextQuery {
            matchers: self
                .matchers
                .iter()
                .map(|(q, t)| (q.box_clone(), *t))
                .collect(),
            units: self.units.clone(),
            unit_terms: self.unit_terms.clone(),
            require_all: self.require_all,
            scoring: self.scoring.clone(),
            title: self.title,
        }
    }
}

impl Query for TextQuery {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let mut weights = Vec::with_capacity(self.matchers.len());
        for (q, target) in &self.matchers {
            weights.push((q.weight(scoring)?, *target));
        }
        Ok(Box::new(TextWeight {
            weights,
            query: TextQuery {
                matchers: Vec::new(),
                units: self.units.clone(),
                unit_terms: self.unit_terms.clone(),
                require_all: self.require_all,
                scoring: self.scoring.clone(),
                title: self.title,
            },
        }))
    }
}

struct TextWeight {
    weights: Vec<(Box<dyn Weight>, Target)>,
    /// The query's units and scoring (its matchers are in `weights`).
    query: TextQuery,
}

impl Weight for TextWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut cursors = Vec::with_capacity(self.weights.len());
        for (w, target) in &self.weights {
            let scorer = w.scorer(reader, 1.0)?;
            if scorer.doc() != TERMINATED {
                cursors.push(Cursor {
                    scorer,
                    target: *target,
                });
            }
        }
        let title_norms = reader.get_fieldnorms_reader(self.query.title)?;
        Ok(Box::new(TextScorer::new(
            cursors,
            &self.query,
            title_norms,
            boost,
        )))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) == doc {
            Ok(Explanation::new("TextQuery", scorer.score()))
        } else {
            Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )))
        }
    }
}

struct Cursor {
    scorer: Box<dyn Scorer>,
    target: Target,
}

/// What matched the current document, per word (and field).
#[derive(Default)]
struct Matched {
    /// Best factor per (unit, field).
    exact: Vec<f32>,
    /// BM25 per (unit, field), best reading.
    bm25: Vec<f32>,
    /// Per unit: 1 typo/prefix in the title, 2 elsewhere.
    loose: Vec<u8>,
    id: Vec<bool>,
    /// Per unit: the fields (bits) an identifier matched in as typed.
    anywhere: Vec<u8>,
    extras: u8,
    near: f32,
    touched: Vec<usize>,
}

impl Matched {
    fn new(units: usize) -> Matched {
        Matched {
            exact: vec![0.0; units * TEXT_FIELDS],
            bm25: vec![0.0; units * TEXT_FIELDS],
            loose: vec![0; units],
            id: vec![false; units],
            anywhere: vec![0; units],
            ..Matched::default()
        }
    }

    fn touch(&mut self, unit: usize) {
        if !self.touched.contains(&unit) {
            self.touched.push(unit);
        }
    }

    fn clear(&mut self) {
        for &u in &self.touched {
            self.exact[u * TEXT_FIELDS..(u + 1) * TEXT_FIELDS].fill(0.0);
            self.bm25[u * TEXT_FIELDS..(u + 1) * TEXT_FIELDS].fill(0.0);
            self.loose[u] = 0;
            self.id[u] = false;
            self.anywhere[u] = 0;
        }
        self.touched.clear();
        self.extras = 0;
        self.near = 0.0;
    }
}

/// The union of a query's matchers, scored per document; see the module documentation.
pub struct TextScorer {
    cursors: Vec<Cursor>,
    /// (doc, cursor) of every cursor not yet exhausted.
    heap: BinaryHeap<Reverse<(DocId, usize)>>,
    units: Vec<UnitMeta>,
    unit_terms: Vec<usize>,
    require_all: bool,
    scoring: Scoring,
    title_norms: tantivy::fieldnorm::FieldNormReader,
    boost: Score,
    matched: Matched,
    doc: DocId,
    score: Score,
    /// With every word required: each word's cursors (see [`TextScorer::next_all`]).
    by_unit: Option<Vec<Vec<usize>>>,
    /// With any word: the cursors of the minor words, brought to each candidate the others
    /// find rather than finding candidates themselves.
    followers: Vec<usize>,
}

impl TextScorer {
    fn new(
        cursors: Vec<Cursor>,
        q: &TextQuery,
        title_norms: tantivy::fieldnorm::FieldNormReader,
        boost: Score,
    ) -> TextScorer {
        // Every word required: a leapfrog over the words (each the union of its cursors), so
        // that rare words lead and the postings of common ones are skipped, not read.
        let by_unit = q.require_all.then(|| {
            let mut by_unit = vec![Vec::new(); q.units.len()];
            for (i, c) in cursors.iter().enumerate() {
                if let Target::Text { unit, .. }
                | Target::Loose { unit, .. }
                | Target::Id { unit } = c.target
                {
                    by_unit[unit].push(i);
                }
            }
            by_unit
        });
        let minor = minor_units(&q.units);
        let is_follower = |c: &Cursor| match c.target {
            Target::Text { unit, .. } | Target::Loose { unit, .. } => minor[unit],
            Target::Id { .. } | Target::Extra(_) => false,
        };
        let (heap, followers) = if by_unit.is_some() {
            (BinaryHeap::new(), Vec::new())
        } else {
            let (followers, leaders): (Vec<usize>, Vec<usize>) =
                (0..cursors.len()).partition(|&i| is_follower(&cursors[i]));
            let heap = leaders
                .into_iter()
                .map(|i| Reverse((cursors[i].scorer.doc(), i)))
                .collect();
            (heap, followers)
        };
        let mut s = TextScorer {
            cursors,
            heap,
            units: q.units.clone(),
            unit_terms: q.unit_terms.clone(),
            require_all: q.require_all,
            scoring: q.scoring.clone(),
            title_norms,
            boost,
            matched: Matched::new(q.units.len()),
            doc: TERMINATED,
            score: 0.0,
            by_unit,
            followers,
        };
        if s.by_unit.is_some() {
            s.next_all(0);
        } else {
            s.next_match();
        }
        s
    }

    /// With every word required: the first document at or after `target` that has them all
    /// and that the query accepts, scored.
    fn next_all(&mut self, mut target: DocId) -> DocId {
        let Some(by_unit) = self.by_unit.take() else {
            return self.next_match();
        };
        let found = loop {
            // Bring every word to the candidate; a word past it moves the candidate on.
            let mut candidate = target;
            let mut settled = false;
            while !settled {
                settled = true;
                for cursors in &by_unit {
                    let mut first = TERMINATED;
                    for &i in cursors {
                        let scorer = &mut self.cursors[i].scorer;
                        let mut d = scorer.doc();
                        if d < candidate {
                            d = scorer.seek(candidate);
                        }
                        first = first.min(d);
                    }
                    if first == TERMINATED {
                        break;
                    }
                    if first > candidate {
                        candidate = first;
                        settled = false;
                    }
                }
                if by_unit.iter().any(|c| {
                    c.iter()
                        .all(|&i| self.cursors[i].scorer.doc() == TERMINATED)
                }) {
                    candidate = TERMINATED;
                    break;
                }
            }
            if candidate == TERMINATED {
                break TERMINATED;
            }
            self.matched.clear();
            for i in 0..self.cursors.len() {
                let mut d = self.cursors[i].scorer.doc();
                if d < candidate {
                    d = self.cursors[i].scorer.seek(candidate);
                }
                if d == candidate {
                    self.record(i);
                    self.cursors[i].scorer.advance();
                }
            }
            if let Some(score) = self.evaluate(candidate) {
                self.score = score * self.boost;
                break candidate;
            }
            target = candidate + 1;
        };
        self.by_unit = Some(by_unit);
        self.doc = found;
        found
    }

    /// Moves to the first document at or after the cursors' positions that the query
    /// accepts, and scores it.
    fn next_match(&mut self) -> DocId {
        loop {
            let Some(&Reverse((doc, _))) = self.heap.peek() else {
                self.doc = TERMINATED;
                return TERMINATED;
            };
            self.matched.clear();
            while let Some(&Reverse((d, i))) = self.heap.peek() {
                if d != doc {
                    break;
                }
                self.heap.pop();
                self.record(i);
                let next = self.cursors[i].scorer.advance();
                if next != TERMINATED {
                    self.heap.push(Reverse((next, i)));
                }
            }
            for f in 0..self.followers.len() {
                let i = self.followers[f];
                let scorer = &mut self.cursors[i].scorer;
                let d = if scorer.doc() < doc {
                    scorer.seek(doc)
                } else {
                    scorer.doc()
                };
                if d == doc {
                    self.record(i);
                }
            }
            if let Some(score) = self.evaluate(doc) {
                self.doc = doc;
                self.score = score * self.boost;
                return doc;
            }
        }
    }

    fn record(&mut self, i: usize) {
        let target = self.cursors[i].target;
        let m = &mut self.matched;
        match target {
            Target::Text {
                unit,
                field,
                factor,
                anywhere,
            } => {
                let score = self.cursors[i].scorer.score();
                m.touch(unit);
                let slot = unit * TEXT_FIELDS + field as usize;
                m.exact[slot] = m.exact[slot].max(factor);
                m.bm25[slot] = m.bm25[slot].max(score * factor);
                if anywhere {
                    m.anywhere[unit] |= 1 << field as u8;
                }
            }
            Target::Loose { unit, title } => {
                m.touch(unit);
                m.loose[unit] |= if title { 1 } else { 2 };
            }
            Target::Id { unit } => {
                m.touch(unit);
                m.id[unit] = true;
            }
            Target::Extra(e) => {
                m.extras |= 1 << e as u8;
                if matches!(e, Extra::NearInTitle | Extra::NearInBody) {
                    let boost = if e == Extra::NearInTitle { 4.0 } else { 1.0 };
                    m.near += boost * self.cursors[i].scorer.score();
                }
            }
        }
    }

    /// The document's score, or `None` when the query does not accept it.
    fn evaluate(&self, doc: DocId) -> Option<Score> {
        let s = &self.scoring;
        let m = &self.matched;
        let has = |e: Extra| m.extras & (1 << e as u8) != 0;
        let whole_field =
            has(Extra::TitleExact) || has(Extra::HeadingExact) || has(Extra::DescriptionExact);
        let (mut coverage, mut in_title, mut title_terms, mut bm25, mut ids) =
            (0.0f32, 0.0f32, 0.0f32, 0.0f32, 0usize);
        let mut identifiers = 0.0f32;
        let (mut title_pairs, mut previous_in_title) = (0.0f32, 0.0f32);
        let mut matched_any = false;
        for (u, meta) in self.units.iter().enumerate() {
            let fields = &m.exact[u * TEXT_FIELDS..(u + 1) * TEXT_FIELDS];
            let mut best = 0.0f32;
            for (f, &factor) in fields.iter().enumerate() {
                best = best.max(factor * s.field_factor[f]);
            }
            // How well the word is in the title: its reading's factor (a typo counts half).
            let mut title = fields[FieldSlot::Title as usize];
            if title == 0.0 && m.loose[u] & 1 != 0 {
                title = 0.5;
            }
            // An identifier found as typed counts whole wherever it is, and more than any
            // other match: its parts in a title are no better a match.
            if m.anywhere[u] != 0 {
                best = 1.0;
                title = if m.anywhere[u] & (1 << FieldSlot::Title as u8) != 0 {
                    1.0
                } else {
                    0.0
                };
                identifiers += meta.weight;
            }
            if best == 0.0 {
                best = if m.loose[u] & 1 != 0 {
                    s.loose_title
                } else if m.loose[u] & 2 != 0 {
                    s.loose_other
                } else {
                    0.0
                };
            } else if whole_field {
                best = best.max(fields.iter().copied().fold(0.0, f32::max));
            }
            let found = best > 0.0 || m.id[u];
            if !found && (self.require_all || meta.required) {
                return None;
            }
            matched_any |= found;
            ids += usize::from(m.id[u]);
            coverage += meta.weight * best;
            if whole_field && best > 0.0 {
                title = 1.0;
            }
            in_title += meta.weight * title;
            title_terms += self.unit_terms[u] as f32 * title;
            // Words typed one after the other and both in the title: the title was typed
            // (most of it), not just one of its words.
            if title > 0.0 && previous_in_title > 0.0 {
                title_pairs += title.min(previous_in_title);
            }
            previous_in_title = title;
            bm25 += fields_bm25(&m.bm25[u * TEXT_FIELDS..(u + 1) * TEXT_FIELDS], s);
        }
        if !matched_any {
            return None;
        }
        let title_len = self.title_norms.fieldnorm(doc).max(1) as f32;
        // A query that is a whole heading or description fits it as a typed title would.
        let fit = if whole_field {
            1.0
        } else {
            (title_terms / title_len).min(1.0)
        };
        let mut score = s.id * ids as f32
            + s.identifier * identifiers
            + s.title_pair * title_pairs
            + s.coverage * coverage
            + s.title_word * in_title
            + s.title_fit * fit
            + bm25
            + m.near;
        for (e, points) in [
            (Extra::TitleExact, s.title_exact),
            (Extra::TitleVerbatim, s.title_verbatim),
            (Extra::HeadingExact, s.heading_exact),
            (Extra::DescriptionExact, s.description_exact),
        ] {
            if has(e) {
                score += points;
            }
        }
        Some(score)
    }
}

/// The share of a query's weight below which its least informative words, together, cannot
/// make a document a hit on their own when not every word is required. A document with only
/// "customer", "help" and "since" of a ten-word query is no answer, and enumerating every
/// such document is most of the cost of a long query.
const MINOR_SHARE: f32 = 0.15;

/// Which units are minor: the least weighted ones whose weights sum to under
/// [`MINOR_SHARE`] of the total. Required units never are.
fn minor_units(units: &[UnitMeta]) -> Vec<bool> {
    let total: f32 = units.iter().map(|u| u.weight).sum();
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by(|&a, &b| units[a].weight.total_cmp(&units[b].weight));
    let mut minor = vec![false; units.len()];
    let mut sum = 0.0;
    for u in order {
        sum += units[u].weight;
        if sum >= MINOR_SHARE * total {
            break;
        }
        minor[u] = !units[u].required;
    }
    minor
}

fn fields_bm25(scores: &[f32], s: &Scoring) -> f32 {
    scores
        .iter()
        .zip(s.bm25_boost)
        .map(|(score, boost)| score * boost)
        .sum()
}

impl DocSet for TextScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        if self.by_unit.is_some() {
            return self.next_all(self.doc + 1);
        }
        self.next_match()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        if self.by_unit.is_some() {
            return self.next_all(target);
        }
        // Cursors behind the target jump to it; the others are where they are.
        while let Some(&Reverse((d, i))) = self.heap.peek() {
            if d >= target {
                break;
            }
            self.heap.pop();
            let next = self.cursors[i].scorer.seek(target);
            if next != TERMINATED {
                self.heap.push(Reverse((next, i)));
            }
        }
        self.next_match()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.cursors
            .iter()
            .map(|c| c.scorer.size_hint())
            .max()
            .unwrap_or(0)
    }
}

impl Scorer for TextScorer {
    fn score(&mut self) -> Score {
        self.score
    }
}
