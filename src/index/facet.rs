//! The facets: what a search filters and counts by. Each one is a line of [`Facet`]: the
//! property it comes from, its name (the index field, the query parameter, the JSON key, the
//! CLI flag and the `field:value` word of the query text all spell it so) and how a page
//! labels it. The index, the search core, the CLI, the pages and the OpenAPI document read
//! them from here, so a new facet is a variant, its line in each `match`, and a schema bump.
//!
//! One facet is not a property: [`Facet::Age`] counts and filters by when an article last
//! changed, in buckets relative to today ([`AGE_BUCKETS`]). The index keeps a fact that does
//! not age, the month of the last change (`2024/05`), and each query reads its bucket.
//!
//! [`ByFacet`] holds one value per facet (filters, counts, index fields) where the code used
//! to hold one named field per facet.

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::article::{Key, Properties, Value};

/// A facet a search filters and counts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Facet {
    Service,
    Resource,
    Tag,
    Type,
    Cloud,
    Scenario,
    Ownership,
    /// When the article last changed: this month, this year (before this month), older.
    Age,
}

/// The buckets of [`Facet::Age`], newest first: the values its filter takes and its counts
/// show. Calendar months and years (UTC), as people say them.
pub const AGE_BUCKETS: [&str; 3] = ["this-month", "this-year", "older"];

/// The value [`Facet::Age`] keeps in the index for a change at `secs` (unix time): its
/// year and month, `["2024", "05"]`.
pub fn age_path(secs: i64) -> Vec<String> {
    let date = time::OffsetDateTime::from_unix_timestamp(secs)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .date();
    vec![
        format!("{:04}", date.year()),
        format!("{:02}", u8::from(date.month())),
    ]
}

/// The bucket of [`AGE_BUCKETS`] that a kept month (`2024-05`, as [`age_path`]'s steps
/// joined) falls in on the day `now` (unix time).
pub fn age_bucket(month: &str, now: i64) -> &'static str {
    let [this_year, this_month] = age_path(now).try_into().unwrap_or_default();
    let (year, month) = month.split_once(['-', '/']).unwrap_or((month, ""));
    match (year == this_year, month == this_month) {
        (true, true) => AGE_BUCKETS[0],
        (true, false) => AGE_BUCKETS[1],
        _ => AGE_BUCKETS[2],
    }
}

impl Facet {
    /// How many there are.
    pub const COUNT: usize = 8;

    /// Every facet, in the order a page URL lists their filters and a response its counts.
    pub const ALL: [Facet; Facet::COUNT] = [
        Facet::Service,
        Facet::Resource,
        Facet::Tag,
        Facet::Type,
        Facet::Cloud,
        Facet::Scenario,
        Facet::Ownership,
        Facet::Age,
    ];

    /// Its name: the index field, the query parameter (`/search?service=...`), the key of
    /// its counts in a response, the CLI flag (`--service`) and the `service:value` of the
    /// query text.
    pub fn name(self) -> &'static str {
        match self {
            Facet::Service => "service",
            Facet::Resource => "resource",
            Facet::Tag => "tag",
            Facet::Type => "type",
            Facet::Cloud => "cloud",
            Facet::Scenario => "scenario",
            Facet::Ownership => "ownership",
            Facet::Age => "age",
        }
    }

    /// The property its values come from; `None` for [`Facet::Age`].
    pub fn key(self) -> Option<Key> {
        match self {
            Facet::Service => Some(Key::Service),
            Facet::Resource => Some(Key::Resource),
            Facet::Tag => Some(Key::ResourceTags),
            Facet::Type => Some(Key::SelfHelpType),
            Facet::Cloud => Some(Key::CloudEnvironments),
            Facet::Scenario => Some(Key::DiagnosticScenario),
            Facet::Ownership => Some(Key::OwnershipId),
            Facet::Age => None,
        }
    }

    /// How a page names it.
    pub fn label(self) -> &'static str {
        match self {
            Facet::Service => "Service",
            Facet::Resource => "Resource",
            Facet::Tag => "Resource tag",
            Facet::Type => "Article type",
            Facet::Cloud => "Cloud",
            Facet::Scenario => "Diagnostic scenario",
            Facet::Ownership => "Owning team",
            Facet::Age => "Last changed",
        }
    }

    /// What a filter by it takes, in a sentence: the CLI's help and the API document's
    /// description of the parameter.
    pub fn help(self) -> &'static str {
        match self {
            Facet::Service => "Service (resource provider, any case); repeat for several.",
            Facet::Resource => {
                "Resource, alone (`vaults`) or with its service \
                 (`microsoft.keyvault/vaults`); repeatable."
            }
            Facet::Tag => "Resource tag; repeatable.",
            Facet::Type => {
                "selfHelpType (`diagnostics`, `rca`, `generic`, `problemscopingquestions`, \
                 ...); repeatable."
            }
            Facet::Cloud => "Cloud environment (`public`, `fairfax`, `mooncake`, ...); repeatable.",
            Facet::Scenario => "Diagnostic scenario; repeatable.",
            Facet::Ownership => "The owning team (ownershipId, any case); repeatable.",
            Facet::Age => {
                "When the article last changed (its last commit, else its file's modification \
                 time): `this-month`, `this-year` (before this month) or `older`; repeatable."
            }
        }
    }

    /// Other words the query text takes for it (`tags:windows`); the property's own name
    /// (`selfHelpType:rca`) is always one.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Facet::Tag => &["tags"],
            _ => &[],
        }
    }

    /// Whether a value is a path below another facet's value: a resource is
    /// `service/resource`, shown as the resource alone.
    pub fn nested(self) -> bool {
        self == Facet::Resource
    }

    /// The facet a query parameter or flag names.
    pub fn of_name(name: &str) -> Option<Facet> {
        Facet::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The facet a `field:value` of the query text names, in any case: its name, an alias or
    /// its property's name.
    pub fn of_field(field: &str) -> Option<Facet> {
        Facet::ALL.into_iter().find(|f| {
            field.eq_ignore_ascii_case(f.name())
                || f.key()
                    .is_some_and(|k| field.eq_ignore_ascii_case(k.name()))
                || f.aliases().iter().any(|a| field.eq_ignore_ascii_case(a))
        })
    }

    /// The steps of each facet value an article has, lower-cased (filters compare so): one
    /// step, or `[service, resource]` for a resource (`-` standing for a missing service).
    /// None for [`Facet::Age`], whose value comes from the last change ([`age_path`]).
    pub fn paths(self, p: &Properties) -> Vec<Vec<String>> {
        let Some(key) = self.key() else {
            return Vec::new();
        };
        let values: Vec<&str> = match p.get(key) {
            Value::Text(s) => vec![s],
            Value::List(l) => l.iter().map(String::as_str).collect(),
            Value::Number(_) => Vec::new(),
        };
        values
            .into_iter()
            .filter(|v| !v.is_empty())
            .map(|v| {
                let v = v.to_lowercase();
                if self.nested() {
                    let service = if p.service.is_empty() {
                        "-"
                    } else {
                        &p.service
                    };
                    vec![service.to_lowercase(), v]
                } else {
                    vec![v]
                }
            })
            .collect()
    }
}

impl std::fmt::Display for Facet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One `T` per facet, indexed by [`Facet`]; serialized as a map from each facet's name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ByFacet<T>(pub [T; Facet::COUNT]);

impl<T> ByFacet<T> {
    /// Each facet's value made by `f`, in [`Facet::ALL`]'s order.
    pub fn from_fn(mut f: impl FnMut(Facet) -> T) -> ByFacet<T> {
        ByFacet(std::array::from_fn(|i| f(Facet::ALL[i])))
    }

    /// Each facet's value made by `f`, or the first `None`.
    pub fn try_from_fn(mut f: impl FnMut(Facet) -> Option<T>) -> Option<ByFacet<T>> {
        let mut out = Vec::with_capacity(Facet::COUNT);
        for facet in Facet::ALL {
            out.push(f(facet)?);
        }
        out.try_into().ok().map(ByFacet)
    }

    /// Each facet with its value.
    pub fn iter(&self) -> impl Iterator<Item = (Facet, &T)> {
        Facet::ALL.into_iter().zip(self.0.iter())
    }

    /// Each facet with its value, to change.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (Facet, &mut T)> {
        Facet::ALL.into_iter().zip(self.0.iter_mut())
    }

    /// The values, each made into another by `f`.
    pub fn map<U>(self, mut f: impl FnMut(Facet, T) -> U) -> ByFacet<U> {
        let mut facets = Facet::ALL.into_iter();
        ByFacet(self.0.map(|v| {
            // ALL and the array have the same length.
            let facet = facets.next().unwrap_or(Facet::Service);
            f(facet, v)
        }))
    }
}

impl<T> std::ops::Index<Facet> for ByFacet<T> {
    type Output = T;

    fn index(&self, facet: Facet) -> &T {
        &self.0[facet as usize]
    }
}

impl<T> std::ops::IndexMut<Facet> for ByFacet<T> {
    fn index_mut(&mut self, facet: Facet) -> &mut T {
        &mut self.0[facet as usize]
    }
}

impl<T: Serialize> Serialize for ByFacet<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(Facet::COUNT))?;
        for (facet, value) in self.iter() {
            map.serialize_entry(facet.name(), value)?;
        }
        map.end()
    }
}

/// Reads the map [`Serialize`] writes; a missing facet gets its default and other keys are
/// ignored, so that the type can be flattened into a larger one.
impl<'de, T: Deserialize<'de> + Default> Deserialize<'de> for ByFacet<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Default> serde::de::Visitor<'de> for Visit<T> {
            type Value = ByFacet<T>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map from facet names")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<ByFacet<T>, A::Error> {
                let mut out = ByFacet::<T>::default();
                while let Some(name) = map.next_key::<String>()? {
                    match Facet::of_name(&name) {
                        Some(facet) => out[facet] = map.next_value()?,
                        None => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_go_both_ways_and_all_is_in_slot_order() {
        for (i, f) in Facet::ALL.into_iter().enumerate() {
            assert_eq!(f as usize, i);
            assert_eq!(Facet::of_name(f.name()), Some(f));
            assert_eq!(Facet::of_field(&f.name().to_uppercase()), Some(f));
            if let Some(key) = f.key() {
                assert_eq!(Facet::of_field(key.name()), Some(f));
            }
        }
        assert_eq!(Facet::of_field("tags"), Some(Facet::Tag));
        assert_eq!(Facet::of_field("selfhelptype"), Some(Facet::Type));
        assert_eq!(Facet::of_field("ownershipId"), Some(Facet::Ownership));
        assert_eq!(Facet::of_field("topic"), None);
        assert_eq!(Facet::of_name("Service"), None);
    }

    #[test]
    fn an_articles_values_are_lower_cased_and_a_resource_sits_under_its_service() {
        let p = Properties {
            service: "microsoft.compute".into(),
            resource: "virtualmachines".into(),
            resource_tags: vec!["windows".into(), "linux".into()],
            diagnostic_scenario: "BootFailure".into(),
            ownership_id: "AzureVM_Team".into(),
            ..Properties::default()
        };
        assert_eq!(Facet::Service.paths(&p), [["microsoft.compute"]]);
        assert_eq!(
            Facet::Resource.paths(&p),
            [["microsoft.compute", "virtualmachines"]]
        );
        assert_eq!(Facet::Tag.paths(&p), [["windows"], ["linux"]]);
        assert_eq!(Facet::Scenario.paths(&p), [["bootfailure"]]);
        assert_eq!(Facet::Ownership.paths(&p), [["azurevm_team"]]);
        assert!(Facet::Type.paths(&p).is_empty());
        let orphan = Properties {
            resource: "vaults".into(),
            ..Properties::default()
        };
        assert_eq!(Facet::Resource.paths(&orphan), [["-", "vaults"]]);
    }

    /// Calendar buckets: December 2026 is this month on 2 December 2026, January 2026 this
    /// year, December 2025 older; the kept value is the month of the change, in UTC.
    #[test]
    fn a_change_falls_in_the_calendar_bucket_of_today() {
        let now = 1_796_212_800; // 2026-12-02 12:00 UTC
        assert_eq!(age_path(now), ["2026", "12"]);
        assert_eq!(age_path(1_767_225_599), ["2025", "12"]); // 2025-12-31 23:59:59
        assert_eq!(age_path(1_767_225_600), ["2026", "01"]); // 2026-01-01 00:00:00
        let bucket = |secs: i64| age_bucket(&age_path(secs).join("/"), now);
        assert_eq!(bucket(now - 86_400), "this-month");
        assert_eq!(bucket(1_767_225_600), "this-year");
        assert_eq!(bucket(1_767_225_599), "older");
        assert_eq!(bucket(0), "older");
        assert_eq!(age_bucket("2026-12", now), "this-month");
        assert_eq!(age_bucket("nonsense", now), "older");
    }

    #[test]
    fn by_facet_serializes_as_a_map_in_order_and_reads_it_back() {
        let v = ByFacet::from_fn(|f| vec![f.name().len()]);
        let json = serde_json::to_string(&v).expect("json");
        assert_eq!(
            json,
            r#"{"service":[7],"resource":[8],"tag":[3],"type":[4],"cloud":[5],"scenario":[8],"ownership":[9],"age":[3]}"#
        );
        let back: ByFacet<Vec<usize>> = serde_json::from_str(&json).expect("read");
        assert_eq!(back, v);
        let partial: ByFacet<Vec<usize>> =
            serde_json::from_str(r#"{"cloud":[1],"other":true}"#).expect("read");
        assert_eq!(partial[Facet::Cloud], [1]);
        assert!(partial[Facet::Service].is_empty());
    }
}
